"""`make run`: check the port, migrate, seed the demo, then serve with the task worker and the webhook
sweeper beside the ASGI server, until Ctrl-C or SIGTERM.

In that order so that a busy port (a `make run` already up) fails first, with a plain message, before
anything is written. The three processes are this command's children, each in its own session: a
signal stops them through this process (SIGTERM to each, by pid), so stopping never reaches the shell
that started `make run` or anything else in its process group. uvicorn writes one access line per
request.
"""

import errno
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

STOP_GRACE_SECONDS = 10


def port_problem(host: str, port: int) -> str | None:
    """Why uvicorn could not listen on host:port, or None. Binds as uvicorn does (SO_REUSEADDR)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return f"cannot resolve host {host!r} ({exc.strerror})"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"port {port} on {host} is already in use — is `make run` already running? "
                        f"Stop it, or serve elsewhere: make run PORT={port + 1}")
            return f"cannot listen on {host}:{port} ({exc.strerror})"
    return None


def server_command(host: str, port: int) -> list[str]:
    """The ASGI server `make run` starts. `--no-proxy-headers`: uvicorn's default believes X-Forwarded-For
    from 127.0.0.1 and rewrites the client address before Kizuna sees it; Kizuna alone reads it, from
    KIZUNA_TRUSTED_PROXIES only (kizuna.api.client_address)."""
    return [sys.executable, "-m", "uvicorn", "kizuna.asgi:application", "--host", host, "--port", str(port),
            "--log-level", "info", "--access-log", "--no-proxy-headers"]


class Command(BaseCommand):
    help = "Serve the seeded demo (make run): port check, migrate, seed_demo, then uvicorn + workers."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *, host: str, port: int, **options):
        problem = port_problem(host, port)
        if problem:
            raise CommandError(problem, returncode=2)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo", base_url=f"http://{host}:{port}", stdout=self.stdout)
        self.stdout.write(f"Serving Kizuna on http://{host}:{port} (task worker alongside); Ctrl-C stops it.")
        self.stdout.flush()
        sys.exit(self.serve(host, port))

    def serve(self, host: str, port: int) -> int:
        stop = {"signal": None}

        def on_signal(signum, _frame):
            stop["signal"] = signum

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        commands = {
            "task worker": [*manage, "db_worker"],
            "webhook sweeper": [*manage, "deliver_webhooks", "--loop"],
            "server": server_command(host, port),
        }
        children = {name: subprocess.Popen(cmd, start_new_session=True) for name, cmd in commands.items()}
        status = 0
        while stop["signal"] is None:
            ended = [(name, child.returncode) for name, child in children.items() if child.poll() is not None]
            if ended:
                name, status = ended[0]
                self.stderr.write(f"The {name} stopped (exit status {status}); stopping the others.")
                status = status or 1
                break
            time.sleep(0.2)
        if stop["signal"] is not None:
            self.stdout.write(f"\n{signal.Signals(stop['signal']).name} received: stopping Kizuna.")
        self._stop(children)
        return status

    def _stop(self, children: dict) -> None:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for name, child in children.items():
            try:
                child.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"The {name} did not stop within {STOP_GRACE_SECONDS} s; killing it.")
                child.kill()
                child.wait()
        self.stdout.write("Stopped.")
        self.stdout.flush()
