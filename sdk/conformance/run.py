"""Run the SDK conformance suite (sdk/conformance/README.md) against one live Kizuna server.

    .venv/bin/python sdk/conformance/run.py [--require python,js,go,rust] [--only go,js] [-k NAME]

Starts sdk/testing/live_server.py, a proxy that cuts event streams after each event (`drop_url`), a
proxy that answers the first request of each method+path with 429 (`flaky_url`), and a webhook
receiver; then, for each driver, makes that driver's fixture repository and runs the driver over
every scenario. Exit status 0 only if every driver that ran passed every step, and every required
driver ran.

The parts are in orchestrator/ beside this file (run as a script, its directory is on sys.path):
toolchains, servers (live server, proxies, receiver), fixtures, driver_runs and go_readme.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from orchestrator.common import log
from orchestrator.driver_runs import run_driver, scenario_files
from orchestrator.go_readme import go_readme_examples
from orchestrator.servers import Proxy, Receiver, start_server, stop_server
from orchestrator.toolchains import DRIVERS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--require", default=os.environ.get("KIZUNA_CONFORMANCE_REQUIRE", ""),
                        help="comma-separated drivers that must run (a missing toolchain is then a failure)")
    parser.add_argument("--only", default="", help="comma-separated drivers to run (default: every available one)")
    parser.add_argument("-k", dest="pattern", default=None, help="only scenarios whose file name contains this")
    args = parser.parse_args(argv)
    required = [d for d in args.require.split(",") if d]
    selected = [d for d in (args.only.split(",") if args.only else DRIVERS) if d]
    unknown = [d for d in required + selected if d not in DRIVERS]
    if unknown:
        parser.error(f"unknown drivers {unknown}; known: {', '.join(DRIVERS)}")
    files = scenario_files(args.pattern)
    if not files:
        parser.error("no scenarios selected")

    work = Path(tempfile.mkdtemp(prefix="kizuna-conformance-"))
    failures: list[str] = []
    commands: dict[str, list[str]] = {}
    for name in selected:
        command = DRIVERS[name](work)
        if isinstance(command, str):
            if name in required:
                failures.append(f"{name}: required but unavailable: {command}")
            else:
                log(f"{name}: not run ({command})")
        else:
            commands[name] = command
    proc = None
    proxies: dict[str, Proxy] = {}
    receiver = None
    try:
        if commands:
            proc, info = start_server()
            proxies = {"drop": Proxy(info["url"], "drop"), "flaky": Proxy(info["url"], "flaky")}
            receiver = Receiver()
            for name, command in commands.items():
                found = run_driver(name, command, info, proxies, receiver, files, work)
                log(f"{name}: {'PASS' if not found else 'FAIL'} ({len(files)} scenarios)")
                failures.extend(found)
            if "go" in commands and not args.pattern:
                failures.extend(go_readme_examples(info, work))
    finally:
        for p in proxies.values():
            p.close()
        if receiver:
            receiver.close()
        if proc:
            stop_server(proc)
        shutil.rmtree(work, ignore_errors=True)
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    if not commands:
        log("no driver ran")
    else:
        log(f"drivers run: {', '.join(commands)}; {'all passed' if not failures else f'{len(failures)} failure(s)'}")
    return 0 if commands and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
