//! The annotated return: a copy of the applicant's workbook in which every finding is a
//! note on its cell and the cell is highlighted (red for errors, amber for warnings), with
//! a first sheet listing the findings, each linked to its cell.
//!
//! The copy keeps every sheet, value and formula (with its cached result) of the original;
//! it is written as .xlsx whatever the original format, so cell styles, validations and
//! protection of the original are not carried over.

use super::workbook::{Finding, Severity, parse_cell_ref};
use crate::error::{Error, Result};
use calamine::{Data, Reader};
use rust_xlsxwriter::{Color, Format, FormatBorder, Formula, Note, Url, Workbook, XlsxError};
use std::collections::HashMap;
use std::path::Path;

fn xlsx(e: XlsxError) -> Error {
    Error::Internal(format!("annotated workbook: {e}"))
}

/// Sheet names as Excel accepts them (31 characters, no `[]:*?/\`).
fn sheet_name(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect();
    if cleaned.trim().is_empty() {
        "Sheet".into()
    } else {
        cleaned
    }
}

/// The annotated copy of `source` with `findings`.
pub fn annotated(findings: &[Finding], source: &Path) -> Result<Vec<u8>> {
    let mut book = calamine::open_workbook_auto(source).map_err(|e| {
        Error::invalid(
            crate::error::Location::file(super::display_name(source)),
            "the workbook cannot be read, so it cannot be annotated: fix the first finding of `bid check`",
            Some(e.to_string()),
        )
    })?;
    let mut wb = Workbook::new();
    let error_fill = Format::new()
        .set_background_color(Color::RGB(0xF8C9C4))
        .set_border(FormatBorder::Medium)
        .set_border_color(Color::RGB(0xC0392B));
    let warning_fill = Format::new()
        .set_background_color(Color::RGB(0xFCE8B2))
        .set_border(FormatBorder::Thin)
        .set_border_color(Color::RGB(0xD68910));
    let plain = Format::new();
    let header = Format::new()
        .set_bold()
        .set_font_color(Color::White)
        .set_background_color(Color::RGB(0x003399));

    // The findings sheet first.
    let names: Vec<String> = book.sheet_names();
    {
        let ws = wb.add_worksheet();
        ws.set_name("Gigafund findings").map_err(xlsx)?;
        let cols = [
            "severity", "stage", "sheet", "cell", "field", "rule", "found",
        ];
        for (c, h) in cols.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &header)
                .map_err(xlsx)?;
        }
        for (c, w) in [10.0, 13.0, 16.0, 8.0, 20.0, 70.0, 36.0].iter().enumerate() {
            ws.set_column_width(c as u16, *w).map_err(xlsx)?;
        }
        for (i, f) in findings.iter().enumerate() {
            let r = i as u32 + 1;
            let sev = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let fill = match f.severity {
                Severity::Error => &error_fill,
                Severity::Warning => &warning_fill,
            };
            ws.write_string_with_format(r, 0, sev, fill).map_err(xlsx)?;
            ws.write_string(r, 1, format!("{:?}", f.stage).to_lowercase())
                .map_err(xlsx)?;
            ws.write_string(r, 2, f.sheet.as_deref().unwrap_or(""))
                .map_err(xlsx)?;
            match (&f.sheet, &f.cell) {
                (Some(s), Some(c))
                    if parse_cell_ref(c).is_some() && names.iter().any(|n| n == s) =>
                {
                    let url =
                        Url::new(format!("internal:'{}'!{c}", sheet_name(s))).set_text(c.as_str());
                    ws.write_url(r, 3, &url).map_err(xlsx)?;
                }
                (_, Some(c)) => {
                    ws.write_string(r, 3, c).map_err(xlsx)?;
                }
                _ => {}
            }
            ws.write_string(r, 4, f.field.as_deref().unwrap_or(""))
                .map_err(xlsx)?;
            ws.write_string(r, 5, &f.rule).map_err(xlsx)?;
            ws.write_string(r, 6, f.found.as_deref().unwrap_or(""))
                .map_err(xlsx)?;
        }
        ws.set_freeze_panes(1, 0).map_err(xlsx)?;
        ws.autofilter(0, 0, findings.len() as u32, 6)
            .map_err(xlsx)?;
    }

    // Findings per sheet and cell (several on one cell share one note).
    let mut notes: HashMap<(String, u32, u32), (Severity, Vec<String>)> = HashMap::new();
    for f in findings {
        let (Some(s), Some(c)) = (&f.sheet, &f.cell) else {
            continue;
        };
        let Some((r, col)) = parse_cell_ref(c) else {
            continue;
        };
        let e = notes
            .entry((s.clone(), r, col))
            .or_insert((f.severity, Vec::new()));
        e.0 = e.0.min(f.severity);
        let mut line = f.rule.clone();
        if let Some(found) = &f.found {
            line.push_str(&format!(" (found: {found})"));
        }
        e.1.push(line);
    }

    for name in &names {
        let range = book
            .worksheet_range(name)
            .map_err(|e| Error::Internal(format!("annotated workbook: sheet {name}: {e}")))?;
        let formulas = book.worksheet_formula(name).ok();
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(name)).map_err(xlsx)?;
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let formula_at = |r: u32, c: u32| -> Option<String> {
            let f = formulas.as_ref()?;
            let (fr, fc) = f.start()?;
            if r < fr || c < fc {
                return None;
            }
            f.get(((r - fr) as usize, (c - fc) as usize))
                .filter(|s| !s.is_empty())
                .cloned()
        };
        let mut written = std::collections::HashSet::new();
        for (r, c, v) in range.used_cells() {
            let (r, c) = (r0 + r as u32, c0 + c as u32);
            if c > 16_383 {
                continue;
            }
            let col = c as u16;
            let note = notes.get(&(name.clone(), r, c));
            let fmt = match note.map(|n| n.0) {
                Some(Severity::Error) => Some(&error_fill),
                Some(Severity::Warning) => Some(&warning_fill),
                None => None,
            };
            if let Some(f) = formula_at(r, c) {
                let result = match v {
                    Data::Float(x) => x.to_string(),
                    Data::Int(x) => x.to_string(),
                    Data::String(s) => s.clone(),
                    _ => String::new(),
                };
                let formula = Formula::new(format!("={f}")).set_result(result);
                ws.write_formula_with_format(r, col, formula, fmt.unwrap_or(&plain))
                    .map_err(xlsx)?;
                written.insert((r, c));
                continue;
            }
            // Header cells of the first row keep a header look unless a finding marks them.
            let fm = match fmt {
                Some(f) => f,
                None if r == 0 => &header,
                None => &plain,
            };
            match v {
                Data::String(s) => ws.write_string_with_format(r, col, s, fm),
                Data::Float(x) => ws.write_number_with_format(r, col, *x, fm),
                Data::Int(x) => ws.write_number_with_format(r, col, *x as f64, fm),
                Data::Bool(b) => ws.write_boolean_with_format(r, col, *b, fm),
                Data::Error(e) => ws.write_string_with_format(r, col, e.to_string(), fm),
                Data::DateTime(t) => ws.write_number_with_format(
                    r,
                    col,
                    t.as_f64(),
                    &fm.clone().set_num_format("yyyy-mm-dd"),
                ),
                Data::DateTimeIso(s) | Data::DurationIso(s) => match super::workbook::iso_date(s) {
                    Some(d) => {
                        let epoch =
                            chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default();
                        let serial = (d - epoch).num_days() as f64;
                        ws.write_number_with_format(
                            r,
                            col,
                            serial,
                            &fm.clone().set_num_format("yyyy-mm-dd"),
                        )
                    }
                    None => ws.write_string_with_format(r, col, s, fm),
                },
                Data::Empty => continue,
            }
            .map_err(xlsx)?;
            written.insert((r, c));
        }
        for c in 0..range.width().min(30) {
            ws.set_column_width(c as u16, 18).map_err(xlsx)?;
        }
        for ((sheet, r, c), (severity, lines)) in &notes {
            if sheet != name || *c > 16_383 {
                continue;
            }
            if !written.contains(&(*r, *c)) {
                let fm = if *severity == Severity::Error {
                    &error_fill
                } else {
                    &warning_fill
                };
                ws.write_blank(*r, *c as u16, fm).map_err(xlsx)?;
            }
            let note = Note::new(lines.join("\n"))
                .set_author("Gigafund")
                .set_width(360)
                .set_height(40 + 30 * lines.len() as u32);
            ws.insert_note(*r, *c as u16, &note).map_err(xlsx)?;
        }
    }
    wb.save_to_buffer().map_err(xlsx)
}
