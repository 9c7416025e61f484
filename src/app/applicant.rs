//! The applicant workbook's journey: the readiness check, the import (a new version each
//! time, with a readable diff), the submission package and its verification on import.

use crate::countries::countries;
use crate::eligibility::{self, RuleOutcome};
use crate::error::{Error, Location, Problem, Result};
use crate::ingest::workbook::{self, Finding, Severity, Stage, WorkbookRead};
use crate::ingest::{self, display_name};
use crate::model::{Actor, Bid, BidStatus, Call, DeclaredAccelerator, EligibilityCheck, Eur};
use crate::report::submission;
use crate::store::{self, Store, bids::VersionRow};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// The accelerator keys a workbook may name: the database's, or the shipped list.
pub fn known_accelerators(store: &Store) -> Result<Vec<String>> {
    let mut keys: Vec<String> = store::benchmarks::accelerators(store.conn())?
        .into_iter()
        .map(|a| a.key)
        .collect();
    if keys.is_empty() {
        keys = ingest::hardware::parse(
            "hardware.csv",
            include_str!("../../sample-data/benchmarks/hardware.csv"),
        )?
        .into_iter()
        .map(|a| a.key)
        .collect();
    }
    Ok(keys)
}

/// One difference between two versions of a bid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Change {
    /// `consortium.members[2].organisation.country`, `sites[1].pue`, …
    pub path: String,
    /// `changed`, `added` or `removed`.
    pub kind: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What `bid check` reports, and what the import screen previews.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct CheckReport {
    pub file: String,
    pub format: String,
    pub call: String,
    /// No error of any stage.
    pub ready: bool,
    pub errors: u32,
    pub warnings: u32,
    /// Import problems, then eligibility, then completeness.
    pub findings: Vec<Finding>,
    pub eligibility: Vec<RuleOutcome>,
    pub bid: Option<Bid>,
    pub declared_accelerators: Vec<DeclaredAccelerator>,
    /// The latest stored version of the same bid, and what this file would change in it.
    pub previous: Option<VersionRow>,
    pub changes: Vec<Change>,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
}

impl CheckReport {
    /// The errors of one check, or of all (`None`), as problems.
    fn errors(&self, stage: Option<Stage>) -> Vec<Problem> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error && stage.is_none_or(|s| f.stage == s))
            .map(Finding::to_problem)
            .collect()
    }
}

/// Reads and checks a workbook against a call: import problems, eligibility, completeness.
pub fn check_workbook(store: &Store, path: &Path, call_code: &str) -> Result<CheckReport> {
    let call = store::calls::by_code(store.conn(), call_code)?;
    let known: HashSet<String> = known_accelerators(store)?.into_iter().collect();
    let read = workbook::read(path, &known, Some(call_code))?;
    check_read(store, &call, read)
}

