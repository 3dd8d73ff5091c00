#!/usr/bin/env bash
# GOOSE event-to-receive latency over a veth pair: one gridhil process publishes a trip that
# changes RATE times per second (goose-publisher, 1 kHz rate path), another subscribes
# (goose-subscriber, kernel receive time stamps). The subscriber's histogram measures, per
# new state, receive time − t (t = the instant of the change, the sample's ts_origin): it
# covers the publisher's wake-up, path, encoding, sendmmsg, the veth hop and the kernel's
# receive stamp. Needs root (veth, AF_PACKET).
#
#   benches/goose_latency.sh                 # 10 s, 100 changes/s
#   DURATION=30 RATE=200 benches/goose_latency.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-10}"
RATE="${RATE:-100}"
cargo build --release -q
bin=target/release/gridhil
work=$(mktemp -d)
a=ghbgoa; b=ghbgob
cleanup() { ip link del "$a" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
ip link add "$a" type veth peer name "$b"
ip link set "$a" up; ip link set "$b" up
cat > "$work/pub.toml" <<EOT
[engine]
realtime = { priority = 80, lock_memory = true }
[nodes.relay]
type = "signal"
rate = "1kHz"
limit = $((1000 * DURATION))
signals = [{ name = "trip", waveform = "square", amplitude = 0.5, offset = 0.5, frequency = $((RATE / 2)) }]
[nodes.ptrc]
type = "goose-publisher"
interface = "$a"
gocb_ref = "BENCH/LLN0\$GO\$trip"
dat_set = "BENCH/LLN0\$Trip"
dataset = [{ name = "trip", type = "boolean" }]
[[paths]]
in = ["relay"]
out = ["ptrc"]
log = false
EOT
cat > "$work/sub.toml" <<EOT
[engine]
realtime = { priority = 80, lock_memory = true }
[nodes.sub]
type = "goose-subscriber"
interface = "$b"
gocb_ref = "BENCH/LLN0\$GO\$trip"
dataset = [{ name = "trip", type = "boolean" }]
[[paths]]
in = ["sub"]
log = false
EOT
"$bin" run "$work/sub.toml" --duration "$((DURATION + 4))s" > "$work/sub.out" 2>&1 &
sub=$!
sleep 1
"$bin" run "$work/pub.toml" > "$work/pub.out" 2>&1
wait "$sub"
grep -o 'event_latency[a-z0-9_]* [0-9]*\|new_states [0-9]*\|missed[a-z_]* [0-9]*\|frames [0-9]*' "$work/sub.out" | sort -u
grep -o 'frames_sent [0-9]*\|state_changes [0-9]*\|repeats [0-9]*' "$work/pub.out"
