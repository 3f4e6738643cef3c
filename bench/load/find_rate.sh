#!/usr/bin/env bash
# Find the highest rate this machine sustains: short locust runs (bench/load/run.sh) at rising client
# counts, one summary line each. Usage: bench/load/find_rate.sh [DURATION] [USERS...]
#   e.g. bench/load/find_rate.sh 60s 10 20 40 80
# Same environment as run.sh (KIZUNA_DATABASE_URL, KIZUNA_REDIS_URL, LOAD_TOKENS; seed.py must have
# created at least as many tokens as the largest client count). "Sustained" = throughput still rising,
# 0 failures, p95 under a second; the long run then uses the last count that met all three.
set -euo pipefail
DURATION=${1:-60s}; shift || true
USERS_LIST=${*:-10 20 40 80}
BIN=${BIN:-.venv/bin}
mkdir -p var
printf '%6s %9s %8s %8s %8s %8s  %s\n' clients 'req/s' p50_ms p95_ms p99_ms failures rate-limit
for users in $USERS_LIST; do
  bench/load/run.sh "$users" "$DURATION" "var/probe-$users" >/dev/null 2>&1 || true
  $BIN/python - "$users" <<'EOF'
import csv, json, sys
users = sys.argv[1]
with open(f"var/probe-{users}_stats.csv") as fh:
    total = next(row for row in csv.DictReader(fh) if row["Name"] == "Aggregated")
check = json.load(open(f"var/probe-{users}-ratelimit.json"))
print(f'{users:>6} {float(total["Requests/s"]):9.1f} {total["50%"]:>8} {total["95%"]:>8} {total["99%"]:>8} '
      f'{total["Failure Count"]:>8}  {"exact" if not check["mismatches"] else "MISMATCH"} ({check["requests_checked"]} checked)')
EOF
done