fn check_read(store: &Store, call: &Call, read: WorkbookRead) -> Result<CheckReport> {
    let WorkbookRead {
        file,
        format,
        bid,
        other_accelerators,
        mut findings,
        sha256,
    } = read;
    let mut outcomes = Vec::new();
    let mut previous = None;
    let mut changes = Vec::new();
    let import_errors = findings.iter().any(|f| f.severity == Severity::Error);
    // Eligibility, completeness and the diff are only meaningful on a workbook read
    // without error: a value that failed is a placeholder in `bid`.
    if let Some(bid) = bid.as_ref().filter(|_| !import_errors) {
        outcomes = eligibility::check(call, bid, countries()?);
        for o in outcomes.iter().filter(|o| !o.passed) {
            let (sheet, cell, field) = eligibility_place(call, &o.code);
            findings.push(Finding {
                severity: Severity::Error,
                stage: Stage::Eligibility,
                file: file.clone(),
                sheet: Some(sheet.to_string()),
                cell: cell.map(str::to_string),
                field: Some(field.to_string()),
                rule: format!("{} ({})", o.description, o.code),
                found: Some(o.detail.clone()),
            });
        }
        findings.extend(completeness(&file, bid));
        if let Ok(call_id) = store::calls::id_of(store.conn(), &call.code) {
            let versions = store::bids::versions(store.conn(), call_id, &bid.acronym)?;
            if let Some(last) = versions.last() {
                let stored = store::bids::get(store.conn(), last.id)?;
                changes = diff(&stored, bid);
                previous = Some(last.clone());
            }
        }
    }
    // Errors first, then by stage, sheet and cell as a person reads a sheet.
    findings.sort_by(|a, b| {
        (a.severity, a.stage)
            .cmp(&(b.severity, b.stage))
            .then_with(|| sheet_order(&a.sheet).cmp(&sheet_order(&b.sheet)))
            .then_with(|| cell_order(&a.cell).cmp(&cell_order(&b.cell)))
    });
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count() as u32;
    let warnings = findings.len() as u32 - errors;
    Ok(CheckReport {
        file,
        format,
        call: call.code.clone(),
        ready: errors == 0 && bid.is_some(),
        errors,
        warnings,
        findings,
        eligibility: outcomes,
        bid,
        declared_accelerators: other_accelerators,
        previous,
        changes,
        sha256,
    })
}

fn sheet_order(sheet: &Option<String>) -> usize {
    sheet
        .as_deref()
        .and_then(|s| {
            ingest::workbook_template::SHEETS
                .iter()
                .position(|t| t.eq_ignore_ascii_case(s))
        })
        .unwrap_or(usize::MAX)
}

fn cell_order(cell: &Option<String>) -> (u32, u32) {
    cell.as_deref()
        .and_then(workbook::parse_cell_ref)
        .unwrap_or((u32::MAX, u32::MAX))
}

/// The sheet, cell and field an eligibility rule concerns.
fn eligibility_place(
    call: &Call,
    code: &str,
) -> (&'static str, Option<&'static str>, &'static str) {
    let check = call
        .eligibility
        .iter()
        .find(|r| r.code == code)
        .map(|r| &r.check);
    match check {
        Some(
            EligibilityCheck::AcceleratorsMoreThan { .. }
            | EligibilityCheck::AcceleratorsAtLeast { .. },
        ) => ("Hardware", None, "count"),
        Some(EligibilityCheck::SitesIn { .. }) => ("Site & Energy", None, "country"),
        Some(EligibilityCheck::CoordinatorIn { .. }) => ("Consortium", None, "country"),
        Some(EligibilityCheck::HostingEntityIn { .. }) => ("Consortium", None, "country"),
        Some(EligibilityCheck::MembersIn { .. }) => ("Consortium", None, "country"),
        Some(EligibilityCheck::MinMembers { .. }) => ("Consortium", None, "name"),
        Some(EligibilityCheck::MemberStateCofinancing) => {
            ("Instructions", Some("B9"), "requested_member_state_eur")
        }
        Some(EligibilityCheck::MaxEuShareOfCapex { .. }) => {
            ("Instructions", Some("B8"), "requested_eu_eur")
        }
        None => ("Instructions", None, "call"),
    }
}

