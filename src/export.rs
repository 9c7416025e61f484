//! Tables the office takes to a spreadsheet: written as .xlsx (numbers as numbers, dates as
//! dates, euros with their format) or CSV (UTF-8, a header row). A text cell that a
//! spreadsheet would read as a formula (starting with = + - − @, a tab or a carriage
//! return) is neutralised: a leading apostrophe in CSV, the quote prefix in .xlsx, so that
//! a bid's name can never run as a formula on the office's machine.

use crate::error::{Error, Result};
use crate::model::Eur;
use chrono::NaiveDate;
use std::path::Path;

#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Money(Eur),
    Date(Option<NaiveDate>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The sheet's name (at most 31 characters in .xlsx).
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Whether a spreadsheet would take this text for a formula.
pub fn is_formula_like(s: &str) -> bool {
    matches!(
        s.chars().next(),
        Some('=' | '+' | '-' | '−' | '@' | '\t' | '\r')
    )
}

/// The text as a CSV cell may carry it: formula-like text behind an apostrophe.
pub fn neutral(s: &str) -> String {
    if is_formula_like(s) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

impl Table {
    /// CSV: a header row, then the rows; euros with two decimals, dates as YYYY-MM-DD.
    pub fn to_csv(&self) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let x = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
        w.write_record(self.headers.iter().map(|h| neutral(h)))
            .map_err(x)?;
        for row in &self.rows {
            w.write_record(row.iter().map(|c| match c {
                Cell::Text(s) => neutral(s),
                Cell::Number(v) => format!("{v}"),
                Cell::Money(e) => format!("{:.2}", e.as_euros_f64()),
                Cell::Date(d) => d.map(|d| d.to_string()).unwrap_or_default(),
            }))
            .map_err(x)?;
        }
        w.into_inner()
            .map_err(|e| Error::Internal(format!("writing CSV: {e}")))
    }

    /// One worksheet with a bold, frozen header row, an autofilter and fitted columns.
    pub fn to_xlsx(&self) -> Result<Vec<u8>> {
        use rust_xlsxwriter::{Format, Workbook};
        let x =
            |e: rust_xlsxwriter::XlsxError| Error::Internal(format!("writing the workbook: {e}"));
        let mut wb = Workbook::new();
        let bold = Format::new().set_bold();
        let money = Format::new().set_num_format("#,##0.00");
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let quoted = Format::new().set_quote_prefix();
        let ws = wb.add_worksheet();
        let name: String = self
            .name
            .chars()
            .filter(|c| !"[]:*?/\\".contains(*c))
            .take(31)
            .collect();
        ws.set_name(&name).map_err(x)?;
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for (c, h) in self.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)
                .map_err(x)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let col = c as u16;
                let shown = match cell {
                    Cell::Text(s) => {
                        if is_formula_like(s) {
                            ws.write_string_with_format(r, col, s, &quoted).map_err(x)?;
                        } else {
                            ws.write_string(r, col, s).map_err(x)?;
                        }
                        s.chars().count()
                    }
                    Cell::Number(v) => {
                        ws.write_number(r, col, *v).map_err(x)?;
                        10
                    }
                    Cell::Money(e) => {
                        ws.write_number_with_format(r, col, e.as_euros_f64(), &money)
                            .map_err(x)?;
                        16
                    }
                    Cell::Date(Some(d)) => {
                        let xd = rust_xlsxwriter::ExcelDateTime::from_ymd(
                            d.format("%Y").to_string().parse().unwrap_or(1900),
                            d.format("%m").to_string().parse().unwrap_or(1),
                            d.format("%d").to_string().parse().unwrap_or(1),
                        )
                        .map_err(x)?;
                        ws.write_datetime_with_format(r, col, &xd, &date)
                            .map_err(x)?;
                        11
                    }
                    Cell::Date(None) => 0,
                };
                if let Some(w) = widths.get_mut(c) {
                    *w = (*w).max(shown);
                }
            }
        }
        for (c, w) in widths.iter().enumerate() {
            ws.set_column_width(c as u16, (*w as f64 + 2.0).min(60.0))
                .map_err(x)?;
        }
        ws.set_freeze_panes(1, 0).map_err(x)?;
        if !self.headers.is_empty() {
            ws.autofilter(0, 0, self.rows.len() as u32, self.headers.len() as u16 - 1)
                .map_err(x)?;
        }
        wb.save_to_buffer().map_err(x)
    }

    /// Writes the table to `path`: .csv as CSV, anything else as .xlsx; never over an
    /// existing file unless `replace`.
    pub fn write(&self, path: &Path, replace: bool) -> Result<usize> {
        let csv = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        let bytes = if csv { self.to_csv()? } else { self.to_xlsx()? };
        write_file(path, &bytes, replace)?;
        Ok(bytes.len())
    }
}

/// Writes a generated file: never over another file unless `replace`, and written beside
/// then moved in place, so that a failed write leaves no half file.
pub fn write_file(path: &Path, bytes: &[u8], replace: bool) -> Result<()> {
    if !replace && path.exists() {
        return Err(Error::Conflict(format!(
            "{} already exists: a generated file is never written over another file",
            path.display()
        )));
    }
    let part = path.with_extension("part");
    std::fs::write(&part, bytes).map_err(|e| Error::io(&part, e))?;
    std::fs::rename(&part, path).map_err(|e| Error::io(path, e))
}
