#!/usr/bin/env bash
# Can the demo feeder (examples/demo.toml: 10 buses, 50 us step, outputs at 10 kHz) keep
# real time here? First `gridhil rt probe` (timer wake-up latency at 50 us and stalls of a
# busy thread), then RUNS real-time runs of DURATION seconds in each mode: one step per
# wake-up (lookahead 0s) and the demo's 100 ms lookahead. Per run: late_steps (steps that
# ended after their 50 us slot), late_wakeups (wake-ups behind the release schedule) and
# the stats hook's one-way delay (release instant → path). Finally the same feeder in
# virtual time, to show how much faster than real time it runs.
#
#   benches/gridsim_realtime.sh                 # 3 runs of 10 s per mode
#   RUNS=1 DURATION=5 CPU=1 benches/gridsim_realtime.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-3}"
DURATION="${DURATION:-10}"
CPU="${CPU:-}"
cargo build --release -q
bin=target/release/gridhil
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cpu_args=(); cpu_set=()
if [ -n "$CPU" ]; then
  cpu_args=(--cpu "$CPU"); cpu_set=(--set "engine.realtime.cpus=[$CPU]")
fi
echo "## host: $(nproc) CPUs, $(uname -r)"
"$bin" rt probe "${cpu_args[@]}" --period 50us --duration 5s
echo
echo "| lookahead | run | rows | late_steps | late_wakeups | one-way delay p50 / p99 / max (us) |"
echo "|---|---|---|---|---|---|"
for lookahead in 0s 100ms; do
  for run in $(seq 1 "$RUNS"); do
    log="$work/rt.h5"
    out=$("$bin" run examples/demo.toml --duration "${DURATION}s" --log "$log" \
      --set "nodes.grid.lookahead=\"$lookahead\"" "${cpu_set[@]}" 2>&1)
    rows=$(echo "$out" | sed -n 's/.*run log: .*(\([0-9]*\) rows).*/\1/p')
    late_steps=$(echo "$out" | sed -n 's/.*late_steps \([0-9]*\).*/\1/p')
    late_wakeups=$(echo "$out" | sed -n 's/.*late_wakeups \([0-9]*\).*/\1/p')
    delay=$(echo "$out" | sed -n 's/.*one-way delay min [0-9.]* \/ p50 \([0-9.]*\) \/ p99 \([0-9.]*\) \/ p99.9 [0-9.]* \/ max \([0-9.]*\).*/\1 \/ \2 \/ \3/p')
    echo "| $lookahead | $run | $rows | ${late_steps:-0} | ${late_wakeups:-0} | $delay |"
  done
done
echo
start=$(date +%s.%N)
"$bin" run examples/demo.toml --virtual-time --duration 60s --log "$work/v.h5" --quiet >/dev/null
end=$(date +%s.%N)
echo "virtual time: 60 s of simulated feeder in $(echo "$end - $start" | bc) s of wall clock"
