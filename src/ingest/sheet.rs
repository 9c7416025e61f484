//! Reading spreadsheets a person filled: the format told from the bytes, bounds on what a
//! file may unpack to, cells streamed into sheets, and typed reads of cells that each add
//! their finding (`file · sheet · cell · field · rule · found`). The applicant workbook
//! ([`super::workbook`]) and the monitoring workbook ([`super::monitoring`]) read through
//! these.

use crate::error::{Location, Problem};
use crate::model::Eur;
use calamine::{Data, DataRef, Reader};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Cursor, Read};
use ts_rs::TS;
/// Whether a finding refuses the import.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// Which check a finding comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The workbook itself: sheets, columns, types, ranges, the bid's own rules.
    Import,
    /// The call's eligibility rules.
    Eligibility,
    /// What the call and the evaluators need to find in a complete submission.
    Completeness,
}

/// One problem of an applicant's file: `file · sheet · cell · field · rule · found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Finding {
    pub severity: Severity,
    pub stage: Stage,
    pub file: String,
    pub sheet: Option<String>,
    pub cell: Option<String>,
    pub field: Option<String>,
    pub rule: String,
    pub found: Option<String>,
}

impl Finding {
    pub fn location(&self) -> Location {
        Location {
            file: Some(self.file.clone()),
            sheet: self.sheet.clone(),
            cell: self.cell.clone(),
            field: self.field.clone(),
        }
    }

    pub fn to_problem(&self) -> Problem {
        Problem {
            location: self.location(),
            rule: self.rule.clone(),
            found: self.found.clone(),
        }
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let word = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{word}: {}", self.to_problem())
    }
}

/// Bounds on what the reader accepts, stated in the errors that enforce them.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub file_bytes: u64,
    /// Total bytes the parts of a zip-based file (xlsx, xlsm, ods) unpack to.
    pub unpacked_bytes: u64,
    /// Non-empty cells over all sheets.
    pub cells: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            file_bytes: 50 * 1024 * 1024,
            unpacked_bytes: 400 * 1024 * 1024,
            cells: 3_000_000,
        }
    }
}

/// Columns read on every sheet; cells further right are counted, not kept.
pub(crate) const MAX_COLS: u32 = 64;

/// A finding that refuses the whole file (no sheet or cell to point at).
pub(crate) fn fatal_finding(file: &str, rule: impl Into<String>, found: Option<String>) -> Finding {
    Finding {
        severity: Severity::Error,
        stage: Stage::Import,
        file: file.to_string(),
        sheet: None,
        cell: None,
        field: None,
        rule: rule.into(),
        found,
    }
}

/// The file's format (`unknown` when the bytes are not a workbook) and its sheets, or the
/// one finding that refuses it. The file's size is the caller's to bound.
pub(crate) fn open_book(
    file: &str,
    bytes: &[u8],
    limits: Limits,
) -> (&'static str, std::result::Result<Book, Finding>) {
    match sniff(bytes, limits) {
        Err((rule, found)) => ("unknown", Err(fatal_finding(file, rule, found))),
        Ok(format) => match load(bytes, format, limits) {
            Ok(book) => (format, Ok(book)),
            Err((rule, found)) => (format, Err(fatal_finding(file, rule, found))),
        },
    }
}

pub(crate) type Refusal = (String, Option<String>);

pub(crate) const NOT_A_WORKBOOK: &str =
    "the file is not a spreadsheet: Gigafund reads .xlsx, .xlsm, .xls and .ods workbooks";

