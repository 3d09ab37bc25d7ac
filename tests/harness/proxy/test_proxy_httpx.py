"""The mapping matrix through `faultline proxy`, for real httpx and for
faultline's own client: run by test_proxy_httpx.sh.

    /usr/bin/python3 tests/harness/proxy/test_proxy_httpx.py FAULTLINE UPSTREAM_PORT WORK_DIR

For each row: the fault file goes to a fresh proxy in front of the upstream
(`faultline serve tests/harness/proxy/mapping_upstream.yaml`); real httpx
(0.23, httpcore 0.16) sends the row's request through it, and its exception
class is taken as faultline's kind name (the names are httpx's: ReadError,
RemoteProtocolError, ...; a response's status is the StatusError kind
faultline's client gives it, 2xx is "200 (N bytes)"); then a second fresh
proxy with the same file, and `faultline fetch` with the same request. One
tab-separated line a row:

    #rows N                     first: how many rows follow
    ROW  SCENARIO_KIND  EXPECTED  HTTPX_KIND  FETCH_KIND  HTTPX_FAULTS  FETCH_FAULTS  PROXY_EXITS
         FETCH_KNOWN  FETCH_KNOWN_WHY

EXPECTED is what the proxy must produce: the scenario's kind (the kind
faultline's client raises for that fault in the simulated cell), or, where
the two deliberately differ, the kinds a real proxy can produce, "|"
between them; ROWS below says why. ROWS=a,b in the environment runs only those rows. *_FAULTS count the proxy's fault lines,
PROXY_EXITS the two proxies' exit statuses after SIGINT; FETCH_KNOWN a kind
fetch is known to give instead of httpx's (KNOWN_FETCH), "-" for none.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time

import httpx

TIMEOUT = 2.0            # every client wait (connect, read, write, pool)
SMALL_UPLOAD = 5000      # bytes: fits the socket buffers whole
# A large upload is more than loopback's buffers hold, so its writes block; it
# goes as a chunked stream (httpx: an iterator; fetch: --stream-body): with a
# declared Content-Length over the upstream's 8 MiB body limit the upstream
# would answer 413 at once, and that early response would race the fault.
LARGE_UPLOAD = 32 << 20  # bytes
LARGE_BLOCK = 64 << 10

# (row, fault, request, scenario kind, expected through the proxy, why they differ)
# request: (method, path, upload) with upload None, "small" or "large".
ROWS = [
    ("connect_refused_fault", "{connect: 1}", "refuse", ("GET", "/hello", None),
     "ConnectError", "ConnectError|ReadError|WriteError",
     "the kernel completes the handshake before the proxy accepts, and the RST follows "
     "at once: a client that checks the socket's error when its connect completes (libuv: "
     "faultline fetch) sees ConnectError, as in the simulation; one whose connect has "
     "returned (httpx's blocking connect) fails its write or the read after it"),
    ("connect_stalled", "{connect: 1}", "{stall: forever}", ("GET", "/hello", None),
     "ConnectTimeout", "ReadTimeout",
     "the proxy has accepted (the kernel did): the stall withholds the response, "
     "not the connect"),
    ("close_writing_headers", "{bytes: 10, direction: c2s}", "{close: server}",
     ("GET", "/hello", None), "RemoteProtocolError", "RemoteProtocolError", ""),
    ("close_after_upload", "{bytes: 1000, direction: c2s}", "{close: server}",
     ("POST", "/upload", "small"), "RemoteProtocolError", "RemoteProtocolError", ""),
    ("close_writing_body", "{bytes: 1000, direction: c2s}", "{close: server}",
     ("POST", "/upload", "large"), "WriteError", "WriteError", ""),
    ("reset_writing_headers", "{bytes: 10, direction: c2s}", "reset", ("GET", "/hello", None),
     "WriteError", "ReadError",
     "a real client writes its head in one call, which the kernel takes whole before "
     "the proxy reads byte 10: the RST comes while it awaits the response"),
    ("reset_writing_body", "{bytes: 2000, direction: c2s}", "reset",
     ("POST", "/upload", "large"), "WriteError", "WriteError", ""),
    ("stall_writing_headers", "{bytes: 10, direction: c2s}", "{stall: 1m}",
     ("GET", "/hello", None), "ReadTimeout", "ReadTimeout", ""),
    ("stalled_writing", "{bytes: 1000, direction: c2s}", "{stall: 1m}",
     ("POST", "/upload", "large"), "WriteTimeout", "WriteTimeout", ""),
    ("close_awaiting_response", "{at: 1s}\n    connection: 1", "{close: server}",
     ("GET", "/slow", None), "RemoteProtocolError", "RemoteProtocolError", ""),
    ("close_before_response", "{bytes: 0, direction: s2c}", "truncate",
     ("GET", "/hello", None), "RemoteProtocolError", "RemoteProtocolError", ""),
    ("reset_awaiting_response", "{event: proxy.request_done}", "reset",
     ("GET", "/hello", None), "ReadError", "ReadError",
     ""),  # the scenario's server.response_start is the simulated server's; the proxy's
           # nearest point is its own: the request forwarded, no response yet
    ("reset_awaiting_response_slow", "{at: 1s}\n    connection: 1", "reset",
     ("GET", "/slow", None), "ReadError", "ReadError", ""),
    ("stalled_response", "{bytes: 0, direction: s2c}", "{stall: forever}",
     ("GET", "/hello", None), "ReadTimeout", "ReadTimeout", ""),
    ("slow_server", "{event: proxy.request_done}", "{delay: 5s}", ("GET", "/hello", None),
     "ReadTimeout", "ReadTimeout", ""),  # the scenario's app sleeps; here the proxy delays
    ("reset_reading_headers", "{bytes: 5, direction: s2c}", "reset", ("GET", "/hello", None),
     "ReadError", "ReadError", ""),
    ("reset_reading_body", "{bytes: 150, direction: s2c}", "reset", ("GET", "/big", None),
     "ReadError", "ReadError", ""),
    ("truncated_body", "{bytes: 200, direction: s2c}", "truncate", ("GET", "/big", None),
     "RemoteProtocolError", "RemoteProtocolError", ""),
    ("stall_reading_body", "{bytes: 200, direction: s2c}", "{stall: forever}",
     ("GET", "/big", None), "ReadTimeout", "ReadTimeout", ""),
    ("corrupt_status_line", "{bytes: 0, direction: s2c}", "corrupt", ("GET", "/hello", None),
     "RemoteProtocolError", "RemoteProtocolError", ""),
    ("corrupt_response_body", "{bytes: 300, direction: s2c}", "corrupt", ("GET", "/big", None),
     "200 (500 bytes)", "200 (500 bytes)", ""),
    ("corrupt_request_line", "{bytes: 0, direction: c2s}", "corrupt", ("GET", "/hello", None),
     "BadRequest", "BadRequest", ""),
    ("corrupt_request_body", "{bytes: 1000, direction: c2s}", "corrupt",
     ("POST", "/upload", "small"), "200 (0 bytes)", "200 (0 bytes)", ""),
    # The proxy's own actions, beyond the matrix's cells:
    ("answer_instead", "{connect: 1}", "{answer-instead: {status: 503, body: busy}}",
     ("GET", "/hello", None), "-", "ServiceUnavailable", ""),
    ("half_close", "{event: proxy.request_done}", "half-close", ("GET", "/hello", None),
     "-", "RemoteProtocolError", ""),
]

# Where faultline fetch is known to differ from httpx, and why: the row's
# fetch check accepts this kind too, and says so. None now: response bytes
# followed at once by an RST were at times read as bytes then EOF (libuv
# reports UV_EOF on POLLHUP after a short read, the ECONNRESET unread), and
# the libuv driver now reads the pending error (sim/net/uvnet.c,
# tests/sim/net/test_uvnet.c test_bytes_then_a_reset_end_in_the_reset).
KNOWN_FETCH = {}

STATUS_KINDS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
                409: "Conflict", 422: "UnprocessableEntity", 429: "RateLimited",
                500: "InternalServer", 502: "BadGateway", 503: "ServiceUnavailable",
                504: "GatewayTimeout"}


def status_kind(status, body_bytes):
    """faultline's client's name for a response: its StatusError kind, or the 2xx itself."""
    if status < 400:
        return f"{status} ({body_bytes} bytes)"
    if status in STATUS_KINDS:
        return STATUS_KINDS[status]
    return "ClientStatusError" if status < 500 else "ServerStatusError"


LIVE = []  # the proxies running, killed if the table ends early


class Proxy:
    """One `faultline proxy` in front of the upstream, its log in a file."""

    def __init__(self, faultline, upstream_port, faults_path, log_path):
        self.log_path = log_path
        self.error = ""
        open(log_path, "w").close()
        self.process = subprocess.Popen(
            [faultline, "proxy", "--listen", "127.0.0.1:0", "--upstream",
             f"127.0.0.1:{upstream_port}", faults_path, "--log", log_path],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        LIVE.append(self.process)
        self.port = None
        deadline = time.monotonic() + 10
        while self.port is None and time.monotonic() < deadline:
            for line in self.lines():
                if line.get("event") == "listening":
                    self.port = int(line["listen"].rsplit(":", 1)[1])
            if self.process.poll() is not None:
                break
            time.sleep(0.01)
        if self.port is None:
            self.stop()
            raise RuntimeError(f"the proxy did not start: {self.error}")

    def lines(self):
        out = []
        with open(self.log_path) as f:
            for text in f:
                try:
                    out.append(json.loads(text))
                except ValueError:
                    pass  # a line being written
        return out

    def stop(self):
        """SIGINT, at most 10 s for the graceful exit; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.error = self.process.stderr.read().decode(errors="replace").strip()
        return self.process.returncode

    def faults(self):
        return sum(1 for line in self.lines() if line.get("event") == "fault")


