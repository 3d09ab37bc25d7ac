"""Story 2's app, on real Starlette under real uvicorn: an SSE endpoint.

    /usr/bin/python3 tests/harness/proxy/sse_app.py PORT_FILE LOG_FILE [EVENTS]

binds 127.0.0.1:0 itself (uvicorn 0.17 has no --port 0 that reports its
port), writes the port into PORT_FILE once listening, and serves GET /events:
a StreamingResponse of text/event-stream from an async generator that yields
EVENTS events (default 40), one every 50 ms. What the generator goes through
is written to LOG_FILE, a line each, flushed at once:

    stream started
    event N                     before each yield
    stream completed            the last event was yielded and sent
    body iterator cancelled     CancelledError at its pending await
    plain cleanup started / plain cleanup done
    shielded cleanup started / shielded cleanup done
    exception handler called    (the app's handler for Exception; story 2
                                 says it never sees the cancellation)

The plain cleanup awaits anyio.sleep in the cancelled scope, so when the
client has gone it is cut short there ("done" never comes); the shielded
one runs inside CancelScope(shield=True) and completes.
"""

import asyncio
import os
import socket
import sys

import anyio
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.routing import Route

INTERVAL = 0.05          # seconds between events
CLEANUP_SECONDS = 0.2    # what each cleanup awaits

port_file, log_path = sys.argv[1], sys.argv[2]
event_count = int(sys.argv[3]) if len(sys.argv) > 3 else 40
log_file = open(log_path, "a", buffering=1)


def log(line):
    log_file.write(line + "\n")
    log_file.flush()


async def events():
    log("stream started")
    try:
        for i in range(event_count):
            if i > 0:
                await anyio.sleep(INTERVAL)
            log(f"event {i}")
            yield f"id: {i}\ndata: event {i}\n\n"
        log("stream completed")
    except asyncio.CancelledError:
        log("body iterator cancelled")
        raise
    finally:
        try:
            log("plain cleanup started")
            await anyio.sleep(CLEANUP_SECONDS)
            log("plain cleanup done")
        finally:
            with anyio.CancelScope(shield=True):
                log("shielded cleanup started")
                await anyio.sleep(CLEANUP_SECONDS)
                log("shielded cleanup done")


async def sse_endpoint(request):
    return StreamingResponse(events(), media_type="text/event-stream")


async def on_exception(request, exc):
    log("exception handler called")
    return PlainTextResponse("handled", status_code=500)


app = Starlette(routes=[Route("/events", sse_endpoint)],
                exception_handlers={Exception: on_exception})


class PortReportingServer(uvicorn.Server):
    """Writes the bound port once uvicorn is serving on the socket."""

    def __init__(self, config, sock):
        super().__init__(config)
        self.sock = sock

    async def startup(self, sockets=None):
        await super().startup(sockets=sockets)
        with open(port_file + ".tmp", "w") as f:
            f.write(f"{self.sock.getsockname()[1]}\n")
        os.replace(port_file + ".tmp", port_file)


def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    PortReportingServer(config, sock).run(sockets=[sock])


if __name__ == "__main__":
    main()