/// What evaluators need to find in a complete submission, beyond the bid's own rules.
fn completeness(file: &str, bid: &Bid) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut add = |severity, sheet: &str, field: &str, rule: &str, found: Option<String>| {
        out.push(Finding {
            severity,
            stage: Stage::Completeness,
            file: file.to_string(),
            sheet: Some(sheet.to_string()),
            cell: Some("A2".to_string()),
            field: Some(field.to_string()),
            rule: rule.to_string(),
            found,
        })
    };
    if bid.opex.is_empty() {
        add(
            Severity::Error,
            "Opex",
            "amount_eur",
            "operating costs are required: evaluators and analysts assess the cost of operation year by year",
            Some("no opex lines".into()),
        );
    }
    if bid.milestones.is_empty() {
        add(
            Severity::Error,
            "Milestones",
            "milestone",
            "the implementation plan has at least one milestone with its date",
            Some("no milestones".into()),
        );
    }
    if bid.scope.is_empty() {
        add(
            Severity::Warning,
            "Instructions",
            "scope",
            "the scope names the parts of the call the bid covers (used when bids are ranked equal)",
            Some("empty".into()),
        );
    }
    if !bid
        .opex
        .iter()
        .any(|l| l.category == crate::model::OpexCategory::Electricity)
        && !bid.opex.is_empty()
    {
        add(
            Severity::Warning,
            "Opex",
            "category",
            "an electricity line is expected: energy is the largest operating cost of an AI factory",
            None,
        );
    }
    let first_live = bid.sites.iter().map(|s| s.go_live).min();
    if let (Some(live), Some(last)) = (first_live, bid.opex.iter().map(|l| l.year).max()) {
        use chrono::Datelike;
        if last < live.year() {
            add(
                Severity::Warning,
                "Opex",
                "year",
                "operating costs cover the years after go-live",
                Some(format!("last opex year {last}, go-live {live}")),
            );
        }
    }
    out
}

/// The differences between two versions, field by field.
pub fn diff(before: &Bid, after: &Bid) -> Vec<Change> {
    let a = comparable(before);
    let b = comparable(after);
    let mut out = Vec::new();
    walk("", &a, &b, &mut out);
    out
}

/// The bid as JSON without what differs by storage (ids, version, status, dates).
fn comparable(bid: &Bid) -> serde_json::Value {
    let mut v = serde_json::to_value(bid).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        for k in ["id", "version", "status", "submitted_at", "call_code"] {
            o.remove(k);
        }
        if let Some(c) = o.get_mut("consortium").and_then(|c| c.as_object_mut()) {
            c.remove("id");
            if let Some(ms) = c.get_mut("members").and_then(|m| m.as_array_mut()) {
                for m in ms {
                    if let Some(org) = m.get_mut("organisation").and_then(|o| o.as_object_mut()) {
                        org.remove("id");
                    }
                }
            }
        }
    }
    v
}

const MONEY: [&str; 8] = [
    "amount",
    "requested_eu",
    "requested_member_state",
    "eu_grant",
    "member_state_grant",
    "senior_debt",
    "equity",
    "guarantee_amount",
];

fn scalar(path: &str, v: &serde_json::Value) -> String {
    let key = path.rsplit('.').next().unwrap_or("");
    match v {
        serde_json::Value::Number(n) if MONEY.contains(&key) => {
            Eur(n.as_i64().unwrap_or_default()).to_string()
        }
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "—".into(),
        serde_json::Value::Object(o) => {
            // A line or a member in one phrase.
            let name = ["name", "description", "accelerator"]
                .iter()
                .find_map(|k| o.get(*k).and_then(|v| v.as_str()).filter(|s| !s.is_empty()))
                .map(str::to_string)
                .or_else(|| {
                    o.get("organisation")
                        .and_then(|g| g.get("name"))
                        .and_then(|v| v.as_str())
                        .map(str::to_string)
                });
            let amount = o
                .get("amount")
                .and_then(|v| v.as_i64())
                .map(|c| Eur(c).to_string());
            let year = o.get("year").map(|y| y.to_string());
            [year, name, amount]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ")
        }
        other => other.to_string(),
    }
}

