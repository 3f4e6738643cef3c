"""The floor of git over HTTP on this machine, for bench/git_bench.py: git's smart HTTP protocol with
nothing else — no authentication check, no policy, no hooks, no database, no Django — served by
Python's own http.server in a thread. Each request runs one `git upload-pack`/`git receive-pack
--stateless-rpc` as Kizuna does (receive.fsckObjects on), streaming both ways, and an unauthenticated
receive-pack request gets the same 401 challenge (so a push makes the same three round trips).

What Kizuna adds over this column is its own cost; what this column adds over file:// is the price of
HTTP itself (git-remote-http and libcurl starting, the round trips, one git process per request)."""

import http.server
import os
import socket
import subprocess
import threading
from pathlib import Path

CHUNK = 64 * 1024


def _pkt(text: str) -> bytes:
    return b"%04x%s" % (len(text) + 4, text.encode())


class FloorHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root: Path = Path("/nonexistent")

    def log_message(self, *args):
        pass

    def do_GET(self):
        path, _, query = self.path.partition("?")
        service = query.removeprefix("service=git-")
        if not path.endswith("/info/refs") or service not in ("upload-pack", "receive-pack"):
            return self._plain(404)
        self._run(path[:-len("/info/refs")], service, advertise=True)

    def do_POST(self):
        repo, _, rpc = self.path.rpartition("/git-")
        if rpc not in ("upload-pack", "receive-pack"):
            return self._plain(404)
        self._run(repo, rpc, advertise=False)

    def _plain(self, status):
        self.send_response(status)
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="floor"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _body(self):
        if self.headers.get("Content-Length"):
            left = int(self.headers["Content-Length"])
            while left:
                chunk = self.rfile.read(min(left, CHUNK))
                if not chunk:
                    return
                left -= len(chunk)
                yield chunk
            return
        while True:  # chunked
            size = int(self.rfile.readline().split(b";")[0], 16)
            if size == 0:
                self.rfile.readline()
                return
            yield self.rfile.read(size)
            self.rfile.readline()

    def _run(self, repo: str, service: str, *, advertise: bool):
        if service == "receive-pack" and "Authorization" not in self.headers:
            return self._plain(401)
        protocol = self.headers.get("Git-Protocol", "")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GIT_CONFIG_NOSYSTEM": "1",
               "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_COUNT": "1",
               "GIT_CONFIG_KEY_0": "receive.fsckObjects", "GIT_CONFIG_VALUE_0": "true"}
        if protocol:
            env["GIT_PROTOCOL"] = protocol
        argv = ["git", service, "--stateless-rpc"] + (["--http-backend-info-refs"] if advertise else []) + ["."]
        proc = subprocess.Popen(argv, cwd=self.root / repo.lstrip("/"), env=env, stdout=subprocess.PIPE,
                                stdin=subprocess.DEVNULL if advertise else subprocess.PIPE)
        if not advertise:
            def feed():
                with proc.stdin:
                    for chunk in self._body():
                        proc.stdin.write(chunk)
            feeder = threading.Thread(target=feed, daemon=True)
            feeder.start()
        self.send_response(200)
        kind = "advertisement" if advertise else "result"
        self.send_header("Content-Type", f"application/x-git-{service}-{kind}")
        self.send_header("Cache-Control", "no-cache, max-age=0, must-revalidate")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if advertise and "version=2" not in protocol:
            self._chunk(_pkt(f"# service=git-{service}\n") + b"0000")
        while chunk := proc.stdout.read1(CHUNK):
            self._chunk(chunk)
        self.wfile.write(b"0\r\n\r\n")
        proc.wait()
        if not advertise:
            feeder.join()

    def _chunk(self, data: bytes):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))


def start_floor(root: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """A floor server for the bare repositories under `root`, serving in a daemon thread; (server, url)."""
    handler = type("Handler", (FloorHandler,), {"root": root})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by accepted sockets
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
