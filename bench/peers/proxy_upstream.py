"""The real app behind bench/bench_proxy.sh: Starlette, GET / answers "ok".

    /usr/bin/python3 -m uvicorn --app-dir bench/peers proxy_upstream:app --port PORT

The smallest route a Starlette user has: the figure is what the proxy costs
in front of a real framework, not the framework's own speed.
"""

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def ok(request):
    return PlainTextResponse("ok")


app = Starlette(routes=[Route("/", ok)])