fn walk(path: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<Change>) {
    use serde_json::Value;
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                match y.get(k) {
                    Some(vb) => walk(&join(k), va, vb, out),
                    None => out.push(Change {
                        path: join(k),
                        kind: "removed".into(),
                        before: Some(scalar(&join(k), va)),
                        after: None,
                    }),
                }
            }
            for (k, vb) in y {
                if !x.contains_key(k) {
                    out.push(Change {
                        path: join(k),
                        kind: "added".into(),
                        before: None,
                        after: Some(scalar(&join(k), vb)),
                    });
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.iter().chain(y).all(|v| v.is_object()) => {
            for i in 0..x.len().max(y.len()) {
                let p = format!("{path}[{}]", i + 1);
                match (x.get(i), y.get(i)) {
                    (Some(va), Some(vb)) => walk(&p, va, vb, out),
                    (Some(va), None) => out.push(Change {
                        path: p.clone(),
                        kind: "removed".into(),
                        before: Some(scalar(&p, va)),
                        after: None,
                    }),
                    (None, Some(vb)) => out.push(Change {
                        path: p.clone(),
                        kind: "added".into(),
                        before: None,
                        after: Some(scalar(&p, vb)),
                    }),
                    (None, None) => {}
                }
            }
        }
        (x, y) if x != y => {
            let show = |v: &Value| match v {
                Value::Array(items) => items
                    .iter()
                    .map(|i| scalar(path, i))
                    .collect::<Vec<_>>()
                    .join(", "),
                other => scalar(path, other),
            };
            out.push(Change {
                path: path.to_string(),
                kind: "changed".into(),
                before: Some(show(x)),
                after: Some(show(y)),
            });
        }
        _ => {}
    }
}

/// What an import stored.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ImportOutcome {
    pub bid_id: i64,
    pub call: String,
    pub acronym: String,
    pub version: u32,
    pub status: BidStatus,
    /// The file was identical to the latest version: nothing was stored.
    pub unchanged: bool,
    pub changes: Vec<Change>,
    pub warnings: Vec<Finding>,
}

/// Imports a workbook as a new version of its bid: a draft, or submitted with `submit`
/// (which also needs the completeness rules met). Any import error refuses the import and
/// stores nothing; an earlier version, submitted or not, is never changed.
pub fn import_workbook(
    store: &mut Store,
    actor: &Actor,
    path: &Path,
    call_code: &str,
    submit: bool,
) -> Result<ImportOutcome> {
    let report = check_workbook(store, path, call_code)?;
    store_checked(
        store,
        actor,
        report,
        submit.then_some((actor.at, WhenLate::Refuse)),
    )
}

/// What happens to a submission that comes after the call closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WhenLate {
    /// Refused: the applicant (or the office) imports it as a draft if they want it kept.
    Refuse,
    /// Kept as a late draft, marked with when it came (a package taken in by the office).
    KeepAsDraft,
}

/// When a call stops taking submissions: the end of its deadline day (UTC) plus its grace
/// days.
pub fn closes_at(call: &Call) -> DateTime<Utc> {
    let last_day = call.deadline + chrono::Days::new(u64::from(call.settings.grace_days));
    let end = last_day
        .succ_opt()
        .unwrap_or(last_day)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    DateTime::from_naive_utc_and_offset(end, Utc)
}