def upload_content(upload):
    """httpx's content= for the row's upload."""
    if upload == "large":
        block = b"u" * LARGE_BLOCK
        return (block for _ in range(LARGE_UPLOAD // LARGE_BLOCK))
    return b"u" * SMALL_UPLOAD if upload == "small" else None


def through_httpx(port, method, path, upload):
    try:
        with httpx.Client(trust_env=False, timeout=TIMEOUT) as client:
            response = client.request(method, f"http://127.0.0.1:{port}{path}",
                                      content=upload_content(upload))
            return status_kind(response.status_code, len(response.content))
    except httpx.HTTPError as error:
        return type(error).__name__


def through_fetch(faultline, port, method, path, upload, work):
    command = [faultline, "fetch", "--timeout", str(TIMEOUT), "-X", method]
    if upload == "small":
        command += ["-d", "@" + os.path.join(work, "upload.small")]
    elif upload == "large":
        command += ["--stream-body", str(LARGE_UPLOAD)]
    command.append(f"http://127.0.0.1:{port}{path}")
    try:
        out = subprocess.run(command, capture_output=True, timeout=30).stdout.decode()
    except subprocess.TimeoutExpired:
        return "fetch-hung"
    try:
        result = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return "fetch-said:" + re.sub(r"\s+", " ", out)[:80]
    if result.get("ok"):
        return status_kind(result["status"], result["body_bytes"])
    return result["error"]["kind"]


def main():
    faultline, upstream_port, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(os.path.join(work, "upload.small"), "wb") as f:
        f.write(upload_content("small"))
    only = os.environ.get("ROWS", "").split(",") if os.environ.get("ROWS") else None
    rows = [r for r in ROWS if not only or r[0] in only]
    print(f"#rows {len(rows)}", flush=True)
    for row, trigger, action, (method, path, upload), kind, expected, _why in rows:
        faults_path = os.path.join(work, f"{row}.yaml")
        with open(faults_path, "w") as f:
            f.write(f"description: the mapping cell {row}\nfaults:\n"
                    f"  - trigger: {trigger}\n    action: {action}\n")
        outcome = {}
        for client in ("httpx", "fetch"):
            try:
                proxy = Proxy(faultline, upstream_port, faults_path,
                              os.path.join(work, f"{row}.{client}.log"))
            except RuntimeError as error:
                print(f"{row}: {error}", file=sys.stderr, flush=True)
                outcome[client] = ("proxy-failed", 0, "none")
                continue
            if client == "httpx":
                got = through_httpx(proxy.port, method, path, upload)
            else:
                got = through_fetch(faultline, proxy.port, method, path, upload, work)
            status = proxy.stop()
            outcome[client] = (got, proxy.faults(), status)
        print("\t".join(str(x) for x in (
            row, kind, expected, outcome["httpx"][0], outcome["fetch"][0], outcome["httpx"][1],
            outcome["fetch"][1], f"{outcome['httpx'][2]},{outcome['fetch'][2]}",
            *KNOWN_FETCH.get(row, ("-", "-")))), flush=True)


if __name__ == "__main__":
    try:
        main()
    finally:
        for process in LIVE:
            if process.poll() is None:
                process.kill()
                process.wait()
