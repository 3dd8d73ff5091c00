#!/usr/bin/env bash
# Runs the tests of the crates with unsafe code under sanitizers on the nightly toolchain:
#   - AddressSanitizer: netio (recvmmsg/sendmmsg buffers and control messages, the AF_PACKET
#     socket, socket options), nodes (the io_uring UDP backend), rt-config (sched, mlockall,
#     affinity, /proc and clock syscalls), engine (the clock);
#   - ThreadSanitizer: the lock-free sample pool (`gridhil-sample`), with the standard
#     library rebuilt instrumented.
# Miri cannot run these (they are system calls); the pure-Rust lock-free parts run under
# Miri with `cargo +nightly miri test -p gridhil-sample` (third mode below).
#
#   scripts/sanitizers.sh [address|thread|miri|all]     (results: docs/reliability.md)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
mode="${1:-all}"
target="$(rustc -vV | sed -n 's/^host: //p')"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal

run_address() {
  echo "== AddressSanitizer: netio, nodes, rt-config, engine"
  RUSTFLAGS="-Zsanitizer=address" RUSTDOCFLAGS="-Zsanitizer=address" \
    ASAN_OPTIONS="detect_leaks=0" \
    cargo +nightly test --release --target "$target" --target-dir target/asan \
    -p gridhil-netio -p gridhil-nodes -p gridhil-rt -p gridhil-engine --lib --tests
}

run_thread() {
  echo "== ThreadSanitizer: sample pool"
  rustup component add rust-src --toolchain nightly >/dev/null
  RUSTFLAGS="-Zsanitizer=thread" RUSTDOCFLAGS="-Zsanitizer=thread" \
    cargo +nightly test --release -Zbuild-std --target "$target" --target-dir target/tsan \
    -p gridhil-sample --lib
}

run_miri() {
  echo "== Miri: sample pool"
  rustup component add miri --toolchain nightly >/dev/null
  cargo +nightly miri test -p gridhil-sample --target-dir target/miri
}

case "$mode" in
  address) run_address ;;
  thread) run_thread ;;
  miri) run_miri ;;
  all) run_address; run_thread; run_miri ;;
  *) echo "usage: $0 [address|thread|miri|all]" >&2; exit 2 ;;
esac