fn store_checked(
    store: &mut Store,
    actor: &Actor,
    report: CheckReport,
    submission: Option<(DateTime<Utc>, WhenLate)>,
) -> Result<ImportOutcome> {
    let mut submitted_at = submission.map(|(at, _)| at);
    let import_errors = report.errors(Some(Stage::Import));
    let Some(mut bid) = report.bid.clone().filter(|_| import_errors.is_empty()) else {
        return Err(Error::Invalid(report.errors(None)));
    };
    let incomplete = report.errors(Some(Stage::Completeness));
    if submitted_at.is_some() && !incomplete.is_empty() {
        return Err(Error::Invalid(incomplete));
    }
    let mut warnings: Vec<Finding> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .cloned()
        .collect();
    let call = store::calls::by_code(store.conn(), &report.call)?;
    let closes = closes_at(&call);
    let mut late = None;
    if let Some((at, when_late)) = submission
        && at >= closes
    {
        let closed = format!(
            "the call closed at the end of {}{} (UTC)",
            call.deadline,
            match call.settings.grace_days {
                0 => String::new(),
                1 => " plus 1 grace day".into(),
                n => format!(" plus {n} grace days"),
            }
        );
        match when_late {
            WhenLate::Refuse => {
                return Err(Error::invalid(
                    Location::file(&report.file),
                    format!(
                        "{closed}: a submission after it is refused (import the file without submitting it to keep it as a draft)"
                    ),
                    Some(at.format("%Y-%m-%d %H:%M UTC").to_string()),
                ));
            }
            WhenLate::KeepAsDraft => {
                warnings.push(Finding {
                    severity: Severity::Warning,
                    stage: Stage::Completeness,
                    file: report.file.clone(),
                    sheet: None,
                    cell: None,
                    field: Some("submitted".into()),
                    rule: format!(
                        "{closed}: this submission came later and is kept as a late draft, not as a submission"
                    ),
                    found: Some(at.format("%Y-%m-%d %H:%M UTC").to_string()),
                });
                late = Some(at);
                submitted_at = None;
            }
        }
    }
    if let Some(prev) = &report.previous {
        if report.changes.is_empty()
            && (submitted_at.is_none() || prev.status == BidStatus::Submitted)
        {
            return Ok(ImportOutcome {
                bid_id: prev.id,
                call: report.call,
                acronym: bid.acronym,
                version: prev.version,
                status: prev.status,
                unchanged: true,
                changes: Vec::new(),
                warnings,
            });
        }
        bid.version = prev.version + 1;
    }
    bid.status = if submitted_at.is_some() {
        BidStatus::Submitted
    } else {
        BidStatus::Draft
    };
    bid.submitted_at = submitted_at;
    let declared = report.declared_accelerators.clone();
    let (file, sha) = (report.file.clone(), report.sha256.clone());
    let at = actor.at;
    let acronym = bid.acronym.clone();
    let expected = report.previous.as_ref().map(|p| p.version);
    let id = store.write(actor, |tx| {
        // The version the file was compared with must still be the latest: another import
        // of the same bid meanwhile would otherwise be overwritten by a stale diff.
        let latest = store::bids::versions(tx.conn(), call.id, &acronym)?
            .last()
            .map(|v| v.version);
        if latest != expected {
            return Err(Error::Conflict(format!(
                "{file}: another version of {acronym} was stored meanwhile (now version {}): check the file again",
                latest.unwrap_or(0)
            )));
        }
        let id = store::bids::insert(tx, &bid)?;
        store::bids::insert_declared(tx, id, &declared)?;
        store::bids::set_source(tx, id, &file, &sha, at)?;
        if let Some(when) = late {
            store::bids::mark_late(tx, id, when)?;
        }
        Ok(id)
    })?;
    Ok(ImportOutcome {
        bid_id: id,
        call: report.call,
        acronym: bid.acronym,
        version: bid.version,
        status: bid.status,
        unchanged: false,
        changes: report.changes,
        warnings,
    })
}

/// The versions of a bid, oldest first.
pub fn versions(store: &Store, call_code: &str, acronym: &str) -> Result<Vec<VersionRow>> {
    let call_id = store::calls::id_of(store.conn(), call_code)?;
    let rows = store::bids::versions(store.conn(), call_id, acronym)?;
    if rows.is_empty() {
        return Err(Error::NotFound {
            kind: "bid",
            key: format!("{acronym} in {call_code}"),
        });
    }
    Ok(rows)
}

/// The changes from version `from` to version `to` of a bid.
pub fn version_diff(
    store: &Store,
    call_code: &str,
    acronym: &str,
    from: u32,
    to: u32,
) -> Result<Vec<Change>> {
    let rows = versions(store, call_code, acronym)?;
    let get = |v: u32| {
        rows.iter()
            .find(|r| r.version == v)
            .ok_or_else(|| Error::NotFound {
                kind: "bid version",
                key: format!("{acronym} version {v}"),
            })
            .and_then(|r| store::bids::get(store.conn(), r.id))
    };
    Ok(diff(&get(from)?, &get(to)?))
}

