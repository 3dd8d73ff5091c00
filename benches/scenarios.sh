#!/usr/bin/env bash
# Throughput of the example scenario suite in virtual time (`gridhil test scenarios/`):
# ROUNDS copies of the suite with --jobs 1 and --jobs 2, scenarios per minute, each
# scenario's speed against real time (simulated seconds / wall seconds) and the share of
# the wall time that assertions take (the log tap on the log thread plus the evaluation),
# and the CPU time per scenario (user + system of the whole command / scenarios: what a
# scenario costs when it has a core to itself, whatever else the machine runs).
# Prints the load average, as the machine may be shared.
#
#   benches/scenarios.sh            # 4 rounds of the suite per job count
#   ROUNDS=10 benches/scenarios.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-4}"
cargo build --release -q
bin=target/release/gridhil
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# ROUNDS copies of the suite (configurations and golden files resolve from the copies).
for r in $(seq 1 "$ROUNDS"); do
  mkdir -p "$work/suite$r"
  cp -r scenarios/suite scenarios/configs scenarios/grids "$work/suite$r/"
done
echo "## host: $(nproc) CPUs, $(uname -r), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| --jobs | scenarios | wall (s) | scenarios/min | speed vs real time per scenario: min / median / max | CPU time per scenario (s) | assertions' share of the scenarios' wall time |"
echo "|---|---|---|---|---|---|---|"
for jobs in 1 2; do
  /usr/bin/time -f "%U %S" -o "$work/cpu$jobs" \
    "$bin" test "$work"/suite*/suite --jobs "$jobs" --quiet --log-dir "$work/logs" --json "$work/r$jobs.json" >/dev/null 2>&1 || true
  python3 - "$work/r$jobs.json" "$jobs" "$work/cpu$jobs" <<'PY'
import json, statistics, sys
cpu = sum(float(x) for x in open(sys.argv[3]).read().split()[-2:])
r = json.load(open(sys.argv[1]))
s = r["scenarios"]
assert all(x["status"] == "passed" for x in s), [x["file"] for x in s if x["status"] != "passed"]
speed = sorted(x["run_s"] / x["wall_s"] for x in s)
share = sum(x["eval_s"] for x in s) / sum(x["wall_s"] for x in s)
print(f"| {sys.argv[2]} | {len(s)} | {r['wall_s']:.2f} | {len(s) / r['wall_s'] * 60:.0f} | "
      f"{speed[0]:.0f}x / {statistics.median(speed):.0f}x / {speed[-1]:.0f}x | {cpu / len(s):.3f} | {share * 100:.2f} % |")
PY
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
