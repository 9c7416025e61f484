#!/usr/bin/env bash
# Fuzzes the applicant workbook reader (fuzz/fuzz_targets/workbook.rs) with libFuzzer for
# SECONDS (default 60), from a seed corpus of the sample and broken workbooks. Installs
# cargo-fuzz and uses the nightly toolchain (rustup) when missing. A crash stops the run
# with its input saved under fuzz/artifacts/ and a non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --quiet
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-/var/cache/gigafund/fuzz-target}"
mkdir -p "$CARGO_TARGET_DIR" 2>/dev/null || export CARGO_TARGET_DIR="$PWD/fuzz/target"
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp sample-data/workbooks/*.xlsx sample-data/workbooks/broken/*.xls* sample-data/workbooks/broken/*.ods "$corpus/"
cd fuzz
cargo +nightly fuzz run workbook "$corpus" -- -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=200000 -print_final_stats=1
