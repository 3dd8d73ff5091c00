#!/usr/bin/env bash
# Spontaneous measurements per second an iec104-server sustains to one iec104-client over
# loopback with the standard windows (k = 12, w = 8): the server's float point follows a
# signal of RATE samples/s with deadband 0 (every sample is a change), for DURATION seconds.
# Reports what the server queued, sent and dropped, and what the client received.
#
#   benches/iec104_throughput.sh                 # 10 s at 20 kHz
#   RATE=5000 DURATION=5 benches/iec104_throughput.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-10}"
RATE="${RATE:-20000}"
PORT="${PORT:-24999}"
cargo build --release -q
bin=target/release/gridhil
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/server.toml" <<EOT
[nodes.gen]
type = "signal"
rate = "${RATE}Hz"
limit = $((RATE * DURATION))
signals = [{ name = "p", waveform = "sine", amplitude = 1000.0, frequency = 7 }]
[nodes.rtu]
type = "iec104-server"
listen = "127.0.0.1:$PORT"
points = [{ signal = "p", ioa = 1001, type = "float" }]
queue = 65536
[[paths]]
in = ["gen"]
out = ["rtu"]
log = false
EOT
cat > "$work/client.toml" <<EOT
[nodes.master]
type = "iec104-client"
connect = "127.0.0.1:$PORT"
points = [{ signal = "p", ioa = 1001 }]
[[paths]]
in = ["master"]
log = false
queue = 65536
EOT
"$bin" run "$work/client.toml" --duration "$((DURATION + 3))s" > "$work/client.out" 2>&1 &
client=$!
"$bin" run "$work/server.toml" --duration "$((DURATION + 1))s" > "$work/server.out" 2>&1
wait "$client"
echo "server: $(grep -o 'node rtu.*' "$work/server.out")"
echo "client: $(grep -o 'node master.*' "$work/client.out")"
values=$(grep -o 'values [0-9]*' "$work/client.out" | head -1 | awk '{print $2}')
echo "received per second: $((values / DURATION))"
