#!/usr/bin/env bash
# Fuzzes every target of fuzz/Cargo.toml for SECONDS each (default 15) with libFuzzer on the
# nightly toolchain, starting from the committed seed corpus (fuzz/corpus/<target>/, made by
# fuzz/seed_corpus.py from ../shared/captures and the repository's examples), and prints one
# line per target with its executions. A crash fails the script and leaves the input that
# found it in fuzz/artifacts/<target>/ (add it to the target's regression test).
#
#   fuzz/run.sh [SECONDS] [TARGET...]        (.ci/run runs it with 10 s per target)
#
# No cargo-fuzz needed: the targets are built with the same coverage instrumentation flags
# cargo-fuzz passes (without AddressSanitizer: a panic is what these targets look for, and
# the code under test has no unsafe code of its own; see docs/reliability.md).
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$HOME/.cargo/bin:$PATH"
seconds="${1:-15}"
shift || true
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "fuzz: installing the nightly toolchain"
  rustup toolchain install nightly --profile minimal
fi
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  mapfile -t targets < <(grep -A1 '^\[\[bin\]\]' Cargo.toml | sed -n 's/^name = "\(.*\)"/\1/p')
fi
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
bins=()
for t in "${targets[@]}"; do bins+=(--bin "$t"); done
# With an explicit --target, RUSTFLAGS reach the targets only, not build scripts and
# proc-macros (which cannot link the coverage hooks), as with cargo-fuzz.
host="$(rustc +nightly -vV | sed -n 's/^host: //p')"
cargo +nightly build --release --quiet --target "$host" "${bins[@]}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=0
for t in "${targets[@]}"; do
  mkdir -p "$work/$t" "artifacts/$t"
  cp -r "corpus/$t/." "$work/$t/" 2>/dev/null || true
  log="$work/$t.log"
  if "target/$host/release/$t" "$work/$t" -max_total_time="$seconds" -rss_limit_mb=2048 \
      -timeout=10 -print_final_stats=1 -artifact_prefix="artifacts/$t/" >"$log" 2>&1; then
    verdict="ok"
  else
    verdict="CRASH (input in fuzz/artifacts/$t/)"
    failed=1
    tail -40 "$log"
  fi
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  corpus="$(ls "$work/$t" | wc -l)"
  printf 'fuzz %-14s %8s executions in %s s, corpus %s: %s\n' "$t" "${runs:-?}" "$seconds" "$corpus" "$verdict"
done
exit "$failed"
