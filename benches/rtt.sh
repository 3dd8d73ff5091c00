#!/usr/bin/env bash
# End-to-end latency and throughput of one gridhil UDP echo path, measured with `gridhil rtt`.
#
#   benches/rtt.sh                 # full run: 4 latency points of 10 s, then the throughput probe
#   DURATION=2s benches/rtt.sh     # shorter points
#   SKIP_THROUGHPUT=1 benches/rtt.sh   # (SKIP_LATENCY=1: only the throughput probe)
#
# Environment:
#   DURATION        length of each latency point (default 10s)
#   WARMUP          warm-up before each point, excluded from the statistics (default 1s)
#   PROBE_DURATION  length of each throughput step (default 3s)
#   RATES           throughput steps in samples/s (default "50k 100k 200k 300k 500k 700k 1M 1.5M 2M")
#   THROUGHPUT_BATCH  samples per sendmmsg in the throughput probe (default 32)
#   ECHO_SET        extra --set options for the echo, e.g. "nodes.echo.receive=busy-poll"
#   RTT_ARGS        extra options for gridhil rtt, e.g. "--busy-poll --sender-cpu 2 --receiver-cpu 3"
#   ECHO_TASKSET    CPU list to run the echo on via taskset, e.g. "4-5"
#   CARGO_TARGET_DIR  where cargo builds (default: target)
#
# Prints markdown tables on stdout; the raw JSON of every run goes to $OUT_DIR (default
# a temporary directory, printed at the end). Needs jq.
set -euo pipefail

cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-1s}
PROBE_DURATION=${PROBE_DURATION:-3s}
RATES=${RATES:-"50k 100k 200k 300k 500k 700k 1M 1.5M 2M"}
ECHO_SET=${ECHO_SET:-}
RTT_ARGS=${RTT_ARGS:-}
THROUGHPUT_BATCH=${THROUGHPUT_BATCH:-32}
ECHO_TASKSET=${ECHO_TASKSET:-}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
OUT_DIR=${OUT_DIR:-$(mktemp -d -t gridhil-rtt.XXXXXX)}
mkdir -p "$OUT_DIR"

command -v jq >/dev/null || { echo "benches/rtt.sh needs jq" >&2; exit 1; }

if [[ -z ${SKIP_BUILD:-} ]]; then
    cargo build -p gridhil --release >&2
fi
GRIDHIL="$TARGET_DIR/release/gridhil"
[[ -x $GRIDHIL ]] || { echo "no binary at $GRIDHIL" >&2; exit 1; }

ECHO_PID=
stop_echo() {
    if [[ -n $ECHO_PID ]]; then
        kill -TERM "$ECHO_PID" 2>/dev/null || true
        wait "$ECHO_PID" 2>/dev/null || true
        ECHO_PID=
    fi
}
trap stop_echo EXIT

# start_echo VALUES: a gridhil echo path (examples/udp-echo.toml) declaring VALUES values.
start_echo() {
    local values=$1
    local sets=(--set "nodes.echo.values=$values")
    for s in $ECHO_SET; do sets+=(--set "$s"); done
    local prefix=()
    [[ -n $ECHO_TASKSET ]] && prefix=(taskset -c "$ECHO_TASKSET")
    "${prefix[@]}" "$GRIDHIL" run --quiet "${sets[@]}" examples/udp-echo.toml \
        >"$OUT_DIR/echo-$values.log" 2>&1 &
    ECHO_PID=$!
    sleep 1
    kill -0 "$ECHO_PID" 2>/dev/null || { cat "$OUT_DIR/echo-$values.log" >&2; exit 1; }
}

# measure NAME RATE VALUES DURATION [OPTIONS…]: one gridhil rtt run against the echo; JSON
# to $OUT_DIR/NAME.json.
measure() {
    local name=$1 rate=$2 values=$3 duration=$4
    shift 4
    # shellcheck disable=SC2086
    "$GRIDHIL" rtt --target 127.0.0.1:12002 --bind 127.0.0.1:12001 --format villas.binary \
        --rate "$rate" --values "$values" --duration "$duration" --warmup "$WARMUP" \
        --json $RTT_ARGS "$@" >"$OUT_DIR/$name.json"
}

host_line() {
    local cpu
    cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
    echo "Machine: $(hostname), $(nproc) CPUs ($cpu), kernel $(uname -r); gridhil $("$GRIDHIL" --version | cut -d' ' -f2)"
}

host_line
echo

if [[ -z ${SKIP_LATENCY:-} ]]; then
    echo "## gridhil rtt through one gridhil echo path (villas.binary, loopback)"
    echo
    echo "Echo: examples/udp-echo.toml ${ECHO_SET:+(--set $ECHO_SET)}; probe options: ${RTT_ARGS:-none}; $DURATION per point after $WARMUP warm-up."
    echo
    echo "| rate | values | sent | lost | dup | reord | RTT min µs | p50 | p90 | p99 | p99.9 | max | send jitter p50 µs | p99 |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    for values in 8 64; do
        start_echo "$values"
        for rate in 1kHz 10kHz; do
            name="latency-$rate-$values"
            measure "$name" "$rate" "$values" "$DURATION"
            jq -r --arg rate "$rate" '[ $rate, .values, .sent, .lost, .duplicates, .reordered,
                (.rtt_us | .min, .p50, .p90, .p99, .p99_9, .max),
                (.send_jitter_us | .p50, .p99) ]
                | map(if type == "number" and (. != (. | floor)) then (. * 10 | round / 10) else . end)
                | "| " + (map(tostring) | join(" | ")) + " |"' "$OUT_DIR/$name.json"
        done
        stop_echo
    done
    echo
fi

if [[ -z ${SKIP_THROUGHPUT:-} ]]; then
    echo "## Throughput of one path (8 values, one sample per datagram, $THROUGHPUT_BATCH datagrams per sendmmsg)"
    echo
    echo "| asked samples/s | sent samples/s | sent | lost | loss % | RTT p50 µs | p99 |"
    echo "|---|---|---|---|---|---|---|"
    start_echo 8
    best=0
    for rate in $RATES; do
        name="throughput-$rate"
        measure "$name" "${rate}Hz" 8 "$PROBE_DURATION" --batch "$THROUGHPUT_BATCH"
        jq -r --arg rate "$rate" 'def fig: if . == null then "-" else (. * 10 | round / 10) end;
            "| \($rate) | \(.send_rate_hz // 0 | round) | \(.sent) | \(.lost) | \(.loss_percent * 1000 | round / 1000) | \(.rtt_us.p50 | fig) | \(.rtt_us.p99 | fig) |"' \
            "$OUT_DIR/$name.json"
        lost=$(jq '.lost' "$OUT_DIR/$name.json")
        if [[ $lost != 0 ]]; then
            break
        fi
        best=$(jq '.send_rate_hz // 0 | round' "$OUT_DIR/$name.json")
    done
    stop_echo
    echo
    echo "Highest rate with zero loss: **$best samples/s** (8 values; the probe's own sender"
    echo "and receiver share the machine with the echo)."
    echo
fi
echo "Raw JSON: $OUT_DIR" >&2