/// Tells the format from the bytes (not the name) and bounds what a zip unpacks to.
pub(crate) fn sniff(bytes: &[u8], limits: Limits) -> std::result::Result<&'static str, Refusal> {
    const CFB: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.starts_with(&CFB) {
        // An encrypted xlsx is a compound file with an EncryptedPackage stream.
        if contains_utf16(bytes, "EncryptedPackage") {
            return Err(password());
        }
        return Ok("xls");
    }
    if !bytes.starts_with(b"PK") {
        let found = if bytes.is_empty() {
            "an empty file".to_string()
        } else if bytes.starts_with(b"%PDF") {
            "a PDF document".to_string()
        } else if std::str::from_utf8(&bytes[..bytes.len().min(512)]).is_ok() {
            "a text file".to_string()
        } else {
            "unknown binary content".to_string()
        };
        return Err((NOT_A_WORKBOOK.into(), Some(found)));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        (
            "the workbook is damaged (its zip archive cannot be read): save it again from your spreadsheet program"
                .to_string(),
            Some(e.to_string()),
        )
    })?;
    let mut total: u64 = 0;
    let mut kind = None;
    let mut buf = vec![0u8; 64 * 1024];
    let mut parts: std::collections::BTreeMap<String, Vec<u8>> = Default::default();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| {
            (
                "the workbook is damaged (a part of its zip archive cannot be read)".to_string(),
                Some(e.to_string()),
            )
        })?;
        if entry.encrypted() {
            return Err(password());
        }
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        match name.as_str() {
            "[Content_Types].xml" => kind = kind.or(Some("xlsx")),
            "mimetype" => kind = Some("ods"),
            "xl/vbaProject.bin" => kind = Some("xlsm"),
            _ => {}
        }
        let is_manifest = name == "META-INF/manifest.xml";
        let keep = is_manifest
            || name == "xl/workbook.xml"
            || name == "xl/_rels/workbook.xml.rels"
            || (name.starts_with("xl/worksheets/") && name.ends_with(".xml"));
        let mut manifest = Vec::new();
        // Count the bytes really unpacked, whatever the archive declares.
        loop {
            let n = entry.read(&mut buf).map_err(|e| {
                (
                    "the workbook is damaged (a part of it does not unpack): save it again from your spreadsheet program".to_string(),
                    Some(e.to_string()),
                )
            })?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if keep && (!is_manifest || manifest.len() < 1024 * 1024) {
                manifest.extend_from_slice(&buf[..n]);
            }
            if total > limits.unpacked_bytes {
                return Err((
                    format!(
                        "a workbook unpacks to at most {} (this one unpacks to more: a zip bomb or a far too large sheet)",
                        size(limits.unpacked_bytes)
                    ),
                    Some(format!("more than {}", size(limits.unpacked_bytes))),
                ));
            }
        }
        // An OpenDocument file saved with a password keeps its zip but encrypts its parts.
        if is_manifest && contains(&manifest, b"encryption-data") {
            return Err(password());
        }
        if keep && !is_manifest {
            parts.insert(name, manifest);
        }
    }
    check_cell_references(&parts)?;
    kind.ok_or_else(|| {
        (
            NOT_A_WORKBOOK.to_string(),
            Some("a zip archive without a workbook inside".into()),
        )
    })
}

/// Longest text of one cell (names, titles, acronyms).
pub(crate) const MAX_TEXT: usize = 500;
/// Years a date of a bid may fall in.
pub(crate) const FIRST_DATE: i32 = 1990;
pub(crate) const LAST_DATE: i32 = 2100;

/// The largest cell a sheet holds: column XFD (16,384), row 1,048,576.
pub(crate) const MAX_COLUMN: u64 = 16_384;
pub(crate) const MAX_ROW: u64 = 1_048_576;

/// The value of attribute `name` in the XML tag starting at `tag` (up to its `>`).
pub(crate) fn attribute<'a>(tag: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let end = tag.iter().position(|b| *b == b'>').unwrap_or(tag.len());
    let tag = &tag[..end];
    let mut i = 0;
    while let Some(p) = tag[i..].windows(name.len() + 2).position(|w| {
        w[..name.len()] == *name
            && w[name.len()] == b'='
            && matches!(w[name.len() + 1], b'"' | b'\'')
    }) {
        let at = i + p;
        // A whole attribute name: preceded by whitespace.
        if at > 0 && tag[at - 1].is_ascii_whitespace() {
            let quote = tag[at + name.len() + 1];
            let from = at + name.len() + 2;
            let len = tag[from..].iter().position(|b| *b == quote)?;
            return Some(&tag[from..from + len]);
        }
        i = at + 1;
    }
    None
}

