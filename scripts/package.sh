#!/usr/bin/env bash
# Builds Gigafund's Linux packages from optimised code: a .deb and an .rpm holding the
# desktop app (gigafund-desktop) and the command line (gigafund) in the path, the desktop
# entry, icons at every size, the MIME types of evaluator and submission packages with the
# app as their handler, the man pages and shell completions (generated from the CLI's own
# definitions), and the licences of Gigafund and of the data and fonts it ships.
# The packages land in $CARGO_TARGET_DIR/release/bundle/{deb,rpm}/; their paths are printed.
# AppImage is not built: its bundler downloads linuxdeploy at build time (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh >/dev/null
source scripts/target-dir.sh
repo=$PWD

echo "==> building the UI and the release binaries"
(cd ui && npm run --silent build)
cargo build --workspace --release --locked

stage="$CARGO_TARGET_DIR/package/stage"
rm -rf "$stage"
mkdir -p "$stage/man" "$stage/completions" "$stage/doc"
# The symbol tables are not needed by anyone running the app (panics name their file and
# line without them): the packaged binaries are stripped, the CLI as a copy, the app in
# place (the bundler takes it from the target directory).
cli="$stage/gigafund"
cp "$CARGO_TARGET_DIR/release/gigafund" "$cli"
strip --strip-unneeded "$cli" "$CARGO_TARGET_DIR/release/gigafund-desktop"

echo "==> man pages, completions and licences"
"$cli" generate man --out "$stage/man" >/dev/null
gzip -n -9 "$stage"/man/*.1
"$cli" generate completions --out "$stage/completions" >/dev/null
cp LICENSE "$stage/doc/LICENSE"
cp templates/fonts/DejaVu-LICENSE.txt "$stage/doc/DejaVu-LICENSE.txt"
cp templates/maps/SOURCE.md "$stage/doc/natural-earth.md"
{
  echo "# Data shipped with Gigafund: licences and attributions"
  echo
  sed -n '/^## Data licences and attributions/,$p' sample-data/README.md | tail -n +2
} > "$stage/doc/data-licences.md"
cat > "$stage/doc/README" <<TXT
Gigafund $("$cli" --version | awk '{print $2}') — offline evaluation and financing of EU
AI-infrastructure bids. The desktop app is "Gigafund" in the applications menu
(gigafund-desktop); the command line is gigafund (man gigafund).

LICENSE               Gigafund, European Union Public Licence 1.2
data-licences.md      Epoch AI (CC BY 4.0), MLCommons MLPerf results (Apache-2.0; MLPerf is
                      a trademark of MLCommons)
DejaVu-LICENSE.txt    the DejaVu fonts of the PDF reports
natural-earth.md      the country outlines of the portfolio map (public domain)
TXT

# The bundle's files, added to tauri.conf.json for this build only (absolute paths into
# the staging directory, which is not part of the source tree).
overlay="$CARGO_TARGET_DIR/package/tauri.package.json"
files=$(cat <<JSON
{
  "/usr/bin/gigafund": "$cli",
  "/usr/share/man/man1": "$stage/man",
  "/usr/share/bash-completion/completions/gigafund": "$stage/completions/gigafund.bash",
  "/usr/share/zsh/vendor-completions/_gigafund": "$stage/completions/_gigafund",
  "/usr/share/fish/vendor_completions.d/gigafund.fish": "$stage/completions/gigafund.fish",
  "/usr/share/mime/packages/gigafund.xml": "$repo/packaging/linux/gigafund.xml",
  "/usr/share/doc/gigafund": "$stage/doc"
}
JSON
)
cat > "$overlay" <<JSON
{ "bundle": { "linux": { "deb": { "files": $files }, "rpm": { "files": $files } } } }
JSON

echo "==> bundling (.deb, .rpm)"
rm -rf "$CARGO_TARGET_DIR/release/bundle"
(cd src-tauri && "$repo/ui/node_modules/.bin/tauri" bundle --bundles deb,rpm --config "$overlay" >/dev/null)
ls -1 "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb "$CARGO_TARGET_DIR"/release/bundle/rpm/*.rpm
