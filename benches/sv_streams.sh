#!/usr/bin/env bash
# How many 4800 Hz sampled-value streams (9-2LE, 60 Hz, 80 samples/cycle, 1 ASDU per frame)
# one gridhil subscriber process sustains with zero loss: one publisher process with N
# sv-publisher nodes sends over a veth pair to one subscriber process with N sv-subscriber
# nodes (one per APPID), for DURATION seconds each. Needs root (veth, AF_PACKET).
#
#   benches/sv_streams.sh            # N = 1 2 4 8 16, 10 s each
#   STREAMS="1 2" DURATION=5 benches/sv_streams.sh
set -euo pipefail
cd "$(dirname "$0")/.."
STREAMS="${STREAMS:-1 2 4 8 16}"
DURATION="${DURATION:-10}"
cargo build --release -q
bin=target/release/gridhil
work=$(mktemp -d)
a=ghbsva; b=ghbsvb
cleanup() { ip link del "$a" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
ip link add "$a" type veth peer name "$b"
ip link set "$a" up; ip link set "$b" up
echo "| streams | frames sent | frames received | lost | duplicates | subscriber CPU s |"
echo "|---|---|---|---|---|---|"
for n in $STREAMS; do
  pub="$work/pub.toml"; sub="$work/sub.toml"
  {
    echo '[engine]'
    echo 'realtime = { priority = 80, lock_memory = true }'
    echo '[nodes.gen]'
    echo 'type = "signal"'
    echo 'rate = "4800Hz"'
    echo "limit = $((4800 * DURATION))"
    echo 'values = 8'
    echo 'amplitude = 100'
    echo 'frequency = 60'
  } > "$pub"
  {
    echo '[engine]'
    echo 'realtime = { priority = 80, lock_memory = true }'
  } > "$sub"
  for i in $(seq 1 "$n"); do
    appid=$(printf '0x%04X' $((0x4000 + i)))
    cat >> "$pub" <<EOT
[nodes.mu$i]
type = "sv-publisher"
interface = "$a"
sv_id = "BENCH_MU$i"
app_id = $appid
dst = "01:0C:CD:04:00:01"
profile = "9-2LE"
samples_per_cycle = 80
frequency = 60
smp_synch = "none"
[[paths]]
name = "p$i"
in = ["gen"]
out = ["mu$i"]
log = false
queue = 16384
EOT
    cat >> "$sub" <<EOT
[nodes.sub$i]
type = "sv-subscriber"
interface = "$b"
app_id = $appid
profile = "9-2LE"
samples_per_cycle = 80
frequency = 60
[[paths]]
name = "s$i"
in = ["sub$i"]
log = false
queue = 16384
EOT
  done
  /usr/bin/time -f "%U %S" -o "$work/cpu" "$bin" run "$sub" --duration "$((DURATION + 6))s" --json -q > "$work/sub.json" 2>"$work/sub.err" &
  spid=$!
  sleep 3
  "$bin" run "$pub" --json -q > "$work/pub.json" 2>"$work/pub.err"
  wait "$spid" || true
  python3 - "$work" "$n" <<'PY'
import json, sys
work, n = sys.argv[1], int(sys.argv[2])
pub = json.load(open(f"{work}/pub.json")); sub = json.load(open(f"{work}/sub.json"))
def total(report, prefix, key):
    return sum(dict(node["counters"]).get(key, 0) for node in report["nodes"] if node["name"].startswith(prefix))
sent = total(pub, "mu", "frames_sent")
got = total(sub, "sub", "asdus")
lost = total(sub, "sub", "lost")
dup = total(sub, "sub", "duplicates")
user, sys_ = open(f"{work}/cpu").read().split()[-2:]
print(f"| {n} | {sent} | {got} | {lost} | {dup} | {float(user) + float(sys_):.1f} |")
PY
done