/// Refuses a sheet whose cells or rows are placed beyond a sheet's limits (the reader
/// would overflow placing them), naming the sheet and the reference.
pub(crate) fn check_cell_references(
    parts: &std::collections::BTreeMap<String, Vec<u8>>,
) -> std::result::Result<(), Refusal> {
    // Sheet names, from the workbook and its relationships.
    let mut targets: std::collections::HashMap<String, String> = Default::default();
    if let Some(rels) = parts.get("xl/_rels/workbook.xml.rels") {
        for (i, _) in rels.match_indices_bytes(b"<Relationship ") {
            let tag = &rels[i..];
            if let (Some(id), Some(target)) = (attribute(tag, b"Id"), attribute(tag, b"Target")) {
                let target = String::from_utf8_lossy(target);
                let target = target.trim_start_matches('/');
                let path = if target.starts_with("xl/") {
                    target.to_string()
                } else {
                    format!("xl/{target}")
                };
                targets.insert(String::from_utf8_lossy(id).into_owned(), path);
            }
        }
    }
    let mut names: std::collections::HashMap<String, String> = Default::default();
    if let Some(book) = parts.get("xl/workbook.xml") {
        for (i, _) in book.match_indices_bytes(b"<sheet ") {
            let tag = &book[i..];
            if let (Some(name), Some(id)) = (attribute(tag, b"name"), attribute(tag, b"r:id"))
                && let Some(path) = targets.get(String::from_utf8_lossy(id).as_ref())
            {
                names.insert(path.clone(), String::from_utf8_lossy(name).into_owned());
            }
        }
    }
    for (part, xml) in parts
        .iter()
        .filter(|(p, _)| p.starts_with("xl/worksheets/"))
    {
        let sheet = names.get(part).cloned().unwrap_or_else(|| part.clone());
        // Every `r` (cell or row) and `ref` (dimension, ranges) attribute, wherever it
        // stands: the reader computes a reference's column and row without bounds, so a
        // reference must be checked before it reads, even in a tag nobody expected.
        for (at, name) in attribute_values(xml, &[&b"r"[..], &b"ref"[..]]) {
            let value = &xml[at..];
            let end = value
                .iter()
                .position(|b| *b == b'"' || *b == b'\'')
                .unwrap_or(value.len());
            let value = &value[..end];
            let parts: Vec<&[u8]> = if name == b"ref" {
                value.split(|b| *b == b':' || *b == b' ').collect()
            } else {
                vec![value]
            };
            for r in parts {
                if !reference_fits(r, name == b"r") {
                    return Err((
                        format!(
                            "sheet {sheet} places a cell beyond a sheet's limits (A1 to XFD1048576): the file is damaged or was not made by a spreadsheet program"
                        ),
                        Some(String::from_utf8_lossy(&r[..r.len().min(40)]).into_owned()),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Where the values of the attributes named `names` start (after `name="`), for every
/// attribute whose name stands after whitespace or a quote.
pub(crate) fn attribute_values<'a>(xml: &[u8], names: &[&'a [u8]]) -> Vec<(usize, &'a [u8])> {
    let mut out = Vec::new();
    for i in 1..xml.len() {
        if !(xml[i - 1].is_ascii_whitespace() || xml[i - 1] == b'"' || xml[i - 1] == b'\'') {
            continue;
        }
        for name in names {
            let n = name.len();
            if xml.len() > i + n + 1
                && &xml[i..i + n] == *name
                && xml[i + n] == b'='
                && matches!(xml[i + n + 1], b'"' | b'\'')
            {
                out.push((i + n + 2, *name));
            }
        }
    }
    out
}

/// Whether a reference stays within A1..XFD1048576 as the reader parses it: its leading
/// letters (at most three: XFD) and the digits after them (at most seven). Text that is not
/// a reference at all is left to the reader, which refuses it without overflowing. A row's
/// `r` may carry no letters.
pub(crate) fn reference_fits(r: &[u8], row_allowed: bool) -> bool {
    let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let digits = r[letters..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if letters > 3 || digits > 7 {
        return false;
    }
    let col = r[..letters].iter().fold(0u64, |c, b| {
        c * 26 + u64::from(b.to_ascii_uppercase() - b'A') + 1
    });
    let row = r[letters..letters + digits]
        .iter()
        .fold(0u64, |n, b| n * 10 + u64::from(b - b'0'));
    let whole = letters + digits == r.len();
    if !whole || digits == 0 {
        // Not a reference: the reader refuses it (its letters and digits are in range).
        return true;
    }
    (letters > 0 || row_allowed) && col <= MAX_COLUMN && (1..=MAX_ROW).contains(&row)
}

/// Byte-string search.
pub(crate) trait MatchBytes {
    fn match_indices_bytes<'a>(
        &'a self,
        needle: &'a [u8],
    ) -> Box<dyn Iterator<Item = (usize, ())> + 'a>;
}

impl MatchBytes for Vec<u8> {
    fn match_indices_bytes<'a>(
        &'a self,
        needle: &'a [u8],
    ) -> Box<dyn Iterator<Item = (usize, ())> + 'a> {
        let mut from = 0;
        Box::new(std::iter::from_fn(move || {
            let p = self
                .get(from..)?
                .windows(needle.len())
                .position(|w| w == needle)?;
            let at = from + p;
            from = at + 1;
            Some((at, ()))
        }))
    }
}

pub(crate) fn password() -> Refusal {
    (
        "the workbook is password-protected: save an unprotected copy (File › Save As, without a password) and import that".into(),
        Some("encrypted".into()),
    )
}

/// `50 MB`, `900 kB`, `1000 bytes`: a limit as a person reads it.
pub fn size(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else if bytes >= MB {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    } else if bytes >= 10 * 1024 {
        format!("{} kB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

pub(crate) fn contains(bytes: &[u8], needle: &[u8]) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle)
}

pub(crate) fn contains_utf16(bytes: &[u8], needle: &str) -> bool {
    let pattern: Vec<u8> = needle.encode_utf16().flat_map(u16::to_le_bytes).collect();
    bytes.windows(pattern.len()).any(|w| w == pattern)
}

/// A cell's value as the reader understands it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    Date(NaiveDate),
    Error(String),
}

#[derive(Default)]
pub(crate) struct SheetData {
    pub(crate) name: String,
    pub(crate) rows: BTreeMap<u32, Vec<Value>>,
}

impl SheetData {
    pub(crate) fn get(&self, row: u32, col: u32) -> &Value {
        self.rows
            .get(&row)
            .and_then(|r| r.get(col as usize))
            .unwrap_or(&Value::Empty)
    }

    pub(crate) fn put(&mut self, row: u32, col: u32, v: Value) {
        if col >= MAX_COLS || v == Value::Empty {
            return;
        }
        let r = self.rows.entry(row).or_default();
        if r.len() <= col as usize {
            r.resize(col as usize + 1, Value::Empty);
        }
        r[col as usize] = v;
    }
}

pub(crate) struct Book {
    pub(crate) sheets: Vec<SheetData>,
}

pub(crate) fn data_value(d: &Data) -> Value {
    match d {
        Data::Empty => Value::Empty,
        Data::String(s) => text(s),
        Data::Float(f) => Value::Number(*f),
        Data::Int(i) => Value::Number(*i as f64),
        Data::Bool(b) => Value::Bool(*b),
        Data::DateTime(t) => t
            .as_datetime()
            .map(|d| Value::Date(d.date()))
            .unwrap_or(Value::Number(t.as_f64())),
        Data::DateTimeIso(s) => iso_date(s)
            .map(Value::Date)
            .unwrap_or_else(|| Value::Text(s.clone())),
        Data::DurationIso(s) => Value::Text(s.clone()),
        Data::Error(e) => Value::Error(e.to_string()),
    }
}

pub(crate) fn data_ref_value(d: &DataRef<'_>) -> Value {
    match d {
        // Strings by reference (the common case); the rest as calamine's owned values.
        DataRef::SharedString(s) => text(s),
        DataRef::String(s) => text(s),
        other => data_value(&Data::from(other.clone())),
    }
}

pub(crate) fn text(s: &str) -> Value {
    let t = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{a0}');
    if t.is_empty() {
        Value::Empty
    } else {
        Value::Text(t.to_string())
    }
}

pub fn iso_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let day = s.get(..10)?;
    let rest = &s[10..];
    if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ')) {
        return None;
    }
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

pub(crate) fn load(
    bytes: &[u8],
    format: &'static str,
    limits: Limits,
) -> std::result::Result<Book, Refusal> {
    let damaged = |e: &dyn std::fmt::Display| {
        let msg = e.to_string();
        if msg.to_lowercase().contains("password") {
            password()
        } else {
            (
                format!(
                    "the workbook cannot be read as .{format}: save it again from your spreadsheet program"
                ),
                Some(msg),
            )
        }
    };
    let mut cells = 0usize;
    let too_many = |limits: Limits| {
        (
            format!("a workbook holds at most {} filled cells", limits.cells),
            Some(format!("more than {}", limits.cells)),
        )
    };
    let mut sheets: Vec<SheetData> = Vec::new();
    if format == "xlsx" || format == "xlsm" {
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| damaged(&e))?;
        let names = wb.sheet_names();
        for name in names {
            let mut sheet = SheetData {
                name: name.clone(),
                ..SheetData::default()
            };
            let mut reader = wb.worksheet_cells_reader(&name).map_err(|e| damaged(&e))?;
            while let Some(cell) = reader.next_cell().map_err(|e| damaged(&e))? {
                let v = data_ref_value(cell.get_value());
                if v == Value::Empty {
                    continue;
                }
                cells += 1;
                if cells > limits.cells {
                    return Err(too_many(limits));
                }
                let (r, c) = cell.get_position();
                sheet.put(r, c, v);
            }
            sheets.push(sheet);
        }
    } else {
        // The reader of the format the bytes showed, never a guess: a compound file with a
        // zip after it is an .xls that does not read, not an .xlsx the checks above skipped.
        let mut wb: calamine::Sheets<_> = match format {
            "ods" => calamine::Sheets::Ods(
                calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| damaged(&e))?,
            ),
            _ => calamine::Sheets::Xls(
                calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| damaged(&e))?,
            ),
        };
        for name in wb.sheet_names() {
            let range = wb.worksheet_range(&name).map_err(|e| damaged(&e))?;
            let mut sheet = SheetData {
                name: name.clone(),
                ..SheetData::default()
            };
            for (r, c, v) in range.used_cells() {
                let v = data_value(v);
                if v == Value::Empty {
                    continue;
                }
                cells += 1;
                if cells > limits.cells {
                    return Err(too_many(limits));
                }
                let (r0, c0) = range.start().unwrap_or((0, 0));
                sheet.put(r0 + r as u32, c0 + c as u32, v);
            }
            sheets.push(sheet);
        }
    }
    // Two sheets of one name (a spreadsheet program never writes that): which one holds the
    // figures is not for the reader to guess.
    let mut seen = HashSet::new();
    for sheet in &sheets {
        if !seen.insert(sheet.name.to_lowercase()) {
            return Err((
                format!(
                    "two sheets are named {}: a workbook has one sheet of each name",
                    sheet.name
                ),
                Some(sheet.name.clone()),
            ));
        }
    }
    Ok(Book { sheets })
}

