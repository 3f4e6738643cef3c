"""A realistic mix against Kizuna (docs/benchmarks.md, "Load"). Every simulated user holds its own
personal token (seeded by bench/load/seed.py) and records, per rate-limit window, how many requests
it sent and every X-RateLimit-Used it saw; at the end the counts must match exactly.

    locust -f bench/load/locustfile.py --headless -H http://127.0.0.1:PORT -u 20 -r 5 -t 10m \
        --csv var/load --only-summary
Env: LOAD_TOKENS (default var/load-tokens.txt: first line org/repo, then one token per line).
"""

import collections
import itertools
import json
import os
import random
import threading

from locust import FastHttpUser, between, events, task

path = os.environ.get("LOAD_TOKENS", "var/load-tokens.txt")
with open(path) as fh:
    lines = [line.strip() for line in fh if line.strip()]
REPO, TOKENS = lines[0], lines[1:]
_next = itertools.count()
_lock = threading.Lock()
SENT = collections.Counter()  # (token index, window reset) -> requests sent
SEEN = collections.defaultdict(list)  # (token index, window reset) -> X-RateLimit-Used values


class Forge(FastHttpUser):
    wait_time = between(0.05, 0.3)

    def on_start(self):
        self.index = next(_next) % len(TOKENS)
        self.headers = {"Authorization": f"Bearer {TOKENS[self.index]}"}
        self.base = f"/api/v1/repos/{REPO}"
        self.my_issues: list[int] = []

    def call(self, method, url, name, **kw):
        with self.client.request(method, url, name=name, headers=self.headers, catch_response=True, **kw) as r:
            reset, used = r.headers.get("X-RateLimit-Reset"), r.headers.get("X-RateLimit-Used")
            with _lock:
                if reset and used:
                    SENT[(self.index, reset)] += 1
                    SEEN[(self.index, reset)].append(int(used))
                else:
                    SENT[(self.index, "missing-header")] += 1
            if r.status_code >= 400:
                r.failure(f"{r.status_code}: {r.text[:200]}")
            return r

    @task(20)
    def read_repo(self):
        self.call("GET", self.base, "GET /repos/:org/:repo")

    @task(25)
    def list_issues(self):
        self.call("GET", f"{self.base}/issues?per_page=30&state=all", "GET /repos/:org/:repo/issues")

    @task(15)
    def read_issue(self):
        number = random.choice(self.my_issues) if self.my_issues and random.random() < 0.5 else random.randint(2, 50)
        self.call("GET", f"{self.base}/issues/{number}", "GET /repos/:org/:repo/issues/:number")

    @task(10)
    def list_pulls(self):
        self.call("GET", f"{self.base}/pulls?state=all", "GET /repos/:org/:repo/pulls")

    @task(5)
    def read_pull(self):
        self.call("GET", f"{self.base}/pulls/51", "GET /repos/:org/:repo/pulls/:number")

    @task(5)
    def list_comments(self):
        self.call("GET", f"{self.base}/issues/{random.randint(1, 50)}/comments", "GET /repos/:org/:repo/issues/:number/comments")

    @task(8)
    def create_issue(self):
        r = self.call("POST", f"{self.base}/issues", "POST /repos/:org/:repo/issues",
                      json={"title": "load issue", "body": "created under load", "labels": ["bug"]})
        if r.status_code == 201:
            self.my_issues.append(r.json()["number"])

    @task(8)
    def comment(self):
        number = random.choice(self.my_issues) if self.my_issues else random.randint(1, 50)
        self.call("POST", f"{self.base}/issues/{number}/comments", "POST /repos/:org/:repo/issues/:number/comments",
                  json={"body": "a comment under load"})

    @task(2)
    def trigger_pipeline(self):
        self.call("POST", f"{self.base}/pipelines", "POST /repos/:org/:repo/pipelines", json={"ref": "main"})

    @task(2)
    def list_pipelines(self):
        self.call("GET", f"{self.base}/pipelines", "GET /repos/:org/:repo/pipelines")


@events.quitting.add_listener
def rate_limit_report(environment, **kw):
    """Exact counting: per token and window, the Used values seen are exactly 1..n (n = requests
    sent in that window by this client) — no duplicate, no gap, nothing lost."""
    bad, windows, total = [], 0, 0
    for key, sent in SENT.items():
        if key[1] == "missing-header":
            bad.append((key, "responses without X-RateLimit headers", sent))
            continue
        values = sorted(SEEN[key])
        windows += 1
        total += sent
        # A window that started before this run (a token reused) is offset: compare from its first value.
        first = values[0]
        if values != list(range(first, first + sent)):
            bad.append((key, f"sent {sent}, Used values {values[:5]}…{values[-5:]} (duplicates or gaps)"))
    report = {"windows": windows, "requests_checked": total, "mismatches": bad[:20]}
    out = os.environ.get("LOAD_RATELIMIT_REPORT", "var/load-ratelimit.json")
    with open(out, "w") as fh:
        json.dump(report, fh, indent=1, default=str)
    print("RATE-LIMIT CHECK:", "EXACT" if not bad else f"{len(bad)} MISMATCHES", json.dumps(report)[:400])
    if bad:
        environment.process_exit_code = 3
