//! Taking in many submissions at once: submission packages and applicant workbooks, from
//! a folder or a list of files. Each file is imported on its own (all or nothing for that
//! file): one refused file stores nothing and does not stop the others.

use super::applicant::{self, ImportOutcome};
use crate::error::{Error, Location, Problem, Result};
use crate::ingest::display_name;
use crate::model::Actor;
use crate::store::Store;
use serde::Serialize;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// What a file was taken for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum IntakeKind {
    /// A submission package (zip with a manifest): imported as submitted.
    Package,
    /// An applicant workbook (.xlsx, .xlsm, .xls, .ods): imported into the chosen call.
    Workbook,
}

/// The result of taking in one file.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Intake {
    pub file: String,
    pub path: String,
    pub kind: IntakeKind,
    /// What was stored (or that the file was identical to the stored version).
    pub imported: Option<ImportOutcome>,
    /// Why it was refused: every problem with its file, sheet, cell and rule.
    pub problems: Vec<Problem>,
}

const WORKBOOK_EXTENSIONS: [&str; 4] = ["xlsx", "xlsm", "xls", "ods"];

/// A submission package is a zip holding `manifest.json`; a workbook is one of the
/// spreadsheet formats. The content decides (an .xlsx is a zip too, and a package renamed
/// .xlsx is still a package); other files are not taken in.
fn kind_of(path: &Path) -> Option<IntakeKind> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if ext != "zip" && !WORKBOOK_EXTENSIONS.contains(&ext.as_str()) {
        return None;
    }
    let is_package = std::fs::File::open(path)
        .ok()
        .and_then(|f| zip::ZipArchive::new(std::io::BufReader::new(f)).ok())
        .is_some_and(|z| {
            z.index_for_name("manifest.json").is_some()
                && z.index_for_name("[Content_Types].xml").is_none()
        });
    Some(if is_package || ext == "zip" {
        IntakeKind::Package
    } else {
        IntakeKind::Workbook
    })
}

/// The files of a folder Gigafund can take in (packages and workbooks), sorted by name;
/// sub-folders one level down are included (a folder per applicant is common).
pub fn files_in(dir: &Path) -> Result<Vec<String>> {
    fn visit(d: &Path, depth: u32, found: &mut Vec<PathBuf>) -> Result<()> {
        for entry in std::fs::read_dir(d).map_err(|e| Error::io(d, e))? {
            let path = entry.map_err(|e| Error::io(d, e))?.path();
            let hidden = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(['.', '~']));
            if hidden {
                continue;
            }
            if path.is_dir() {
                if depth == 0 {
                    visit(&path, 1, found)?;
                }
            } else if kind_of(&path).is_some() {
                found.push(path);
            }
        }
        Ok(())
    }
    let mut found = Vec::new();
    visit(dir, 0, &mut found)?;
    found.sort();
    Ok(found.into_iter().map(|p| p.display().to_string()).collect())
}

/// Takes in one file: a submission package (as submitted, its own call) or a workbook
/// into `call` (submitted with `submit`). A refused file is an `Intake` with its problems
/// and stores nothing; only a broken database is an error.
pub fn intake(
    store: &mut Store,
    actor: &Actor,
    path: &Path,
    call: Option<&str>,
    submit: bool,
) -> Result<Intake> {
    let file = display_name(path);
    let Some(kind) = kind_of(path) else {
        return Ok(refused(
            path,
            IntakeKind::Workbook,
            vec![Problem {
                location: Location::file(file),
                rule: "a submission package (.zip) or an applicant workbook (.xlsx, .xlsm, .xls, .ods)".into(),
                found: path.extension().map(|e| e.to_string_lossy().into_owned()),
            }],
        ));
    };
    let result = match (kind, call) {
        (IntakeKind::Package, _) => applicant::import_package(store, actor, path),
        (IntakeKind::Workbook, Some(code)) => {
            applicant::import_workbook(store, actor, path, code, submit)
        }
        (IntakeKind::Workbook, None) => Err(Error::invalid(
            Location::file(&file),
            "a workbook is taken into a call: choose the call first",
            None,
        )),
    };
    match result {
        Ok(outcome) => Ok(Intake {
            file,
            path: path.display().to_string(),
            kind,
            imported: Some(outcome),
            problems: Vec::new(),
        }),
        Err(Error::Invalid(problems)) => Ok(refused(path, kind, problems)),
        Err(e @ (Error::Internal(_) | Error::Database(_))) => Err(e),
        Err(e) => Ok(refused(
            path,
            kind,
            vec![Problem {
                location: Location::file(&file),
                rule: e.to_string(),
                found: None,
            }],
        )),
    }
}

fn refused(path: &Path, kind: IntakeKind, problems: Vec<Problem>) -> Intake {
    Intake {
        file: display_name(path),
        path: path.display().to_string(),
        kind,
        imported: None,
        problems,
    }
}
