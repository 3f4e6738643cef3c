"""Conformance driver for the Python SDK (sdk/conformance/README.md).

    python driver.py CONFIG.json SCENARIO.json [SCENARIO.json ...]
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "python"))

import kizuna_sdk  # noqa: E402
from kizuna_sdk import KizunaClient, verify_signature  # noqa: E402

# The scenario rules (substitution, patterns, expect), beside this file.
from judging import StepError, judge, substitute  # noqa: E402

CLASSES = [
    (kizuna_sdk.UnauthorizedError, "Unauthorized"),
    (kizuna_sdk.ForbiddenError, "Forbidden"),
    (kizuna_sdk.NotFoundError, "NotFound"),
    (kizuna_sdk.ValidationError, "Validation"),
    (kizuna_sdk.ConflictError, "Conflict"),
    (kizuna_sdk.NotMergeableError, "NotMergeable"),
    (kizuna_sdk.RateLimitedError, "RateLimited"),
    (kizuna_sdk.ServerError, "Server"),
    (kizuna_sdk.KizunaTimeoutError, "Timeout"),
    (kizuna_sdk.KizunaConnectionError, "Connection"),
    (kizuna_sdk.KizunaError, "Error"),
]


class StreamTimeout(Exception):
    pass


class Args:
    """Named arguments; every one must be used by the call."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = dict(values)

    def req(self, name: str) -> Any:
        if name not in self.values:
            raise StepError(f"missing argument {name!r}")
        return self.values.pop(name)

    def opt(self, name: str, default: Any = None) -> Any:
        return self.values.pop(name, default)

    def rest(self, *allowed: str) -> dict[str, Any]:
        unknown = set(self.values) - set(allowed)
        if unknown:
            raise StepError(f"unknown arguments {sorted(unknown)}")
        out, self.values = self.values, {}
        return out

    def done(self) -> None:
        if self.values:
            raise StepError(f"unknown arguments {sorted(self.values)}")


