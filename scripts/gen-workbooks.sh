#!/usr/bin/env bash
# Writes the sample applicant workbooks: each demo bid through the real template
# (sample-data/workbooks/ACRONYM.xlsx, byte-identical on every run; a test checks them),
# and the broken workbooks of sample-data/workbooks/broken/, edited from them by
# LibreOffice (scripts/lo-edit.py) the way an applicant would break them. The findings
# each broken workbook must produce are in sample-data/workbooks/broken/expected.toml.
#
# Needs the gigafund binary ($GIGAFUND_BIN, default: the debug build), and for the broken
# workbooks Debian's libreoffice-calc-nogui and python3-uno.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/target-dir.sh
G="${GIGAFUND_BIN:-$CARGO_TARGET_DIR/debug/gigafund}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GIGAFUND_DB="$tmp/demo.sqlite3"
"$G" demo >/dev/null

out=sample-data/workbooks
mkdir -p "$out/broken"
"$G" --json bid list | python3 -c '
import json, sys
for b in json.load(sys.stdin):
    print(b["id"], b["acronym"])
' | while read -r id acronym; do
  "$G" bid workbook "$id" --out "$out/$acronym.xlsx" >/dev/null
done
echo "wrote $(ls "$out"/*.xlsx | wc -l) sample workbooks"

[ "${1:-}" = "--samples-only" ] && exit 0

src="$out/AURORA-GF.xlsx"
b="$out/broken"
edit() { /usr/bin/python3 scripts/lo-edit.py "$src" "$b/$1" "${@:2}"; }
edit wrong-types.xlsx "'Site & Energy'!E2=s:high" "Hardware!C2=n:1.5" "Capex!D3=s:twelve million"
edit missing-sheet.xlsx "delete:Financing"
edit renamed-sheet.xlsx "rename:Site & Energy=Sites"
edit unbalanced-financing.xlsx "Financing!B5=n:5385541186"
edit ineligible-country.xlsx "'Site & Energy'!B2=s:GB" "'Site & Energy'!B3=s:GB"
edit dates-as-text.xlsx "'Site & Energy'!H2=s:2027-04-01" "'Site & Energy'!I2=s:March 2028"
edit dates-wrong-order.xlsx "'Site & Energy'!I2=d:2026-01-01"
edit out-of-range.ods "'Site & Energy'!E2=n:4.2" "'Site & Energy'!G2=n:85" "Capex!D2=n:-5000000"
edit formula-errors.xlsx "Instructions!B8=f:=1/0" "Financing!B4=f:=NA()"
edit unknown-values.xlsx "Hardware!B2=s:Quantum-9000" "Consortium!B3=s:XX" "Consortium!D2=s:leader"
edit password-protected.ods "password:secret"
printf 'call,acronym\nINVESTAI-AIGF-2026,AURORA-GF\n' > "$b/not-a-workbook.xlsx"
head -c 9000 "$src" > "$b/truncated.xlsx"
echo "wrote $(ls "$b" | grep -vc expected.toml) broken workbooks"
