#!/usr/bin/python3
"""Edits a spreadsheet with LibreOffice (headless, through UNO) and saves it as .xlsx,
.ods or .xls: how the tests and scripts/gen-broken-workbooks.py fill the applicant
workbook with a real spreadsheet program.

    lo-edit.py IN OUT [EDIT ...]

Edits, applied in order:
    'Sheet'!B4=n:1.5         a number
    'Sheet'!B4=s:text        text
    'Sheet'!B4=d:2027-04-01  a date (a date cell, formatted yyyy-mm-dd)
    'Sheet'!B4=f:=1/0        a formula (LibreOffice computes and caches its value)
    'Sheet'!B4=e:            an empty cell
    rename:Old=New           rename a sheet
    delete:Name              delete a sheet
    password:SECRET          save encrypted with this password

Needs Debian's libreoffice-calc-nogui and python3-uno (run with /usr/bin/python3).
"""

import os
import subprocess
import sys
import tempfile
import time
from datetime import date

import uno
from com.sun.star.beans import PropertyValue

FILTERS = {".xlsx": "Calc MS Excel 2007 XML", ".ods": "calc8", ".xls": "MS Excel 97"}


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def connect(profile):
    pipe = f"gigafund{os.getpid()}"
    proc = subprocess.Popen(
        ["soffice", "--headless", "--invisible", "--nologo", "--norestore",
         f"-env:UserInstallation=file://{profile}",
         f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(200):
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return proc, ctx.ServiceManager.createInstanceWithContext(
                "com.sun.star.frame.Desktop", ctx)
        except Exception:
            time.sleep(0.1)
    proc.kill()
    sys.exit("lo-edit: LibreOffice did not start")


def serial(d):
    return (d - date(1899, 12, 30)).days


def apply(doc, edit):
    sheets = doc.Sheets
    if edit.startswith("rename:"):
        old, new = edit[len("rename:"):].split("=", 1)
        sheets.getByName(old).Name = new
        return
    if edit.startswith("delete:"):
        sheets.removeByName(edit[len("delete:"):])
        return
    target, value = edit.split("=", 1)
    sheet_name, cell = target.rsplit("!", 1)
    sheet = sheets.getByName(sheet_name.strip("'"))
    if sheet.isProtected():
        sheet.unprotect("")
    c = sheet.getCellRangeByName(cell)
    kind, _, raw = value.partition(":")
    if kind == "n":
        c.setValue(float(raw))
    elif kind == "s":
        c.setString(raw)
    elif kind == "d":
        c.setValue(serial(date.fromisoformat(raw)))
        formats = doc.NumberFormats
        locale = uno.createUnoStruct("com.sun.star.lang.Locale")
        key = formats.queryKey("YYYY-MM-DD", locale, False)
        if key == -1:
            key = formats.addNew("YYYY-MM-DD", locale)
        c.NumberFormat = key
    elif kind == "f":
        c.setFormula(raw)
    elif kind == "e":
        c.setString("")
    else:
        sys.exit(f"lo-edit: unknown edit {edit!r}")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    src, dst, edits = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3:]
    ext = os.path.splitext(dst)[1].lower()
    if ext not in FILTERS:
        sys.exit(f"lo-edit: cannot write {ext}")
    with tempfile.TemporaryDirectory() as profile:
        proc, desktop = connect(profile)
        try:
            doc = desktop.loadComponentFromURL(
                uno.systemPathToFileUrl(src), "_blank", 0, (prop("Hidden", True),))
            props = [prop("FilterName", FILTERS[ext])]
            for e in edits:
                if e.startswith("password:"):
                    props.append(prop("Password", e[len("password:"):]))
                else:
                    apply(doc, e)
            doc.calculateAll()
            doc.storeToURL(uno.systemPathToFileUrl(dst), tuple(props))
            doc.close(True)
        finally:
            try:
                desktop.terminate()
            except Exception:
                pass
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