/// `A1` notation of a 0-based cell.
pub fn cell_ref(row: u32, col: u32) -> String {
    let mut letters = String::new();
    let mut n = col + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.insert(0, char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    format!("{letters}{}", row + 1)
}

/// The 0-based (row, column) of an `A1` reference.
pub fn parse_cell_ref(s: &str) -> Option<(u32, u32)> {
    let letters: String = s.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let digits = &s[letters.len()..];
    if letters.is_empty() || digits.is_empty() {
        return None;
    }
    let mut col: u32 = 0;
    for c in letters.chars() {
        col = col
            .checked_mul(26)?
            .checked_add(u32::from(c.to_ascii_uppercase() as u8 - b'A') + 1)?;
    }
    let row: u32 = digits.parse().ok()?;
    (row >= 1).then(|| (row - 1, col - 1))
}

pub(crate) fn normalise(s: &str) -> String {
    s.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect()
}

pub(crate) fn shown(v: &Value) -> String {
    match v {
        Value::Empty => "an empty cell".into(),
        Value::Text(s) => format!("'{s}'"),
        Value::Number(n) => format_number(*n),
        Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        Value::Date(d) => d.to_string(),
        Value::Error(e) => e.clone(),
    }
}

pub(crate) fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Findings of one file, with the cells that already have one (a later cross-field rule
/// does not repeat a cell's own problem).
pub(crate) struct Findings {
    pub(crate) file: String,
    pub(crate) list: Vec<Finding>,
    pub(crate) flagged: HashSet<(String, String)>,
}

impl Findings {
    pub(crate) fn add(
        &mut self,
        severity: Severity,
        sheet: &str,
        cell: Option<String>,
        field: Option<&str>,
        rule: impl Into<String>,
        found: Option<String>,
    ) {
        if let Some(c) = &cell
            && severity == Severity::Error
        {
            self.flagged.insert((sheet.to_string(), c.clone()));
        }
        self.list.push(Finding {
            severity,
            stage: Stage::Import,
            file: self.file.clone(),
            sheet: (!sheet.is_empty()).then(|| sheet.to_string()),
            cell,
            field: field.map(str::to_string),
            rule: rule.into(),
            found,
        });
    }

    pub(crate) fn error(&mut self, at: &At, rule: impl Into<String>, found: Option<String>) {
        self.add(
            Severity::Error,
            &at.sheet,
            Some(at.cell()),
            Some(&at.field),
            rule,
            found,
        );
    }

    pub(crate) fn warning(&mut self, at: &At, rule: impl Into<String>, found: Option<String>) {
        self.add(
            Severity::Warning,
            &at.sheet,
            Some(at.cell()),
            Some(&at.field),
            rule,
            found,
        );
    }
}

/// A cell being read: its sheet, position and the field it holds.
pub(crate) struct At {
    pub(crate) sheet: String,
    pub(crate) row: u32,
    pub(crate) col: u32,
    pub(crate) field: String,
}

impl At {
    pub(crate) fn cell(&self) -> String {
        cell_ref(self.row, self.col)
    }
}

/// Typed reads of one cell, each adding its finding and returning `None` on a problem.
pub(crate) struct Cells<'a> {
    pub(crate) f: &'a mut Findings,
}

impl Cells<'_> {
    pub(crate) fn value_error(&mut self, at: &At, v: &Value) -> bool {
        if let Value::Error(e) = v {
            self.f.error(
                at,
                format!("the cell's formula gives the error {e}: a value is required"),
                Some(e.clone()),
            );
            return true;
        }
        false
    }

    pub(crate) fn text(&mut self, at: &At, v: &Value, required: bool) -> Option<String> {
        if self.value_error(at, v) {
            return None;
        }
        match v {
            Value::Empty if required => {
                self.f
                    .error(at, format!("{} is required", at.field), Some(shown(v)));
                None
            }
            Value::Empty => Some(String::new()),
            Value::Text(s) if s.chars().count() > MAX_TEXT => {
                self.f.error(
                    at,
                    format!("{} has at most {MAX_TEXT} characters", at.field),
                    Some(format!("{} characters", s.chars().count())),
                );
                None
            }
            Value::Text(s) => Some(s.clone()),
            Value::Number(n) => Some(format_number(*n)),
            Value::Date(d) => Some(d.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Error(_) => None,
        }
    }

    /// A number; a number typed as text is read with a warning.
    pub(crate) fn number(&mut self, at: &At, v: &Value, required: bool) -> Option<f64> {
        if self.value_error(at, v) {
            return None;
        }
        match v {
            Value::Number(n) if n.is_finite() => Some(*n),
            Value::Empty if !required => Some(0.0),
            Value::Empty => {
                self.f.error(at, format!("{} is required", at.field), None);
                None
            }
            Value::Text(s) => match parse_number_text(s) {
                Some(n) => {
                    self.f.warning(
                        at,
                        "a number stored as text was read as a number: enter it as a number",
                        Some(shown(v)),
                    );
                    Some(n)
                }
                None => {
                    self.f.error(at, "a number is required", Some(shown(v)));
                    None
                }
            },
            _ => {
                self.f.error(at, "a number is required", Some(shown(v)));
                None
            }
        }
    }

    pub(crate) fn ranged(
        &mut self,
        at: &At,
        v: &Value,
        lo: f64,
        hi: f64,
        rule: &str,
    ) -> Option<f64> {
        let n = self.number(at, v, true)?;
        if n < lo || n > hi {
            self.f.error(at, rule, Some(format_number(n)));
            return None;
        }
        Some(n)
    }

    pub(crate) fn whole(
        &mut self,
        at: &At,
        v: &Value,
        lo: i64,
        hi: i64,
        rule: &str,
    ) -> Option<i64> {
        let n = self.number(at, v, true)?;
        if n.fract() != 0.0 || n < lo as f64 || n > hi as f64 {
            self.f.error(at, rule, Some(format_number(n)));
            return None;
        }
        Some(n as i64)
    }

    pub(crate) fn amount(&mut self, at: &At, v: &Value, required: bool) -> Option<Eur> {
        let n = self.number(at, v, required)?;
        if n < 0.0 {
            self.f.error(
                at,
                "an amount in euros cannot be negative",
                Some(format_number(n)),
            );
            return None;
        }
        let e = Eur::from_euros_f64(n);
        if e.is_none() {
            self.f
                .error(at, "an amount in euros too large", Some(format_number(n)));
        }
        e
    }

    pub(crate) fn share(&mut self, at: &At, v: &Value) -> Option<f64> {
        let n = match v {
            Value::Text(s) if s.ends_with('%') => {
                let Some(n) = parse_number_text(s.trim_end_matches('%')).map(|n| n / 100.0) else {
                    self.f
                        .error(at, "a share between 0 and 1 (0 % to 100 %)", Some(shown(v)));
                    return None;
                };
                self.f.warning(
                    at,
                    "a percentage typed as text was read as a share",
                    Some(shown(v)),
                );
                n
            }
            _ => self.number(at, v, true)?,
        };
        if !(0.0..=1.0).contains(&n) {
            let hint = if (1.0..=100.0).contains(&n) {
                format!(
                    "{} (a share above 100 %; for {} % enter {})",
                    format_number(n),
                    format_number(n),
                    n / 100.0
                )
            } else {
                format_number(n)
            };
            self.f
                .error(at, "a share between 0 and 1 (0 % to 100 %)", Some(hint));
            return None;
        }
        Some(n)
    }

    pub(crate) fn date(&mut self, at: &At, v: &Value) -> Option<NaiveDate> {
        if self.value_error(at, v) {
            return None;
        }
        match v {
            // A negative or huge serial formatted as a date reads as 1897 or 2400: not a
            // date of a bid.
            Value::Date(d) if !(FIRST_DATE..=LAST_DATE).contains(&chrono::Datelike::year(d)) => {
                self.f.error(
                    at,
                    format!("a date between {FIRST_DATE} and {LAST_DATE}"),
                    Some(d.to_string()),
                );
                None
            }
            Value::Date(d) => Some(*d),
            // A date cell without a date format arrives as its serial number.
            Value::Number(n) if (20_000.0..=80_000.0).contains(n) && n.fract() == 0.0 => {
                NaiveDate::from_ymd_opt(1899, 12, 30)
                    .and_then(|d| d.checked_add_days(chrono::Days::new(*n as u64)))
            }
            Value::Text(s) => match iso_date(s) {
                Some(d) => {
                    self.f.warning(
                        at,
                        "a date typed as text was read as a date: enter it as a date",
                        Some(shown(v)),
                    );
                    Some(d)
                }
                None => {
                    self.f.error(
                        at,
                        "a date is required (a date cell, or text such as 2027-04-01)",
                        Some(shown(v)),
                    );
                    None
                }
            },
            Value::Empty => {
                self.f.error(at, format!("{} is required", at.field), None);
                None
            }
            _ => {
                self.f.error(
                    at,
                    "a date is required (a date cell, or text such as 2027-04-01)",
                    Some(shown(v)),
                );
                None
            }
        }
    }

    pub(crate) fn choice<T: serde::de::DeserializeOwned>(
        &mut self,
        at: &At,
        v: &Value,
        allowed: &[&str],
    ) -> Option<T> {
        let s = self.text(at, v, true)?;
        let key = normalise(&s);
        match serde_json::from_value::<T>(serde_json::Value::String(key)) {
            Ok(t) => Some(t),
            Err(_) => {
                self.f.error(
                    at,
                    format!("one of: {}", allowed.join(", ")),
                    Some(shown(v)),
                );
                None
            }
        }
    }
}

pub(crate) fn parse_number_text(s: &str) -> Option<f64> {
    let cleaned: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '€'))
        .collect();
    // "1,234,567.5" (thousands commas) is read; a lone comma is ambiguous and refused.
    let cleaned = if cleaned.contains('.') || cleaned.matches(',').count() > 1 {
        cleaned.replace(',', "")
    } else {
        cleaned
    };
    cleaned.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// A list sheet located in the workbook: its header row and each header's column.
