#!/usr/bin/env bash
# Installs what is missing, then runs every test: formatting, lints, the Rust unit and
# integration tests (library and CLI), the sample data's generator, the UI type check,
# the UI in headless Chromium, the real desktop app under a virtual display, and the .deb
# package installed, used and removed. Everything is built once, with the release profile
# the packages use (`cargo test` and `cargo build` share one feature set and one profile).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

source scripts/target-dir.sh
export GIGAFUND_BIN="$CARGO_TARGET_DIR/release/gigafund"
export GIGAFUND_APP="$CARGO_TARGET_DIR/release/gigafund-desktop"

step() { printf '\n==> %s\n' "$1"; }

step "UI build (the desktop app embeds ui/dist)"
(cd ui && npm run --silent build)

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Rust tests (library, CLI, store, bindings)"
cargo test --workspace --release --locked

step "sample data matches scripts/gen-sample-data.py"
generated=$(mktemp -d)
python3 scripts/gen-sample-data.py "$generated"
diff -r "$generated/bids" sample-data/bids
diff "$generated/evaluators.toml" sample-data/evaluators.toml
python3 scripts/make-programme-demo.py "$generated/eurohpc-ai-factories.toml" >/dev/null
diff "$generated/eurohpc-ai-factories.toml" templates/programmes/eurohpc-ai-factories.toml
rm -rf "$generated"

step "UI type check (svelte-check)"
(cd ui && npm run --silent check)

step "UI tests in headless Chromium"
(cd ui && npm test)

# The fuzz corpus (seeds and every input that ever found a bug) replays in `cargo test`
# above. The timed libFuzzer run needs a nightly build of all of Gigafund's dependencies
# (~20 min and 7 GB cold): it runs here only where that build is already warm.
fuzz_bin="${FUZZ_TARGET_DIR:-/var/cache/gigafund/fuzz-target}/x86_64-unknown-linux-gnu/release/workbook"
if [ -x "$fuzz_bin" ] && rustup toolchain list 2>/dev/null | grep -q '^nightly' && command -v cargo-fuzz >/dev/null; then
  step "fuzz the workbook reader (cargo fuzz, 20 s; longer runs: scripts/fuzz.sh SECONDS)"
  ./scripts/fuzz.sh 20
else
  step "fuzz the workbook reader: skipped (no warm nightly build of the fuzz target here; the corpus replayed in cargo test; scripts/fuzz.sh SECONDS runs it)"
fi

step "desktop app build"
cargo build --workspace --release --locked

step "desktop app end to end (Xvfb, tauri-driver, WebKitWebDriver)"
(cd ui && xvfb-run -a node --test --test-concurrency=1 tests-e2e/)

step "the .deb built, installed (dpkg), used and removed"
./scripts/test-install.sh

printf '\nAll tests passed.\n'
