//! The applicant workbook reader: an .xlsx, .xlsm, .xls or .ods file filled from the
//! template of [`super::workbook_template`] becomes a [`Bid`] and a list of findings, each
//! with its file, sheet, cell and field, the rule it broke and what was found.
//!
//! The reader is tolerant where a spreadsheet program or a person is likely to differ from
//! the template — sheet and header names in another case or with trailing spaces, columns
//! in another order, empty rows between lines, numbers and ISO dates typed as text (a
//! warning), dates stored as serial numbers, date cells or ISO text — and strict about the
//! values themselves. Formulas are read through their cached values; totals are never
//! trusted but recomputed from the lines.
//!
//! Before any spreadsheet parser runs, the file's size and, for the zip formats, the bytes
//! each part really unpacks to are bounded ([`Limits`]), so a zip bomb or a huge sheet is
//! refused with the limit it broke instead of exhausting memory. Worksheets of .xlsx and
//! .xlsm files are streamed cell by cell with a bound on cells.

use super::bid_file::check_bid;
use super::workbook_template::{
    CAPEX, CONSORTIUM, COSTS, FINANCING, GUARANTEES, HARDWARE, KINDS, MILESTONES, OPEX, PROPOSAL,
    ROLES, SHEETS, SITES,
};
use super::{Problems, display_name};
use crate::countries::countries;
use crate::error::{Error, Location, Problem, Result};
use crate::model::{
    Bid, BidStatus, CapexCategory, Consortium, CostLine, CountryCode, DeclaredAccelerator, Eur,
    FinancingPlan, GuaranteeKind, HardwareLine, Member, MemberRole, Milestone, OpexCategory,
    Organisation, OrganisationKind, Site,
};
use calamine::{Data, DataRef, Reader};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Cursor, Read};
use std::path::Path;
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

/// What a workbook gave: the bid as read (absent when the file could not be read as a
/// workbook at all), the accelerators described as "other", and every finding.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct WorkbookRead {
    pub file: String,
    /// `xlsx`, `xlsm`, `xls` or `ods`.
    pub format: String,
    pub bid: Option<Bid>,
    pub other_accelerators: Vec<DeclaredAccelerator>,
    pub findings: Vec<Finding>,
    /// SHA-256 of the file's bytes (empty when the file was too large to be read).
    pub sha256: String,
}