pub(crate) struct Table<'a> {
    pub(crate) sheet: &'a SheetData,
    pub(crate) header_row: u32,
    pub(crate) columns: HashMap<&'static str, u32>,
}

impl Table<'_> {
    pub(crate) fn at(&self, row: u32, field: &'static str) -> At {
        At {
            sheet: self.sheet.name.clone(),
            row,
            col: self.columns.get(field).copied().unwrap_or(0),
            field: field.to_string(),
        }
    }

    pub(crate) fn value(&self, row: u32, field: &str) -> &Value {
        match self.columns.get(field) {
            Some(c) => self.sheet.get(row, *c),
            None => &Value::Empty,
        }
    }

    /// Data rows: those after the header with a value in a column the reader reads.
    pub(crate) fn rows(&self) -> impl Iterator<Item = u32> + '_ {
        self.sheet
            .rows
            .range(self.header_row + 1..)
            .filter(|(_, cells)| {
                self.columns
                    .values()
                    .any(|c| !matches!(cells.get(*c as usize), None | Some(Value::Empty)))
            })
            .map(|(r, _)| *r)
    }
}

pub(crate) struct Parser<'a> {
    pub(crate) book: &'a Book,
    pub(crate) f: Findings,
    /// The sheet of each template sheet, found by name.
    pub(crate) sheets: HashMap<&'static str, usize>,
}

