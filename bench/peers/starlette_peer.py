"""The Python peer of bench/bench_scenarios.c: real Starlette, in-process.

    /usr/bin/python3 bench/peers/starlette_peer.py sse|shield N

drives N runs of one shape through Starlette's own ASGI machinery, inside one
anyio.run (asyncio backend), after a short untimed warm-up, and prints

    runs/s: <N / elapsed seconds>

No sockets and no server: the app is called directly with a scope, a receive
and a send, as uvicorn would call it.

- sse: a StreamingResponse of an async generator yielding SSE events with
  anyio.sleep between them; receive returns http.request, then, once three
  body messages were sent, http.disconnect (forever); send records. The
  response's disconnect listener cancels the generator, as in story 2.
- shield: two stacked BaseHTTPMiddleware around an endpoint returning a
  PlainTextResponse; receive yields http.request, then http.disconnect (twice,
  then forever); send records. Story 3's shape.

The sleeps here are real, so they are 0 (a checkpoint): faultline's runs
sleep in virtual time, which costs nothing. What the two sides compare is
the machinery's cost per run, not the time a run stands for.
"""

import sys
import time

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.routing import Route

SSE_EVENTS = 20          # the generator would yield this many; the client leaves after 3
SSE_INTERVAL = 0         # seconds between events (real time: kept at 0)
LEAVE_AFTER = 3          # body messages sent before receive reports the disconnect
WARM_UP = 50


def scope_for(path):
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"server")],
        "client": ("127.0.0.1", 40000),
        "server": ("server", 80),
    }


# --- sse ------------------------------------------------------------------------------------

async def events():
    for i in range(SSE_EVENTS):
        if i > 0:
            await anyio.sleep(SSE_INTERVAL)
        yield f"data: chunk {i}\n\n"


async def sse_endpoint(request):
    return StreamingResponse(events(), media_type="text/event-stream")


sse_app = Starlette(routes=[Route("/events", sse_endpoint)])


async def sse_run():
    sent = []
    body_messages = 0
    requested = False
    left = anyio.Event()

    async def receive():
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await left.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        nonlocal body_messages
        sent.append(message)
        if message["type"] == "http.response.body" and message.get("body"):
            body_messages += 1
            if body_messages >= LEAVE_AFTER:
                left.set()

    await sse_app(scope_for("/events"), receive, send)
    if body_messages < LEAVE_AFTER:
        raise SystemExit(f"sse: {body_messages} body messages, expected at least {LEAVE_AFTER}")


# --- shield ---------------------------------------------------------------------------------

class Passing(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        return await call_next(request)


async def hi(request):
    return PlainTextResponse("hi")


shield_app = Starlette(routes=[Route("/", hi)],
                       middleware=[Middleware(Passing), Middleware(Passing)])


async def shield_run():
    sent = []
    messages = iter([
        {"type": "http.request", "body": b"", "more_body": False},
        {"type": "http.disconnect"},
        {"type": "http.disconnect"},
    ])

    async def receive():
        message = next(messages, None)
        if message is None:
            await anyio.sleep(0)
            return {"type": "http.disconnect"}
        return message

    async def send(message):
        sent.append(message)

    try:
        await shield_app(scope_for("/"), receive, send)
    except RuntimeError as error:  # "No response returned." on the racy versions
        sent.append({"type": "error", "text": str(error)})


# --- the loop -------------------------------------------------------------------------------

async def measure(one_run, n):
    for _ in range(WARM_UP):
        await one_run()
    start = time.perf_counter()
    for _ in range(n):
        await one_run()
    return n / (time.perf_counter() - start)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("sse", "shield"):
        raise SystemExit("usage: starlette_peer.py sse|shield N")
    one_run = sse_run if sys.argv[1] == "sse" else shield_run
    n = int(sys.argv[2])
    rate = anyio.run(measure, one_run, n, backend="asyncio")
    print(f"runs/s: {rate:.3f}")


if __name__ == "__main__":
    main()