impl WorkbookRead {
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    /// The bid when no finding is an error; otherwise every error as [`Error::Invalid`].
    pub fn into_bid(self) -> Result<Bid> {
        match self.bid {
            Some(bid) if self.findings.iter().all(|f| f.severity != Severity::Error) => Ok(bid),
            _ => Err(Error::Invalid(
                self.findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .map(Finding::to_problem)
                    .collect(),
            )),
        }
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
const MAX_COLS: u32 = 64;

/// Reads the workbook at `path`. `known` are the accelerator keys the drop-down offers;
/// `call` the call the applicant says they apply to, when known.
pub fn read(path: &Path, known: &HashSet<String>, call: Option<&str>) -> Result<WorkbookRead> {
    let file = display_name(path);
    let limits = Limits::default();
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.len() > limits.file_bytes {
        return Ok(fatal(
            &file,
            "unknown",
            format!("a workbook is at most {}", size(limits.file_bytes)),
            Some(size(meta.len())),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    Ok(read_bytes(&file, &bytes, known, call, limits))
}

/// Reads a workbook from memory (the app's drag-and-drop uses this). A failure of the
/// reader on content nobody foresaw is a refusal of the file, never a crash.
pub fn read_bytes(
    file: &str,
    bytes: &[u8],
    known: &HashSet<String>,
    call: Option<&str>,
    limits: Limits,
) -> WorkbookRead {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_bytes_unguarded(file, bytes, known, call, limits)
    }))
    .unwrap_or_else(|_| {
        let mut read = fatal(
            file,
            "unknown",
            "the workbook cannot be read (its content is damaged or not what a spreadsheet program writes): save it again from your spreadsheet program",
            None,
        );
        read.sha256 = hex::encode(Sha256::digest(bytes));
        read
    })
}

/// [`read_bytes`] without the guard: what the fuzz target and the corpus test call, so
/// that a panic shows as the bug it is.
#[doc(hidden)]
pub fn read_bytes_unguarded(
    file: &str,
    bytes: &[u8],
    known: &HashSet<String>,
    call: Option<&str>,
    limits: Limits,
) -> WorkbookRead {
    if bytes.len() as u64 > limits.file_bytes {
        return fatal(
            file,
            "unknown",
            format!("a workbook is at most {}", size(limits.file_bytes)),
            Some(size(bytes.len() as u64)),
        );
    }
    let mut read = match sniff(bytes, limits) {
        Err((rule, found)) => fatal(file, "unknown", rule, found),
        Ok(format) => match load(bytes, format, limits) {
            Ok(book) => parse(file, format, &book, known, call),
            Err((rule, found)) => fatal(file, format, rule, found),
        },
    };
    read.sha256 = hex::encode(Sha256::digest(bytes));
    read
}

fn fatal(file: &str, format: &str, rule: impl Into<String>, found: Option<String>) -> WorkbookRead {
    WorkbookRead {
        file: file.to_string(),
        format: format.to_string(),
        bid: None,
        other_accelerators: Vec::new(),
        findings: vec![Finding {
            severity: Severity::Error,
            stage: Stage::Import,
            file: file.to_string(),
            sheet: None,
            cell: None,
            field: None,
            rule: rule.into(),
            found,
        }],
        sha256: String::new(),
    }
}

type Refusal = (String, Option<String>);

const NOT_A_WORKBOOK: &str =
    "the file is not a spreadsheet: Gigafund reads .xlsx, .xlsm, .xls and .ods workbooks";

/// Tells the format from the bytes (not the name) and bounds what a zip unpacks to.
fn sniff(bytes: &[u8], limits: Limits) -> std::result::Result<&'static str, Refusal> {
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
const MAX_TEXT: usize = 500;
/// Years a date of a bid may fall in.
const FIRST_DATE: i32 = 1990;
const LAST_DATE: i32 = 2100;

/// The largest cell a sheet holds: column XFD (16,384), row 1,048,576.
const MAX_COLUMN: u64 = 16_384;
const MAX_ROW: u64 = 1_048_576;

/// The value of attribute `name` in the XML tag starting at `tag` (up to its `>`).
fn attribute<'a>(tag: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
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
fn check_cell_references(
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
fn attribute_values<'a>(xml: &[u8], names: &[&'a [u8]]) -> Vec<(usize, &'a [u8])> {
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
fn reference_fits(r: &[u8], row_allowed: bool) -> bool {
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
trait MatchBytes {
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

fn password() -> Refusal {
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

fn contains(bytes: &[u8], needle: &[u8]) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle)
}

fn contains_utf16(bytes: &[u8], needle: &str) -> bool {
    let pattern: Vec<u8> = needle.encode_utf16().flat_map(u16::to_le_bytes).collect();
    bytes.windows(pattern.len()).any(|w| w == pattern)
}

/// A cell's value as the reader understands it.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    Date(NaiveDate),
    Error(String),
}

#[derive(Default)]
struct SheetData {
    name: String,
    rows: BTreeMap<u32, Vec<Value>>,
}

impl SheetData {
    fn get(&self, row: u32, col: u32) -> &Value {
        self.rows
            .get(&row)
            .and_then(|r| r.get(col as usize))
            .unwrap_or(&Value::Empty)
    }

    fn put(&mut self, row: u32, col: u32, v: Value) {
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

struct Book {
    sheets: Vec<SheetData>,
}

fn data_value(d: &Data) -> Value {
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

fn data_ref_value(d: &DataRef<'_>) -> Value {
    match d {
        // Strings by reference (the common case); the rest as calamine's owned values.
        DataRef::SharedString(s) => text(s),
        DataRef::String(s) => text(s),
        other => data_value(&Data::from(other.clone())),
    }
}

fn text(s: &str) -> Value {
    let t = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{a0}');
    if t.is_empty() {
        Value::Empty
    } else {
        Value::Text(t.to_string())
    }
}

pub(crate) fn iso_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let day = s.get(..10)?;
    let rest = &s[10..];
    if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ')) {
        return None;
    }
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

fn load(bytes: &[u8], format: &'static str, limits: Limits) -> std::result::Result<Book, Refusal> {
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

fn normalise(s: &str) -> String {
    s.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect()
}

fn shown(v: &Value) -> String {
    match v {
        Value::Empty => "an empty cell".into(),
        Value::Text(s) => format!("'{s}'"),
        Value::Number(n) => format_number(*n),
        Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        Value::Date(d) => d.to_string(),
        Value::Error(e) => e.clone(),
    }
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Findings of one file, with the cells that already have one (a later cross-field rule
/// does not repeat a cell's own problem).
struct Findings {
    file: String,
    list: Vec<Finding>,
    flagged: HashSet<(String, String)>,
}

impl Findings {
    fn add(
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

    fn error(&mut self, at: &At, rule: impl Into<String>, found: Option<String>) {
        self.add(
            Severity::Error,
            &at.sheet,
            Some(at.cell()),
            Some(&at.field),
            rule,
            found,
        );
    }

    fn warning(&mut self, at: &At, rule: impl Into<String>, found: Option<String>) {
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
struct At {
    sheet: String,
    row: u32,
    col: u32,
    field: String,
}

impl At {
    fn cell(&self) -> String {
        cell_ref(self.row, self.col)
    }
}

/// Typed reads of one cell, each adding its finding and returning `None` on a problem.
struct Cells<'a> {
    f: &'a mut Findings,
}

impl Cells<'_> {
    fn value_error(&mut self, at: &At, v: &Value) -> bool {
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

    fn text(&mut self, at: &At, v: &Value, required: bool) -> Option<String> {
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
    fn number(&mut self, at: &At, v: &Value, required: bool) -> Option<f64> {
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

    fn ranged(&mut self, at: &At, v: &Value, lo: f64, hi: f64, rule: &str) -> Option<f64> {
        let n = self.number(at, v, true)?;
        if n < lo || n > hi {
            self.f.error(at, rule, Some(format_number(n)));
            return None;
        }
        Some(n)
    }

    fn whole(&mut self, at: &At, v: &Value, lo: i64, hi: i64, rule: &str) -> Option<i64> {
        let n = self.number(at, v, true)?;
        if n.fract() != 0.0 || n < lo as f64 || n > hi as f64 {
            self.f.error(at, rule, Some(format_number(n)));
            return None;
        }
        Some(n as i64)
    }

    fn amount(&mut self, at: &At, v: &Value, required: bool) -> Option<Eur> {
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

    fn share(&mut self, at: &At, v: &Value) -> Option<f64> {
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

    fn date(&mut self, at: &At, v: &Value) -> Option<NaiveDate> {
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

    fn choice<T: serde::de::DeserializeOwned>(
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

fn parse_number_text(s: &str) -> Option<f64> {
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
struct Table<'a> {
    sheet: &'a SheetData,
    header_row: u32,
    columns: HashMap<&'static str, u32>,
}

impl Table<'_> {
    fn at(&self, row: u32, field: &'static str) -> At {
        At {
            sheet: self.sheet.name.clone(),
            row,
            col: self.columns.get(field).copied().unwrap_or(0),
            field: field.to_string(),
        }
    }

    fn value(&self, row: u32, field: &str) -> &Value {
        match self.columns.get(field) {
            Some(c) => self.sheet.get(row, *c),
            None => &Value::Empty,
        }
    }

    /// Data rows: those after the header with a value in a column the reader reads.
    fn rows(&self) -> impl Iterator<Item = u32> + '_ {
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

struct Parser<'a> {
    book: &'a Book,
    f: Findings,
    /// The sheet of each template sheet, found by name.
    sheets: HashMap<&'static str, usize>,
}

impl<'a> Parser<'a> {
    fn sheet(&self, name: &'static str) -> Option<&'a SheetData> {
        self.sheets.get(name).map(|i| &self.book.sheets[*i])
    }

    /// Finds the header row (the first row, within the first ten, holding the first
    /// required header) and maps every expected header to its column.
    fn table(
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
    fn labelled(
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

fn parse(
    file: &str,
    format: &str,
    book: &Book,
    known: &HashSet<String>,
    call: Option<&str>,
) -> WorkbookRead {
    let mut p = Parser {
        book,
        f: Findings {
            file: file.to_string(),
            list: Vec::new(),
            flagged: HashSet::new(),
        },
        sheets: HashMap::new(),
    };
    let found_names: Vec<&str> = book.sheets.iter().map(|s| s.name.as_str()).collect();
    for name in SHEETS {
        match book
            .sheets
            .iter()
            .position(|s| normalise(&s.name) == normalise(name))
        {
            Some(i) => {
                p.sheets.insert(name, i);
            }
            None => {
                let severity = if name == "Milestones" {
                    Severity::Warning
                } else {
                    Severity::Error
                };
                p.f.add(
                    severity,
                    name,
                    None,
                    None,
                    format!("the sheet '{name}' is missing or renamed"),
                    Some(format!("sheets: {}", found_names.join(", "))),
                );
            }
        }
    }

    let countries = match countries() {
        Ok(c) => c,
        Err(e) => return fatal(file, format, e.to_string(), None),
    };
    let mut bid = Bid {
        id: 0,
        call_code: String::new(),
        consortium: Consortium {
            id: 0,
            name: String::new(),
            members: Vec::new(),
        },
        acronym: String::new(),
        title: String::new(),
        status: BidStatus::Draft,
        version: 1,
        submitted_at: None,
        scope: Vec::new(),
        sites: Vec::new(),
        hardware: Vec::new(),
        requested_eu: Eur::ZERO,
        requested_member_state: Eur::ZERO,
        capex: Vec::new(),
        opex: Vec::new(),
        financing: FinancingPlan {
            eu_grant: Eur::ZERO,
            member_state_grant: Eur::ZERO,
            senior_debt: Eur::ZERO,
            equity: Eur::ZERO,
            guarantee_kind: GuaranteeKind::None,
            guarantee_amount: Eur::ZERO,
        },
        milestones: Vec::new(),
    };
    // Where each value of the bid was read, to place cross-field rules on cells.
    let mut places = Places::default();

    // Proposal (Instructions sheet).
    let proposal = p.labelled("Instructions", &PROPOSAL);
    let instructions = p.sheet("Instructions").map(|s| s.name.clone());
    if let Some(sheet) = &instructions {
        for key in PROPOSAL {
            let Some((row, v)) = proposal.get(key) else {
                continue;
            };
            let at = At {
                sheet: sheet.clone(),
                row: *row,
                col: 1,
                field: key.to_string(),
            };
            places.put("bid", key, &at);
            let mut c = Cells { f: &mut p.f };
            match key {
                "call" => {
                    if let Some(code) = c.text(&at, v, true) {
                        if let Some(expected) = call
                            && code != expected
                        {
                            c.f.error(
                                    &at,
                                    format!("the workbook is for call {code}, not for {expected}: use the template of {expected}"),
                                    Some(code.clone()),
                                );
                        }
                        bid.call_code = code;
                    }
                }
                "acronym" => bid.acronym = c.text(&at, v, true).unwrap_or_default(),
                "title" => bid.title = c.text(&at, v, true).unwrap_or_default(),
                "consortium" => bid.consortium.name = c.text(&at, v, true).unwrap_or_default(),
                "scope" => {
                    bid.scope = c
                        .text(&at, v, false)
                        .unwrap_or_default()
                        .split([',', ';', '\n'])
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                }
                "requested_eu_eur" => bid.requested_eu = c.amount(&at, v, true).unwrap_or_default(),
                "requested_member_state_eur" => {
                    bid.requested_member_state = c.amount(&at, v, false).unwrap_or_default()
                }
                _ => {}
            }
        }
    }

    // Consortium.
    if let Some(t) = p.table("Consortium", &CONSORTIUM, &CONSORTIUM[..5]) {
        for row in t.rows() {
            let mut c = Cells { f: &mut p.f };
            let i = bid.consortium.members.len() + 1;
            let table = format!("consortium.member[{i}]");
            for field in CONSORTIUM {
                places.put(&table, field, &t.at(row, field));
            }
            let name = c.text(&t.at(row, "name"), t.value(row, "name"), true);
            let country = country(
                &mut c,
                &t.at(row, "country"),
                t.value(row, "country"),
                countries,
            );
            let kind: Option<OrganisationKind> =
                c.choice(&t.at(row, "kind"), t.value(row, "kind"), &KINDS);
            let role: Option<MemberRole> =
                c.choice(&t.at(row, "role"), t.value(row, "role"), &ROLES);
            let domain = c.text(
                &t.at(row, "email_domain"),
                t.value(row, "email_domain"),
                true,
            );
            let group = c.text(
                &t.at(row, "parent_group"),
                t.value(row, "parent_group"),
                false,
            );
            bid.consortium.members.push(Member {
                organisation: Organisation {
                    id: 0,
                    name: name.unwrap_or_default(),
                    country: country.unwrap_or_else(|| CountryCode("??".into())),
                    kind: kind.unwrap_or(OrganisationKind::Research),
                    email_domain: domain.unwrap_or_default().to_lowercase(),
                    parent_group: group.filter(|g| !g.is_empty()),
                },
                role: role.unwrap_or(MemberRole::Partner),
            });
        }
        places.put_first("consortium", "member", &t, "name");
        places.put_first("consortium", "role", &t, "role");
    }

    // Sites.
    if let Some(t) = p.table("Site & Energy", &SITES, &SITES) {
        for row in t.rows() {
            let mut c = Cells { f: &mut p.f };
            let table = format!("site[{}]", bid.sites.len() + 1);
            for field in SITES {
                places.put(&table, field, &t.at(row, field));
            }
            let name = c.text(&t.at(row, "name"), t.value(row, "name"), true);
            let country = country(
                &mut c,
                &t.at(row, "country"),
                t.value(row, "country"),
                countries,
            );
            let region = c.text(&t.at(row, "region"), t.value(row, "region"), true);
            let it_mw = c.ranged(
                &t.at(row, "it_mw"),
                t.value(row, "it_mw"),
                f64::MIN_POSITIVE,
                10_000.0,
                "IT power is a positive number of MW (at most 10,000)",
            );
            let pue = c.ranged(
                &t.at(row, "pue"),
                t.value(row, "pue"),
                1.0,
                3.0,
                "PUE must be between 1.0 and 3.0",
            );
            let wue = c.ranged(
                &t.at(row, "wue"),
                t.value(row, "wue"),
                0.0,
                10.0,
                "WUE must be between 0 and 10 L/kWh",
            );
            let renewable = c.share(
                &t.at(row, "renewable_share"),
                t.value(row, "renewable_share"),
            );
            let grid = c.date(
                &t.at(row, "grid_connection"),
                t.value(row, "grid_connection"),
            );
            let live = c.date(&t.at(row, "go_live"), t.value(row, "go_live"));
            bid.sites.push(Site {
                name: name.unwrap_or_default(),
                country: country.unwrap_or_else(|| CountryCode("??".into())),
                region: region.unwrap_or_default(),
                it_mw: it_mw.unwrap_or(1.0),
                pue: pue.unwrap_or(1.0),
                wue: wue.unwrap_or(0.0),
                renewable_share: renewable.unwrap_or(0.0),
                grid_connection: grid.unwrap_or_default(),
                go_live: live.or(grid).unwrap_or_default(),
            });
        }
        places.put_first("site", "name", &t, "name");
    }

    // Hardware.
    let mut others = Vec::new();
    let mut known_here = known.clone();
    if let Some(t) = p.table("Hardware", &HARDWARE, &HARDWARE[..3]) {
        let mut seen: HashMap<(u32, String), String> = HashMap::new();
        for row in t.rows() {
            let mut c = Cells { f: &mut p.f };
            let table = format!("hardware[{}]", bid.hardware.len() + 1);
            for field in HARDWARE {
                places.put(&table, field, &t.at(row, field));
            }
            let generation = c.whole(
                &t.at(row, "generation"),
                t.value(row, "generation"),
                1,
                20,
                "a generation is a whole number from 1 (the initial installation) to 20",
            );
            let count = c.whole(
                &t.at(row, "count"),
                t.value(row, "count"),
                1,
                10_000_000,
                "a count of accelerators is a whole number from 1",
            );
            let at = t.at(row, "accelerator");
            let mut accelerator = c.text(&at, t.value(row, "accelerator"), true);
            if let Some(a) = accelerator.clone() {
                if a.eq_ignore_ascii_case("other") {
                    accelerator = other(&mut c, &t, row).map(|o| {
                        known_here.insert(o.name.clone());
                        c.f.warning(
                            &t.at(row, "other_name"),
                            "an accelerator not in Gigafund's list: compute per euro cannot be measured from benchmark runs for it",
                            Some(o.name.clone()),
                        );
                        let name = o.name.clone();
                        others.push(o);
                        name
                    });
                } else if let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(&a)) {
                    accelerator = Some(k.clone());
                } else {
                    c.f.error(
                        &at,
                        "an accelerator from the list, or \"other\" with its name and specifications",
                        Some(shown(t.value(row, "accelerator"))),
                    );
                    accelerator = None;
                }
            }
            if let (Some(g), Some(a)) = (generation, &accelerator) {
                let key = (g as u32, a.clone());
                if let Some(first) = seen.get(&key) {
                    c.f.error(
                        &at,
                        "an accelerator appears once per generation: add the counts on one row",
                        Some(format!("{a} in generation {g}, as on row {first}")),
                    );
                } else {
                    seen.insert(key, (row + 1).to_string());
                }
            }
            bid.hardware.push(HardwareLine {
                generation: generation.unwrap_or(1) as u32,
                accelerator: accelerator.unwrap_or_default(),
                count: count.unwrap_or(1) as u64,
            });
        }
        places.put_first("hardware", "accelerator", &t, "accelerator");
    }

    // Capex and opex.
    if let Some(t) = p.table("Capex", &COSTS, &["year", "category", "amount_eur"]) {
        bid.capex = cost_lines::<CapexCategory>(&mut p.f, &t, &CAPEX);
        places.put_first("capex", "amount_eur", &t, "amount_eur");
    }
    if let Some(t) = p.table("Opex", &COSTS, &["year", "category", "amount_eur"]) {
        bid.opex = cost_lines::<OpexCategory>(&mut p.f, &t, &OPEX);
    }

    // Financing.
    let financing = p.labelled("Financing", &FINANCING);
    if let Some(sheet) = p.sheet("Financing").map(|s| s.name.clone()) {
        let mut c = Cells { f: &mut p.f };
        for key in FINANCING {
            let Some((row, v)) = financing.get(key) else {
                continue;
            };
            let at = At {
                sheet: sheet.clone(),
                row: *row,
                col: 1,
                field: key.to_string(),
            };
            places.put("financing", &format!("{key}_eur"), &at);
            let plan = &mut bid.financing;
            match key {
                "eu_grant" => plan.eu_grant = c.amount(&at, v, false).unwrap_or_default(),
                "member_state_grant" => {
                    plan.member_state_grant = c.amount(&at, v, false).unwrap_or_default()
                }
                "senior_debt" => plan.senior_debt = c.amount(&at, v, false).unwrap_or_default(),
                "equity" => plan.equity = c.amount(&at, v, false).unwrap_or_default(),
                "guarantee_kind" => {
                    plan.guarantee_kind = if *v == Value::Empty {
                        GuaranteeKind::None
                    } else {
                        c.choice(&at, v, &GUARANTEES).unwrap_or(GuaranteeKind::None)
                    }
                }
                "guarantee_amount" => {
                    places.put("financing", "guarantee_eur", &at);
                    plan.guarantee_amount = c.amount(&at, v, false).unwrap_or_default()
                }
                _ => {}
            }
        }
        // The balance is placed on the financing total's cell (B9 in the template).
        let total_row = financing.get("equity").map(|(r, _)| r + 4).unwrap_or(8);
        places.put(
            "financing",
            "total",
            &At {
                sheet: sheet.clone(),
                row: total_row,
                col: 1,
                field: "financing_total".into(),
            },
        );
        if bid.financing.guarantee_kind == GuaranteeKind::None
            && bid.financing.guarantee_amount > Eur::ZERO
            && let Some((row, _)) = financing.get("guarantee_amount")
        {
            c.f.error(
                &At {
                    sheet: sheet.clone(),
                    row: *row,
                    col: 1,
                    field: "guarantee_amount".into(),
                },
                "a guarantee amount needs a guarantee kind (pari_passu or first_loss)",
                Some(bid.financing.guarantee_amount.to_string()),
            );
        }
    }

    // Milestones.
    if p.sheet("Milestones").is_some()
        && let Some(t) = p.table("Milestones", &MILESTONES, &MILESTONES[..2])
    {
        let mut previous: Option<NaiveDate> = None;
        for row in t.rows() {
            let mut c = Cells { f: &mut p.f };
            let name = c.text(&t.at(row, "milestone"), t.value(row, "milestone"), true);
            let date = c.date(&t.at(row, "date"), t.value(row, "date"));
            let description = c.text(
                &t.at(row, "description"),
                t.value(row, "description"),
                false,
            );
            if let (Some(before), Some(d)) = (previous, date)
                && d < before
            {
                // The order is the applicant's; a plan out of order is only noted.
                c.f.warning(
                    &t.at(row, "date"),
                    "milestones are listed in date order",
                    Some(format!("{d} after {before}")),
                );
            }
            previous = date.or(previous);
            if let (Some(name), Some(date)) = (name, date) {
                bid.milestones.push(Milestone {
                    name,
                    date,
                    description: description.unwrap_or_default(),
                });
            }
        }
    }

    // The rules every bid meets, placed on the cells they concern. A rule over several
    // values is left out when one of its sheets already has an error: it would only echo
    // that error through the placeholder read in its place.
    let mut sheets_with_errors: HashSet<String> =
        p.f.flagged.iter().map(|(s, _)| s.clone()).collect();
    for name in SHEETS {
        if !p.sheets.contains_key(name) {
            sheets_with_errors.insert(name.to_string());
        }
    }
    let depends_on = |table: &str| -> Vec<&'static str> {
        match table.split(['[', '.']).next().unwrap_or("") {
            "financing" => vec!["Financing", "Capex", "Instructions"],
            "bid" => vec!["Instructions"],
            "capex" => vec!["Capex"],
            "site" => vec!["Site & Energy"],
            "hardware" => vec!["Hardware"],
            "consortium" => vec!["Consortium"],
            _ => Vec::new(),
        }
    };
    let mut rules = Problems::new(file);
    if check_bid(&mut rules, &bid, &known_here).is_ok()
        && let Err(Error::Invalid(list)) = rules.finish(())
    {
        for problem in list {
            let table = problem.location.sheet.clone().unwrap_or_default();
            if depends_on(&table)
                .iter()
                .any(|s| sheets_with_errors.contains(&sheet_name(book, s)))
            {
                continue;
            }
            let (sheet, cell, field) = places.locate(&problem.location);
            if let Some(c) = &cell
                && p.f.flagged.contains(&(sheet.clone(), c.clone()))
            {
                continue;
            }
            p.f.add(
                Severity::Error,
                &sheet,
                cell,
                field.as_deref(),
                problem.rule,
                problem.found,
            );
        }
    }

    WorkbookRead {
        file: file.to_string(),
        format: format.to_string(),
        bid: Some(bid),
        other_accelerators: others,
        findings: p.f.list,
        sha256: String::new(),
    }
}

/// The workbook's own name of a template sheet (it may differ in case or spaces).
fn sheet_name(book: &Book, template: &str) -> String {
    book.sheets
        .iter()
        .find(|s| normalise(&s.name) == normalise(template))
        .map(|s| s.name.clone())
        .unwrap_or_else(|| template.to_string())
}

fn country(
    c: &mut Cells<'_>,
    at: &At,
    v: &Value,
    countries: &crate::countries::Countries,
) -> Option<CountryCode> {
    let s = c.text(at, v, true)?;
    let code = s.trim().to_uppercase();
    if countries.get(&code).is_some() {
        return Some(CountryCode(code));
    }
    // A country's name instead of its code.
    if let Some(found) = countries
        .iter()
        .find(|k| k.en.eq_ignore_ascii_case(s.trim()) || k.fr.eq_ignore_ascii_case(s.trim()))
    {
        c.f.warning(
            at,
            "a country's name was read as its code: choose the code from the list",
            Some(format!("'{s}' → {}", found.code)),
        );
        return Some(CountryCode(found.code.clone()));
    }
    c.f.error(
        at,
        "an ISO 3166 country code from the list, such as DE or FR",
        Some(shown(v)),
    );
    None
}

fn other(c: &mut Cells<'_>, t: &Table<'_>, row: u32) -> Option<DeclaredAccelerator> {
    let name = c.text(&t.at(row, "other_name"), t.value(row, "other_name"), true);
    let mut spec = |field: &'static str, hi: f64, rule: &str| {
        c.ranged(
            &t.at(row, field),
            t.value(row, field),
            f64::MIN_POSITIVE,
            hi,
            rule,
        )
    };
    let fp8 = spec(
        "other_fp8_tflops",
        1e6,
        "the FP8 TFLOP/s of an \"other\" accelerator, a positive number",
    );
    let bf16 = spec(
        "other_bf16_tflops",
        1e6,
        "the BF16 TFLOP/s of an \"other\" accelerator, a positive number",
    );
    let tdp = spec(
        "other_tdp_w",
        1e5,
        "the power (TDP) in watts of an \"other\" accelerator, a positive number",
    );
    Some(DeclaredAccelerator {
        name: name?,
        fp8_tflops: fp8?,
        bf16_tflops: bf16?,
        tdp_w: tdp?,
    })
}

fn cost_lines<C: serde::de::DeserializeOwned + Copy>(
    f: &mut Findings,
    t: &Table<'_>,
    names: &[&str],
) -> Vec<CostLine<C>> {
    let mut out = Vec::new();
    // The categories decoded once, not per line.
    let known: HashMap<&str, C> = names
        .iter()
        .filter_map(|n| {
            serde_json::from_value::<C>(serde_json::Value::String((*n).to_string()))
                .ok()
                .map(|c| (*n, c))
        })
        .collect();
    let mut c = Cells { f };
    for row in t.rows() {
        let year = c.whole(
            &t.at(row, "year"),
            t.value(row, "year"),
            2000,
            2100,
            "a year from 2000 to 2100",
        );
        let category: Option<C> = match t.value(row, "category") {
            Value::Text(s) if known.contains_key(s.as_str()) => known.get(s.as_str()).copied(),
            v => c.choice(&t.at(row, "category"), v, names),
        };
        let description = c
            .text(
                &t.at(row, "description"),
                t.value(row, "description"),
                false,
            )
            .unwrap_or_default();
        let amount = c.amount(&t.at(row, "amount_eur"), t.value(row, "amount_eur"), true);
        if let (Some(year), Some(category), Some(amount)) = (year, category, amount) {
            out.push(CostLine {
                year: year as i32,
                category,
                description,
                amount,
            });
        }
    }
    out
}

/// Where the values of the bid were read: (table, field) of [`check_bid`]'s problems to
/// a sheet and cell.
#[derive(Default)]
struct Places {
    map: HashMap<(String, String), (String, String)>,
}

impl Places {
    fn put(&mut self, table: &str, field: &str, at: &At) {
        self.map.insert(
            (table.to_string(), field.to_string()),
            (at.sheet.clone(), at.cell()),
        );
    }

    fn put_first(&mut self, table: &str, field: &str, t: &Table<'_>, column: &'static str) {
        let row = t.rows().next().unwrap_or(t.header_row + 1);
        self.put(table, field, &t.at(row, column));
    }

    fn locate(&self, l: &Location) -> (String, Option<String>, Option<String>) {
        let table = l.sheet.clone().unwrap_or_default();
        let field = l.field.clone().unwrap_or_default();
        match self.map.get(&(table.clone(), field.clone())) {
            Some((sheet, cell)) => (sheet.clone(), Some(cell.clone()), Some(field)),
            None => (table, None, Some(field)),
        }
    }
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