impl<'a> Parser<'a> {
    /// A parser of `book`, its template sheets found by name (case and spaces aside):
    /// a missing one is an error, or a warning when it is `optional`.
    pub(crate) fn new(
        file: &str,
        book: &'a Book,
        names: &[&'static str],
        optional: &[&str],
    ) -> Parser<'a> {
        let mut p = Parser {
            book,
            f: Findings {
                file: file.to_string(),
                list: Vec::new(),
                flagged: HashSet::new(),
            },
            sheets: HashMap::new(),
        };
        let found: Vec<&str> = book.sheets.iter().map(|s| s.name.as_str()).collect();
        for name in names {
            match book
                .sheets
                .iter()
                .position(|s| normalise(&s.name) == normalise(name))
            {
                Some(i) => {
                    p.sheets.insert(name, i);
                }
                None => p.f.add(
                    if optional.contains(name) {
                        Severity::Warning
                    } else {
                        Severity::Error
                    },
                    name,
                    None,
                    None,
                    format!("the sheet '{name}' is missing or renamed"),
                    Some(format!("sheets: {}", found.join(", "))),
                ),
            }
        }
        p
    }

    pub(crate) fn sheet(&self, name: &'static str) -> Option<&'a SheetData> {
        self.sheets.get(name).map(|i| &self.book.sheets[*i])
    }

    /// Finds the header row (the first row, within the first ten, holding the first
    /// required header) and maps every expected header to its column.
    pub(crate) fn table(
        &mut self,
        name: &'static str,
        headers: &[&'static str],
        required: &[&'static str],
    ) -> Option<Table<'a>> {
        let sheet = self.sheet(name)?;
        let header_row = sheet
            .rows
            .range(..10)
            .find(|(_, cells)| {
                cells
                    .iter()
                    .any(|v| matches!(v, Value::Text(t) if normalise(t) == required[0]))
            })
            .map(|(r, _)| *r);
        let Some(header_row) = header_row else {
            self.f.add(
                Severity::Error,
                &sheet.name,
                Some("A1".into()),
                Some(required[0]),
                format!(
                    "the header row is missing: the sheet's first row names its columns ({})",
                    headers.join(", ")
                ),
                None,
            );
            return None;
        };
        let mut columns = HashMap::new();
        let row = &sheet.rows[&header_row];
        for (c, v) in row.iter().enumerate() {
            let Value::Text(t) = v else { continue };
            let key = normalise(t);
            if let Some(h) = headers.iter().find(|h| **h == key) {
                if columns.insert(*h, c as u32).is_some() {
                    self.f.add(
                        Severity::Error,
                        &sheet.name,
                        Some(cell_ref(header_row, c as u32)),
                        Some(h),
                        "each column appears once",
                        Some(format!("'{t}' twice")),
                    );
                }
            } else if key != "total_eur" {
                self.f.add(
                    Severity::Warning,
                    &sheet.name,
                    Some(cell_ref(header_row, c as u32)),
                    None,
                    "a column Gigafund does not read: its values are ignored",
                    Some(format!("'{t}'")),
                );
            }
        }
        let mut ok = true;
        for r in required {
            if !columns.contains_key(r) {
                self.f.add(
                    Severity::Error,
                    &sheet.name,
                    Some(format!("row {}", header_row + 1)),
                    Some(r),
                    format!("the column '{r}' is missing or renamed"),
                    None,
                );
                ok = false;
            }
        }
        ok.then_some(Table {
            sheet,
            header_row,
            columns,
        })
    }

    /// The value next to a label in column A (Instructions and Financing sheets).
    pub(crate) fn labelled(
        &mut self,
        name: &'static str,
        labels: &[&'static str],
    ) -> HashMap<&'static str, (u32, Value)> {
        let mut out = HashMap::new();
        let Some(sheet) = self.sheet(name) else {
            return out;
        };
        for (r, cells) in sheet.rows.range(..60) {
            if let Some(Value::Text(t)) = cells.first() {
                let key = normalise(t);
                if let Some(l) = labels.iter().find(|l| **l == key) {
                    out.entry(*l)
                        .or_insert_with(|| (*r, cells.get(1).cloned().unwrap_or(Value::Empty)));
                }
            }
        }
        for l in labels {
            if !out.contains_key(l) {
                self.f.add(
                    Severity::Error,
                    &sheet.name,
                    Some("A".into()),
                    Some(l),
                    format!(
                        "the row labelled '{l}' is missing or renamed (its value goes in column B)"
                    ),
                    None,
                );
            }
        }
        out
    }
}

/// The workbook's own name of a template sheet (it may differ in case or spaces).
pub(crate) fn sheet_name(book: &Book, template: &str) -> String {
    book.sheets
        .iter()
        .find(|s| normalise(&s.name) == normalise(template))
        .map(|s| s.name.clone())
        .unwrap_or_else(|| template.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references_round_trip() {
        for (r, c, s) in [
            (0, 0, "A1"),
            (9, 25, "Z10"),
            (0, 26, "AA1"),
            (99, 701, "ZZ100"),
        ] {
            assert_eq!(cell_ref(r, c), s);
            assert_eq!(parse_cell_ref(s), Some((r, c)));
        }
        assert_eq!(parse_cell_ref("A0"), None);
        assert_eq!(parse_cell_ref("12"), None);
    }

    #[test]
    fn numbers_typed_as_text() {
        assert_eq!(parse_number_text("1,234,567.5"), Some(1_234_567.5));
        assert_eq!(parse_number_text(" 12 000 "), Some(12_000.0));
        assert_eq!(parse_number_text("1.5"), Some(1.5));
        assert_eq!(parse_number_text("twelve"), None);
        assert_eq!(iso_date("2027-04-01"), NaiveDate::from_ymd_opt(2027, 4, 1));
        assert_eq!(
            iso_date("2027-04-01T00:00:00"),
            NaiveDate::from_ymd_opt(2027, 4, 1)
        );
        assert_eq!(iso_date("April 2027"), None);
    }
}