def _stream(c: KizunaClient, a: Args) -> list:
    org, repo, last = a.opt("org"), a.opt("repo"), a.opt("last_event_id")
    count, timeout = a.req("count"), a.opt("timeout_seconds", 60)
    a.done()
    stream = c.events.stream(org, repo, last_event_id=last)
    events: list = []
    failure: list[BaseException] = []

    def consume() -> None:
        try:
            for event in stream:
                events.append(event)
                if len(events) >= count:
                    break
        except BaseException as exc:  # reported below
            failure.append(exc)

    worker = threading.Thread(target=consume, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise StreamTimeout(f"only {len(events)} of {count} events within {timeout} s")
    if failure:
        raise failure[0]
    stream.close()
    return events


def _contents(c: KizunaClient, a: Args) -> Any:
    org, repo = a.req("org"), a.req("repo")
    return c.repos.contents(org, repo, a.opt("path", "") or "", **a.rest("ref"))


def _request(c: KizunaClient, a: Args) -> Any:
    method, path = a.req("method"), a.req("path")
    return c.request(method, path, **a.rest("params", "json"))


def _verify(c: KizunaClient, a: Args) -> bool:
    secret, body, headers = a.req("secret"), a.req("body"), a.req("headers")
    a.done()
    return verify_signature(secret, body, headers)


OPS = {
    "orgs.get": lambda c, a: c.orgs.get(a.req("org"), **a.rest()),
    "orgs.create": lambda c, a: c.orgs.create(a.req("login"), **a.rest("name", "description")),
    "orgs.members": lambda c, a: c.orgs.members(a.req("org"), **a.rest("per_page")),
    "orgs.set_member": lambda c, a: c.orgs.set_member(a.req("org"), a.req("login"), a.req("role"), **a.rest()),
    "orgs.remove_member": lambda c, a: c.orgs.remove_member(a.req("org"), a.req("login"), **a.rest()),
    "repos.list": lambda c, a: c.repos.list(a.req("org"), **a.rest("visibility", "sort", "direction", "per_page")),
    "repos.get": lambda c, a: c.repos.get(a.req("org"), a.req("repo"), **a.rest()),
    "repos.create": lambda c, a: c.repos.create(a.req("org"), a.req("name"), **a.rest("description", "visibility", "default_branch", "auto_init")),
    "repos.update": lambda c, a: c.repos.update(a.req("org"), a.req("repo"), **a.rest("name", "description", "visibility", "default_branch", "archived")),
    "repos.delete": lambda c, a: c.repos.delete(a.req("org"), a.req("repo"), **a.rest()),
    "repos.branches": lambda c, a: c.repos.branches(a.req("org"), a.req("repo"), **a.rest("per_page")),
    "repos.commits": lambda c, a: c.repos.commits(a.req("org"), a.req("repo"), **a.rest("sha", "path", "per_page")),
    "repos.contents": _contents,
    "issues.list": lambda c, a: c.issues.list(a.req("org"), a.req("repo"), **a.rest("state", "labels", "assignee", "creator", "milestone", "sort", "direction", "per_page")),
    "issues.get": lambda c, a: c.issues.get(a.req("org"), a.req("repo"), a.req("number"), **a.rest()),
    "issues.create": lambda c, a: c.issues.create(a.req("org"), a.req("repo"), a.req("title"), **a.rest("body", "labels", "assignees", "milestone")),
    "issues.update": lambda c, a: c.issues.update(a.req("org"), a.req("repo"), a.req("number"), **a.rest("title", "body", "state", "state_reason", "labels", "assignees", "milestone")),
    "issues.add_labels": lambda c, a: c.issues.add_labels(a.req("org"), a.req("repo"), a.req("number"), a.req("labels"), **a.rest()),
    "issues.remove_label": lambda c, a: c.issues.remove_label(a.req("org"), a.req("repo"), a.req("number"), a.req("label"), **a.rest()),
    "comments.list": lambda c, a: c.comments.list(a.req("org"), a.req("repo"), a.req("number"), **a.rest("per_page")),
    "comments.create": lambda c, a: c.comments.create(a.req("org"), a.req("repo"), a.req("number"), a.req("body"), **a.rest()),
    "comments.update": lambda c, a: c.comments.update(a.req("org"), a.req("repo"), a.req("comment_id"), a.req("body"), **a.rest()),
    "comments.delete": lambda c, a: c.comments.delete(a.req("org"), a.req("repo"), a.req("comment_id"), **a.rest()),
    "labels.list": lambda c, a: c.labels.list(a.req("org"), a.req("repo"), **a.rest("per_page")),
    "labels.get": lambda c, a: c.labels.get(a.req("org"), a.req("repo"), a.req("label"), **a.rest()),
    "labels.create": lambda c, a: c.labels.create(a.req("org"), a.req("repo"), a.req("name"), a.req("color"), **a.rest("description")),
    "labels.update": lambda c, a: c.labels.update(a.req("org"), a.req("repo"), a.req("label"), **a.rest("name", "color", "description")),
    "labels.delete": lambda c, a: c.labels.delete(a.req("org"), a.req("repo"), a.req("label"), **a.rest()),
    "milestones.list": lambda c, a: c.milestones.list(a.req("org"), a.req("repo"), **a.rest("state", "per_page")),
    "milestones.get": lambda c, a: c.milestones.get(a.req("org"), a.req("repo"), a.req("number"), **a.rest()),
    "milestones.create": lambda c, a: c.milestones.create(a.req("org"), a.req("repo"), a.req("title"), **a.rest("description", "due_on", "state")),
    "milestones.update": lambda c, a: c.milestones.update(a.req("org"), a.req("repo"), a.req("number"), **a.rest("title", "description", "due_on", "state")),
    "milestones.delete": lambda c, a: c.milestones.delete(a.req("org"), a.req("repo"), a.req("number"), **a.rest()),
    "pulls.list": lambda c, a: c.pulls.list(a.req("org"), a.req("repo"), **a.rest("state", "head", "base", "per_page")),
    "pulls.get": lambda c, a: c.pulls.get(a.req("org"), a.req("repo"), a.req("number"), **a.rest()),
    "pulls.create": lambda c, a: c.pulls.create(a.req("org"), a.req("repo"), a.req("title"), a.req("head"), **a.rest("base", "body", "draft")),
    "pulls.update": lambda c, a: c.pulls.update(a.req("org"), a.req("repo"), a.req("number"), **a.rest("title", "body", "state", "base")),
    "pulls.ready": lambda c, a: c.pulls.ready(a.req("org"), a.req("repo"), a.req("number"), **a.rest()),
    "pulls.merge": lambda c, a: c.pulls.merge(a.req("org"), a.req("repo"), a.req("number"), **a.rest("merge_method", "sha", "commit_title", "commit_message")),
    "pulls.comments": lambda c, a: c.pulls.comments(a.req("org"), a.req("repo"), a.req("number"), **a.rest("per_page")),
    "pulls.create_comment": lambda c, a: c.pulls.create_comment(a.req("org"), a.req("repo"), a.req("number"), a.req("body"), **a.rest()),
    "agents.list": lambda c, a: c.agents.list(**a.rest("capability", "trust_level", "model_family", "status", "per_page")),
    "agents.register": lambda c, a: c.agents.register(a.req("name"), a.req("model_family"), a.req("model_version"), **a.rest("description", "capabilities", "trust_level")),
    "agents.get": lambda c, a: c.agents.get(a.req("agent_id"), **a.rest()),
    "agents.update": lambda c, a: c.agents.update(a.req("agent_id"), **a.rest("name", "description", "capabilities", "trust_level", "status")),
    "agents.rotate_token": lambda c, a: c.agents.rotate_token(a.req("agent_id"), **a.rest()),
    "agents.events": lambda c, a: c.agents.events(a.req("agent_id"), **a.rest("per_page")),
    "pipelines.list": lambda c, a: c.pipelines.list(a.req("org"), a.req("repo"), **a.rest("status", "ref", "per_page")),
    "pipelines.trigger": lambda c, a: c.pipelines.trigger(a.req("org"), a.req("repo"), **a.rest("ref", "variables")),
    "pipelines.get": lambda c, a: c.pipelines.get(a.req("org"), a.req("repo"), a.req("pipeline_id"), **a.rest()),
    "pipelines.cancel": lambda c, a: c.pipelines.cancel(a.req("org"), a.req("repo"), a.req("pipeline_id"), **a.rest()),
    "pipelines.log": lambda c, a: c.pipelines.log(a.req("org"), a.req("repo"), a.req("pipeline_id"), a.req("job_id"), **a.rest()),
    "webhooks.list": lambda c, a: c.webhooks.list(a.req("org"), a.opt("repo"), **a.rest("per_page")),
    "webhooks.create": lambda c, a: c.webhooks.create(a.req("org"), a.opt("repo"), url=a.req("url"), events=a.req("events"), **a.rest("secret", "content_type", "active")),
    "webhooks.get": lambda c, a: c.webhooks.get(a.req("org"), a.opt("repo"), a.req("hook_id"), **a.rest()),
    "webhooks.update": lambda c, a: c.webhooks.update(a.req("org"), a.opt("repo"), a.req("hook_id"), **a.rest("url", "events", "secret", "active")),
    "webhooks.delete": lambda c, a: c.webhooks.delete(a.req("org"), a.opt("repo"), a.req("hook_id"), **a.rest()),
    "webhooks.ping": lambda c, a: c.webhooks.ping(a.req("org"), a.opt("repo"), a.req("hook_id"), **a.rest()),
    "webhooks.deliveries": lambda c, a: c.webhooks.deliveries(a.req("org"), a.opt("repo"), a.req("hook_id"), **a.rest("per_page")),
    "webhooks.delivery": lambda c, a: c.webhooks.delivery(a.req("org"), a.opt("repo"), a.req("hook_id"), a.req("delivery_id"), **a.rest()),
    "webhooks.redeliver": lambda c, a: c.webhooks.redeliver(a.req("org"), a.opt("repo"), a.req("hook_id"), a.req("delivery_id"), **a.rest()),
    "events.list": lambda c, a: c.events.list(a.req("org"), a.req("repo"), **a.rest("type", "actor", "after_id", "per_page")),
    "events.stream": _stream,
    "request": _request,
    "verify_signature": _verify,
}


def to_json(value: Any) -> Any:
    if isinstance(value, kizuna_sdk.Resource):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) or type(value).__name__ == "Paginator":
        return [to_json(v) for v in value]
    return value