// ---------------------------------------------------------------------------------------
// Submission package

pub const PACKAGE_FORMAT: &str = "gigafund-submission/1";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ManifestFile {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Manifest {
    pub format: String,
    pub call: String,
    pub acronym: String,
    pub title: String,
    pub created_at: String,
    pub created_by: String,
    pub files: Vec<ManifestFile>,
}

/// The validated bid as the package carries it.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct PackagedBid {
    bid: Bid,
    declared_accelerators: Vec<DeclaredAccelerator>,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct PackageOutcome {
    pub path: String,
    pub manifest: Manifest,
    pub warnings: Vec<Finding>,
}

/// Writes the submission package of a ready workbook: the workbook as given, the bid as
/// JSON, the submission summary (PDF, English and French) and a manifest with the SHA-256
/// of each. Refused, with every error, when the workbook is not ready.
pub fn package(
    store: &Store,
    actor: &Actor,
    path: &Path,
    call_code: &str,
    out_dir: &Path,
) -> Result<PackageOutcome> {
    let report = check_workbook(store, path, call_code)?;
    let Some(bid) = report.bid.clone().filter(|_| report.ready) else {
        return Err(Error::Invalid(report.errors(None)));
    };
    let call = store::calls::by_code(store.conn(), call_code)?;
    let workbook_bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or(&report.format)
        .to_lowercase();
    let date: NaiveDate = actor.at.date_naive();
    let data = submission::data(&call, &bid, countries()?);
    let mut files: Vec<(String, Vec<u8>)> = vec![
        (format!("workbook.{ext}"), workbook_bytes),
        (
            "bid.json".into(),
            serde_json::to_vec_pretty(&PackagedBid {
                bid: bid.clone(),
                declared_accelerators: report.declared_accelerators.clone(),
            })
            .map_err(|e| Error::Internal(e.to_string()))?,
        ),
        (
            "submission-summary-en.pdf".into(),
            submission::render(&data, "en", date, None)?,
        ),
        (
            "submission-summary-fr.pdf".into(),
            submission::render(&data, "fr", date, None)?,
        ),
    ];
    let manifest = Manifest {
        format: PACKAGE_FORMAT.into(),
        call: call.code.clone(),
        acronym: bid.acronym.clone(),
        title: bid.title.clone(),
        created_at: actor.at.to_rfc3339_opts(SecondsFormat::Secs, true),
        created_by: actor.name.clone(),
        files: files
            .iter()
            .map(|(name, bytes)| ManifestFile {
                name: name.clone(),
                bytes: bytes.len() as u64,
                sha256: hex_sha256(bytes),
            })
            .collect(),
    };
    files.push((
        "manifest.json".into(),
        serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Internal(e.to_string()))?,
    ));
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let target = out_dir.join(format!(
        "{}-{}-submission.zip",
        super::reports::file_stem(&call.code),
        super::reports::file_stem(&bid.acronym)
    ));
    let part = target.with_extension("zip.part");
    let result = (|| -> std::io::Result<()> {
        let f = std::fs::File::create(&part)?;
        let mut zip = zip::ZipWriter::new(f);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        for (name, bytes) in &files {
            zip.start_file(name.as_str(), options)
                .map_err(std::io::Error::other)?;
            zip.write_all(bytes)?;
        }
        zip.finish().map_err(std::io::Error::other)?.sync_all()
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&part);
        return Err(Error::io(&target, e));
    }
    std::fs::rename(&part, &target).map_err(|e| Error::io(&target, e))?;
    Ok(PackageOutcome {
        path: target.display().to_string(),
        manifest,
        warnings: report
            .findings
            .into_iter()
            .filter(|f| f.severity == Severity::Warning)
            .collect(),
    })
}

