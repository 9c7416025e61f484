#!/usr/bin/env bash
# The package installed as a user would install it: builds the .deb (scripts/package.sh),
# installs it with dpkg, runs the installed `gigafund --version`, `gigafund demo` into a
# temporary directory, 100,000 Monte Carlo paths from the installed CLI (timed), checks the
# man page, completions, desktop entry, icons and MIME type the package put in place, opens
# the installed app under Xvfb to its dashboard (screenshot, cold start, memory), and
# removes the package again. Needs root (or sudo) for dpkg.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/target-dir.sh
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

if [ -z "${GIGAFUND_DEB:-}" ]; then
  ./scripts/package.sh
  GIGAFUND_DEB=$(ls "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb)
fi
deb=$GIGAFUND_DEB
pkg=$(dpkg-deb --field "$deb" Package)
printf 'package %s: %s bytes (%s MiB), installed size %s KiB\n' "$(basename "$deb")" \
  "$(stat -c %s "$deb")" "$(( $(stat -c %s "$deb") / 1048576 ))" "$(dpkg-deb --field "$deb" Installed-Size)"

if dpkg -s "$pkg" >/dev/null 2>&1; then
  # Someone's own installation: a test does not replace or remove it.
  echo "install test skipped: $pkg is installed on this machine (remove it to run this test)"
  exit 0
fi
cleanup() { $SUDO dpkg -r "$pkg" >/dev/null 2>&1 || true; rm -rf "$work"; }
work=$(mktemp -d)
trap cleanup EXIT

DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$deb" >/dev/null
echo "installed: $(dpkg -s "$pkg" | grep -E '^(Package|Version|Depends):' | tr '\n' ' ')"

# What the package put in place.
for f in /usr/bin/gigafund /usr/bin/gigafund-desktop /usr/share/man/man1/gigafund.1.gz \
  /usr/share/man/man1/gigafund-bid-import.1.gz /usr/share/bash-completion/completions/gigafund \
  /usr/share/zsh/vendor-completions/_gigafund /usr/share/fish/vendor_completions.d/gigafund.fish \
  /usr/share/mime/packages/gigafund.xml /usr/share/doc/gigafund/LICENSE \
  /usr/share/doc/gigafund/data-licences.md /usr/share/doc/gigafund/DejaVu-LICENSE.txt \
  /usr/share/icons/hicolor/32x32/apps/gigafund-desktop.png \
  /usr/share/icons/hicolor/256x256/apps/gigafund-desktop.png; do
  [ -e "$f" ] || { echo "missing after install: $f" >&2; exit 1; }
done
desktop=$(grep -l '^Exec=gigafund-desktop' /usr/share/applications/*.desktop | head -1 || true)
[ -n "$desktop" ] || { echo "no desktop entry starts gigafund-desktop" >&2; exit 1; }
grep -q '^MimeType=application/x-gigafund-package;application/x-gigafund-submission;' "$desktop"
grep -q '^Exec=gigafund-desktop %f' "$desktop"
zcat /usr/share/man/man1/gigafund.1.gz | grep 'gigafund\\-demo' >/dev/null
grep -q 'CC BY 4.0' /usr/share/doc/gigafund/data-licences.md
# The MIME database (rebuilt by shared-mime-info's dpkg trigger) knows both file types.
if [ -f /usr/share/mime/globs2 ]; then
  grep -q 'application/x-gigafund-package:\*\.gfpackage' /usr/share/mime/globs2
  grep -q 'application/x-gigafund-submission:\*-submission\.zip' /usr/share/mime/globs2
fi
echo "desktop entry $desktop, man pages, completions, MIME types, icons, licences: in place"

# The installed CLI, as a user runs it.
/usr/bin/gigafund --version
(cd "$work" && /usr/bin/gigafund --db "$work/demo.sqlite3" demo >/dev/null)
/usr/bin/gigafund --db "$work/demo.sqlite3" --json summary | python3 -c \
  'import json,sys; s=json.load(sys.stdin); assert len(s["calls"]) == 3, s; print("installed demo:", len(s["calls"]), "calls,", sum(c["bids"] for c in s["calls"]), "bids")'
start=$(date +%s.%N)
/usr/bin/gigafund --db "$work/demo.sqlite3" --json model mc sample-data/models/reference.toml \
  --paths 100000 --seed 7 > "$work/mc.json"
end=$(date +%s.%N)
python3 - "$work/mc.json" "$start" "$end" <<'PY'
import json, sys
mc = json.load(open(sys.argv[1]))
seconds = float(sys.argv[3]) - float(sys.argv[2])
assert mc["paths"] == 100000, mc.get("paths")
print(f"installed CLI: 100,000 Monte Carlo paths in {seconds:.2f} s for the whole call (target < 0.3 s)")
PY

# The installed app under a virtual display, with its own profile.
(cd ui && GIGAFUND_APP=/usr/bin/gigafund-desktop GIGAFUND_BIN=/usr/bin/gigafund \
  xvfb-run -a node --test --test-concurrency=1 tests-install/)

$SUDO dpkg -r "$pkg" >/dev/null
[ ! -e /usr/bin/gigafund ] && [ ! -e /usr/bin/gigafund-desktop ] || { echo "dpkg -r left the binaries" >&2; exit 1; }
echo "removed: $pkg"