def error_json(exc: BaseException) -> dict:
    if isinstance(exc, StreamTimeout):
        return {"class": "Timeout", "status": None, "code": "TIMEOUT", "message": str(exc), "details": {}, "request_id": None, "retry_after": None}
    cls = next(name for kind, name in CLASSES if isinstance(exc, kind))
    return {
        "class": cls, "status": exc.status, "code": exc.code, "message": exc.message, "details": exc.details,
        "request_id": exc.request_id, "retry_after": getattr(exc, "retry_after", None),
    }


# -- running ------------------------------------------------------------------------------------
class Driver:
    def __init__(self, config: dict) -> None:
        self.config = config
        self.clients: dict[tuple, KizunaClient] = {}

    def client(self, server: str, who: str | None) -> KizunaClient:
        key = (server, who)
        if key not in self.clients:
            if server not in ("url", "limited_url", "drop_url", "flaky_url"):
                raise StepError(f"unknown server {server!r}")
            if who is not None and who not in self.config["tokens"]:
                raise StepError(f"unknown token {who!r}")
            token = self.config["tokens"][who] if who is not None else None
            self.clients[key] = KizunaClient(self.config[server], token)
        return self.clients[key]

    def call(self, step: dict, names: dict) -> tuple[bool, Any]:
        name = step["call"]
        if name not in OPS:
            raise StepError(f"unknown call {name!r}")
        args = Args(substitute(step.get("args", {}), names))
        client = self.client(step.get("server", "url"), step.get("as", "alice"))
        try:
            return True, to_json(OPS[name](client, args))
        except StepError:
            raise
        except TypeError as exc:  # an argument the SDK does not take
            raise StepError(f"the SDK refused the arguments: {exc}") from exc
        except (kizuna_sdk.KizunaError, StreamTimeout) as exc:
            return False, error_json(exc)

    def run_step(self, step: dict, names: dict) -> str | None:
        allowed = {"call", "args", "as", "server", "save", "repeat", "poll", "expect", "comment"}
        if set(step) - allowed:
            raise StepError(f"unknown step fields {sorted(set(step) - allowed)}")
        expect = substitute(step.get("expect", {}), names)
        poll = step.get("poll") or {}
        attempts = int(poll.get("attempts", 1)) if poll else int(step.get("repeat", 1))
        why = None
        for attempt in range(max(1, attempts)):
            ok, value = self.call(step, names)
            why = judge(expect, ok, value)
            if poll and why is None:
                break
            if poll and attempt + 1 < attempts:
                time.sleep(poll.get("interval_ms", 500) / 1000)
        if why is None and step.get("save"):
            names[step["save"]] = value
        return why

    def run(self, path: Path) -> bool:
        scenario = json.loads(path.read_text())
        names = dict(self.config["vars"])
        all_ok = True
        for index, step in enumerate(scenario["steps"]):
            try:
                why = self.run_step(step, names)
            except StepError as exc:
                why = f"cannot express the step: {exc}"
            record = {"scenario": scenario["name"], "step": index, "call": step.get("call"), "pass": why is None}
            if why is not None:
                record["why"] = why
            print(json.dumps(record), flush=True)
            if why is not None:
                all_ok = False
                break
        return all_ok


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: driver.py CONFIG.json SCENARIO.json [...]", file=sys.stderr)
        return 2
    driver = Driver(json.loads(Path(argv[0]).read_text()))
    results = [driver.run(Path(p)) for p in argv[1:]]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