fn package_problem(
    file: &str,
    part: Option<&str>,
    rule: impl Into<String>,
    found: Option<String>,
) -> Error {
    let mut location = Location::file(file);
    if let Some(p) = part {
        location = location.with_sheet(p);
    }
    Error::Invalid(vec![Problem {
        location,
        rule: rule.into(),
        found,
    }])
}

/// Imports a submission package: every file's checksum is verified, the workbook inside is
/// read again by the importer (the bid JSON must match it), and the bid is stored as a
/// submitted version dated from the manifest.
pub fn import_package(store: &mut Store, actor: &Actor, path: &Path) -> Result<ImportOutcome> {
    let (_, report, submitted) = read_package(store, path)?;
    store_checked(
        store,
        actor,
        report,
        Some((submitted, WhenLate::KeepAsDraft)),
    )
}

/// What a submission package holds, verified (every checksum, the workbook read again and
/// matched with its bid.json) but not stored: what the office sees before importing it.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct PackageInspection {
    pub file: String,
    pub manifest: Manifest,
    pub check: CheckReport,
    /// Importing would create this version (or nothing, when the stored one is the same).
    pub next_version: u32,
    pub unchanged: bool,
}

pub fn inspect_package(store: &Store, path: &Path) -> Result<PackageInspection> {
    let (manifest, report, _) = read_package(store, path)?;
    let unchanged = report.previous.is_some() && report.changes.is_empty();
    Ok(PackageInspection {
        file: display_name(path),
        next_version: report
            .previous
            .as_ref()
            .map_or(1, |p| if unchanged { p.version } else { p.version + 1 }),
        unchanged,
        manifest,
        check: report,
    })
}

