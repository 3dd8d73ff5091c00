#!/usr/bin/env bash
# CPU cost of a path with five typical hooks at 10 kHz × 64 values, in real time: the
# real binary runs a signal generator (10 kHz, 64 f64 values) into a path with
# drop, shift_ts, rms, limit_value and expr, for DURATION (default 20 s), and the same
# without hooks; /usr/bin/time gives user + system CPU seconds; CPU % of one core =
# CPU seconds / wall seconds. The difference is what the five hooks cost.
#
# Run from the repository root: benches/hooks_path.sh [DURATION]. Results:
# docs/benchmarks.md.
set -euo pipefail
duration="${1:-20s}"
bin="${GRIDHIL:-target/release/gridhil}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT

write() { # name hooks
  cat > "$dir/$1.toml" <<TOML
[nodes.gen]
type = "signal"
rate = "10kHz"
values = 64
frequency = 50
amplitude = 325.27

[[paths]]
name = "p"
in = ["gen"]
log = false
hooks = [$2]
TOML
}
write none ''
write five '{ type = "drop" }, { type = "shift_ts", offset = "-2ms" }, { type = "rms", cycles = 1, frequency = 50, sample_rate = "10kHz" }, { type = "limit_value", min = -300.0, max = 300.0 }, { type = "expr", signals = [{ name = "p", expr = "s0 * s1 + s2 * s3" }, { name = "m", expr = "hypot(s0, s1)" }] }'

for name in none five; do
  /usr/bin/time -f "%U %S %e" -o "$dir/$name.time" "$bin" run --quiet --duration "$duration" "$dir/$name.toml" > /dev/null 2> "$dir/$name.err" || { cat "$dir/$name.err"; exit 1; }
  read -r user sys wall < "$dir/$name.time"
  cpu=$(echo "scale=2; 100 * ($user + $sys) / $wall" | bc)
  echo "$name: user ${user}s, system ${sys}s, wall ${wall}s: ${cpu} % of one core"
done
