"""One driver's run over the scenarios, judged from its output and from what the proxies saw."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

from .common import ROOT, SCENARIOS, log
from .fixtures import make_fixtures
from .servers import Receiver


def scenario_files(pattern: str | None) -> list[Path]:
    files = sorted(SCENARIOS.glob("*.json"))
    return [f for f in files if not pattern or pattern in f.stem]


def run_driver(name: str, command: list[str], info: dict, proxies: dict, receiver: Receiver, files: list[Path], work: Path) -> list[str]:
    """Run one driver; returns the failures (empty = passed)."""
    unique = f"{name}-{uuid.uuid4().hex[:6]}"
    variables = make_fixtures(info, unique, work)
    variables["hook_url"] = f"{receiver.url}/hooks/{unique}"
    tokens = dict(info["tokens"])
    tokens["invalid"] = "kzp_" + "A" * 30 + "ZZZZZZ"  # the right shape, a wrong checksum
    config = {
        "url": info["url"], "limited_url": info["limited_url"], "drop_url": proxies["drop"].url,
        "flaky_url": proxies["flaky"].url, "tokens": tokens, "vars": variables,
    }
    config_path = work / f"config-{name}.json"
    config_path.write_text(json.dumps(config, indent=2))
    drop_before = len(proxies["drop"].streams)
    log(f"{name}: running {len(files)} scenarios ({' '.join(command[:1])} …)")
    try:
        result = subprocess.run([*command, str(config_path), *map(str, files)], cwd=ROOT, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        return [f"{name}: the driver did not finish within 900 s"]
    failures: list[str] = []
    passed: dict[str, set[int]] = {}
    for line in result.stdout.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            failures.append(f"{name}: stdout line that is not JSON: {line[:200]!r}")
            continue
        if record.get("pass") is True:
            passed.setdefault(record["scenario"], set()).add(int(record["step"]))
        else:
            failures.append(f"{name}: {record.get('scenario')} step {record.get('step')} ({record.get('call')}): {record.get('why')}")
    for path in files:
        scenario = json.loads(path.read_text())
        steps = set(range(len(scenario["steps"])))
        missing = steps - passed.get(scenario["name"], set())
        if missing and not any(f.startswith(f"{name}: {scenario['name']} ") for f in failures):
            failures.append(f"{name}: {scenario['name']}: no passing result for steps {sorted(missing)}")
    if result.returncode != 0 and not failures:
        failures.append(f"{name}: the driver exited {result.returncode}")
    if result.returncode == 0 and failures:
        failures.append(f"{name}: the driver exited 0 despite failures")
    # What only the proxies saw.
    if any(scenario_name(f) == "events-stream" for f in files):
        streams = proxies["drop"].streams[drop_before:]
        # Each stream starts from a given id and is cut after every event: its reconnections carry
        # the ids of the events it already delivered, so ≥ 3 distinct Last-Event-IDs must appear.
        if len(streams) < 3 or len({leid for leid in streams if leid}) < 3:
            failures.append(f"{name}: events-stream: expected ≥ 3 stream connections through drop_url resuming with "
                            f"Last-Event-ID; saw {streams}")
    if any(scenario_name(f) == "retries" for f in files):
        retried = [k for k, n in proxies["flaky"].seen.items() if unique in k and k.startswith(("GET", "PUT", "DELETE")) and n >= 2]
        posted = [k for k, n in proxies["flaky"].seen.items() if unique in k and k.startswith("POST") and n != 1]
        if not retried:
            failures.append(f"{name}: retries: no idempotent request was retried after the 429 of flaky_url")
        if posted:
            failures.append(f"{name}: retries: a POST was retried: {posted}")
    if failures and result.stderr.strip():
        failures.append(f"{name}: driver stderr:\n{result.stderr.strip()[-3000:]}")
    return failures


def scenario_name(path: Path) -> str:
    return json.loads(path.read_text())["name"]
