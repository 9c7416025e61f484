//! Documents and charts. One chart function serves the UI (SVG) and, later, the PDF
//! reports.

pub mod charts;
pub mod derisking;
pub mod finance_charts;
pub mod format;
pub mod pdf;