/// Reads and verifies a submission package: its manifest, checksums, workbook and bid.
fn read_package(store: &Store, path: &Path) -> Result<(Manifest, CheckReport, DateTime<Utc>)> {
    let name = display_name(path);
    let limits = workbook::Limits::default();
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.len() > limits.file_bytes * 2 {
        return Err(package_problem(
            &name,
            None,
            format!(
                "a submission package is at most {} MB",
                limits.file_bytes * 2 / 1024 / 1024
            ),
            Some(format!("{} bytes", meta.len())),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).map_err(|e| {
        package_problem(
            &name,
            None,
            "a submission package is a zip archive written by `gigafund bid package`",
            Some(e.to_string()),
        )
    })?;
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    let mut total = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|e| {
            package_problem(
                &name,
                None,
                "the package's archive is damaged",
                Some(e.to_string()),
            )
        })?;
        let entry_name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        let mut buf = Vec::new();
        entry
            .take(limits.unpacked_bytes + 1 - total.min(limits.unpacked_bytes))
            .read_to_end(&mut buf)
            .map_err(|e| {
                package_problem(
                    &name,
                    Some(&entry_name),
                    "a part of the package does not unpack",
                    Some(e.to_string()),
                )
            })?;
        total += buf.len() as u64;
        if total > limits.unpacked_bytes {
            return Err(package_problem(
                &name,
                Some(&entry_name),
                format!(
                    "a package unpacks to at most {} MB",
                    limits.unpacked_bytes / 1024 / 1024
                ),
                None,
            ));
        }
        parts.push((entry_name, buf));
    }
    let part = |n: &str| parts.iter().find(|(p, _)| p == n).map(|(_, b)| b);
    let manifest: Manifest = part("manifest.json")
        .ok_or_else(|| {
            package_problem(
                &name,
                Some("manifest.json"),
                "the package has a manifest.json",
                Some("missing".into()),
            )
        })
        .and_then(|b| {
            serde_json::from_slice(b).map_err(|e| {
                package_problem(
                    &name,
                    Some("manifest.json"),
                    "the manifest is the JSON `bid package` writes",
                    Some(e.to_string()),
                )
            })
        })?;
    if manifest.format != PACKAGE_FORMAT {
        return Err(package_problem(
            &name,
            Some("manifest.json"),
            format!("a package of format {PACKAGE_FORMAT}"),
            Some(manifest.format.clone()),
        ));
    }
    let mut problems = Vec::new();
    for f in &manifest.files {
        match part(&f.name) {
            None => problems.push(Problem {
                location: Location::file(&name).with_sheet(&f.name),
                rule: "every file of the manifest is in the package".into(),
                found: Some("missing".into()),
            }),
            Some(b) => {
                let sha = hex_sha256(b);
                if sha != f.sha256 {
                    problems.push(Problem {
                        location: Location::file(&name).with_sheet(&f.name).with_field("sha256"),
                        rule: "the file's SHA-256 matches the manifest (the package was changed after it was made)".into(),
                        found: Some(format!("{sha}, manifest {}", f.sha256)),
                    });
                }
            }
        }
    }
    for (p, _) in &parts {
        if p != "manifest.json" && !manifest.files.iter().any(|f| &f.name == p) {
            problems.push(Problem {
                location: Location::file(&name).with_sheet(p),
                rule: "the package holds only the files its manifest lists".into(),
                found: Some("not in the manifest".into()),
            });
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let (wb_name, wb_bytes) = parts
        .iter()
        .find(|(p, _)| p.starts_with("workbook."))
        .ok_or_else(|| {
            package_problem(
                &name,
                None,
                "the package holds the applicant's workbook",
                Some("missing".into()),
            )
        })?;
    let packaged: PackagedBid = part("bid.json")
        .ok_or_else(|| {
            package_problem(
                &name,
                Some("bid.json"),
                "the package holds bid.json",
                Some("missing".into()),
            )
        })
        .and_then(|b| {
            serde_json::from_slice(b).map_err(|e| {
                package_problem(
                    &name,
                    Some("bid.json"),
                    "bid.json is the bid `bid package` writes",
                    Some(e.to_string()),
                )
            })
        })?;
    let call = store::calls::by_code(store.conn(), &manifest.call)?;
    let known: HashSet<String> = known_accelerators(store)?.into_iter().collect();
    let read = workbook::read_bytes(
        &format!("{name} › {wb_name}"),
        wb_bytes,
        &known,
        Some(&manifest.call),
        limits,
    );
    let report = check_read(store, &call, read)?;
    let differences = report
        .bid
        .as_ref()
        .map_or(0, |bid| diff(bid, &packaged.bid).len());
    if differences > 0 {
        return Err(package_problem(
            &name,
            Some("bid.json"),
            "bid.json is the bid the workbook gives",
            Some(format!("{differences} differences")),
        ));
    }
    let submitted = DateTime::parse_from_rfc3339(&manifest.created_at)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| {
            package_problem(
                &name,
                Some("manifest.json"),
                "created_at is an RFC 3339 time",
                Some(e.to_string()),
            )
        })?;
    Ok((manifest, report, submitted))
}

// ---------------------------------------------------------------------------------------
// Annotated return

/// Writes a copy of the applicant's workbook (as .xlsx) with each finding as a note on its
/// cell and the cell highlighted, and a "Gigafund findings" sheet listing them with links.
pub fn annotate(report: &CheckReport, source: &Path, out: &Path) -> Result<PathBuf> {
    // The applicant's own file is never written over, whatever path names it.
    let same = match (std::fs::canonicalize(source), std::fs::canonicalize(out)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(Error::invalid(
            Location::file(display_name(out)),
            "the annotated copy goes to another file than the workbook it annotates",
            Some(out.display().to_string()),
        ));
    }
    let bytes = ingest::annotate::annotated(&report.findings, source)?;
    let part = out.with_extension("xlsx.part");
    std::fs::write(&part, &bytes).map_err(|e| Error::io(&part, e))?;
    std::fs::rename(&part, out).map_err(|e| Error::io(out, e))?;
    Ok(out.to_path_buf())
}
