//! `gigafund bid check|import|package|import-package|versions|diff`: the applicant workbook.

use crate::{Cli, actor, open, output};
use gigafund::app::applicant::{self, Change, CheckReport};
use gigafund::ingest::workbook::{Severity, Stage};
use gigafund::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct CheckArgs {
    /// The applicant workbook (.xlsx, .xlsm, .xls or .ods).
    pub file: PathBuf,
    /// The call the bid answers.
    #[arg(long)]
    pub call: String,
    /// Also write a copy of the workbook with each problem as a cell note and highlight.
    #[arg(long, value_name = "OUT.xlsx")]
    pub annotate: Option<PathBuf>,
}

pub fn check(cli: &Cli, args: &CheckArgs) -> Result<bool> {
    let store = open(cli)?;
    let report = applicant::check_workbook(&store, &args.file, &args.call)?;
    let annotated = match &args.annotate {
        Some(out) => Some(applicant::annotate(&report, &args.file, out)?),
        None => None,
    };
    output(cli.json, &report, |out| {
        print_check(out, &report)?;
        if let Some(p) = &annotated {
            writeln!(out, "Annotated copy: {}", p.display())?;
        }
        Ok(())
    })?;
    Ok(report.ready)
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn print_check(out: &mut dyn Write, r: &CheckReport) -> std::io::Result<()> {
    let title = r
        .bid
        .as_ref()
        .map(|b| format!("{} — {}", b.acronym, b.title))
        .unwrap_or_else(|| "(not read)".into());
    writeln!(
        out,
        "{} ({}) for call {}: {title}",
        r.file, r.format, r.call
    )?;
    for (stage, heading) in [
        (Stage::Import, "Workbook"),
        (Stage::Eligibility, "Eligibility"),
        (Stage::Completeness, "Completeness"),
    ] {
        let of_stage: Vec<_> = r.findings.iter().filter(|f| f.stage == stage).collect();
        if stage == Stage::Eligibility && !r.eligibility.is_empty() {
            let passed = r.eligibility.iter().filter(|o| o.passed).count();
            writeln!(
                out,
                "\n{heading}: {passed} of {} rules met",
                r.eligibility.len()
            )?;
            for o in &r.eligibility {
                let mark = if o.passed { "ok  " } else { "FAIL" };
                writeln!(
                    out,
                    "  {mark} {} — {} ({})",
                    o.code, o.description, o.detail
                )?;
            }
            continue;
        }
        if stage != Stage::Import
            && r.findings
                .iter()
                .any(|f| f.stage == Stage::Import && f.severity == Severity::Error)
        {
            writeln!(
                out,
                "\n{heading}: not checked until the workbook's errors are fixed"
            )?;
            continue;
        }
        if of_stage.is_empty() {
            writeln!(out, "\n{heading}: no problems")?;
            continue;
        }
        writeln!(out, "\n{heading}:")?;
        for f in of_stage {
            let place: Vec<&str> = [&f.sheet, &f.cell, &f.field]
                .into_iter()
                .filter_map(|p| p.as_deref())
                .collect();
            let mut place_text = f.file.clone();
            for p in place {
                place_text.push_str(" · ");
                place_text.push_str(p);
            }
            write!(
                out,
                "  {:<7} {place_text}: {}",
                severity(f.severity),
                f.rule
            )?;
            match &f.found {
                Some(found) => writeln!(out, " (found: {found})")?,
                None => writeln!(out)?,
            }
        }
    }
    if let Some(prev) = &r.previous {
        writeln!(
            out,
            "\nStored as version {} ({:?}); this file changes {} value(s).",
            prev.version,
            prev.status,
            r.changes.len()
        )?;
    }
    writeln!(
        out,
        "\n{}: {} error(s), {} warning(s).",
        if r.ready { "Ready" } else { "Not ready" },
        r.errors,
        r.warnings
    )
}

pub fn print_changes(out: &mut dyn Write, changes: &[Change]) -> std::io::Result<()> {
    if changes.is_empty() {
        return writeln!(out, "  no changes");
    }
    for c in changes {
        match c.kind.as_str() {
            "added" => writeln!(out, "  + {}: {}", c.path, c.after.as_deref().unwrap_or(""))?,
            "removed" => writeln!(out, "  - {}: {}", c.path, c.before.as_deref().unwrap_or(""))?,
            _ => writeln!(
                out,
                "  ~ {}: {} → {}",
                c.path,
                c.before.as_deref().unwrap_or(""),
                c.after.as_deref().unwrap_or("")
            )?,
        }
    }
    Ok(())
}

pub fn import(cli: &Cli, file: &Path, call: &str, submit: bool) -> Result<bool> {
    let mut store = open(cli)?;
    let outcome = applicant::import_workbook(&mut store, &actor(), file, call, submit)?;
    output(cli.json, &outcome, |out| {
        if outcome.unchanged {
            writeln!(
                out,
                "{} is unchanged: version {} of {} ({:?}) is the same; nothing stored.",
                file.display(),
                outcome.version,
                outcome.acronym,
                outcome.status
            )?;
        } else {
            writeln!(
                out,
                "Imported {} version {} ({:?}, bid {}) into call {}.",
                outcome.acronym, outcome.version, outcome.status, outcome.bid_id, outcome.call
            )?;
            if outcome.version > 1 {
                writeln!(out, "Changes from version {}:", outcome.version - 1)?;
                print_changes(out, &outcome.changes)?;
            }
        }
        for w in &outcome.warnings {
            writeln!(out, "  {w}")?;
        }
        Ok(())
    })
}

pub fn package(cli: &Cli, file: &Path, call: &str, dir: &Path) -> Result<bool> {
    let store = open(cli)?;
    let outcome = applicant::package(&store, &actor(), file, call, dir)?;
    output(cli.json, &outcome, |out| {
        writeln!(out, "Submission package: {}", outcome.path)?;
        for f in &outcome.manifest.files {
            writeln!(
                out,
                "  {:<28} {:>10} bytes  sha256 {}",
                f.name, f.bytes, f.sha256
            )?;
        }
        for w in &outcome.warnings {
            writeln!(out, "  {w}")?;
        }
        Ok(())
    })
}

pub fn import_package(cli: &Cli, file: &Path) -> Result<bool> {
    let mut store = open(cli)?;
    let outcome = applicant::import_package(&mut store, &actor(), file)?;
    output(cli.json, &outcome, |out| {
        writeln!(
            out,
            "Checksums verified. {} {} version {} ({:?}, bid {}) in call {}.",
            if outcome.unchanged {
                "Already stored:"
            } else {
                "Imported"
            },
            outcome.acronym,
            outcome.version,
            outcome.status,
            outcome.bid_id,
            outcome.call
        )?;
        if !outcome.unchanged && outcome.version > 1 {
            writeln!(out, "Changes from version {}:", outcome.version - 1)?;
            print_changes(out, &outcome.changes)?;
        }
        Ok(())
    })
}

pub fn versions(cli: &Cli, acronym: &str, call: &str) -> Result<bool> {
    let store = open(cli)?;
    let rows = applicant::versions(&store, call, acronym)?;
    output(cli.json, &rows, |out| {
        writeln!(out, "{acronym} in {call}:")?;
        for r in &rows {
            writeln!(
                out,
                "  version {:<3} {:<10} bid {:<5} imported {:<21} submitted {:<21} {}",
                r.version,
                format!("{:?}", r.status).to_lowercase(),
                r.id,
                r.imported_at.as_deref().unwrap_or("—"),
                r.submitted_at.as_deref().unwrap_or("—"),
                r.source_file.as_deref().unwrap_or("")
            )?;
        }
        Ok(())
    })
}

pub fn diff(
    cli: &Cli,
    acronym: &str,
    call: &str,
    from: Option<u32>,
    to: Option<u32>,
) -> Result<bool> {
    let store = open(cli)?;
    let rows = applicant::versions(&store, call, acronym)?;
    let last = rows.last().map(|r| r.version).unwrap_or(1);
    let to = to.unwrap_or(last);
    let from = from.unwrap_or(to.saturating_sub(1));
    if from == 0 {
        return Err(Error::Conflict(format!(
            "{acronym} has a single version: there is nothing to compare"
        )));
    }
    let changes = applicant::version_diff(&store, call, acronym, from, to)?;
    output(cli.json, &changes, |out| {
        writeln!(out, "{acronym}: version {from} → version {to}")?;
        print_changes(out, &changes)
    })
}

#[derive(clap::Args)]
pub struct IntakeArgs {
    /// Submission packages, workbooks, or folders holding them.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The call workbooks are taken into (packages name their own call).
    #[arg(long)]
    pub call: Option<String>,
    /// Take workbooks in as drafts instead of submissions.
    #[arg(long)]
    pub draft: bool,
    /// Only list the files that would be taken in (folders expanded); import nothing.
    #[arg(long)]
    pub list: bool,
}

pub fn intake(cli: &Cli, args: &IntakeArgs) -> Result<bool> {
    use gigafund::app::intake;
    let mut store = open(cli)?;
    let mut files = Vec::new();
    for p in &args.paths {
        if p.is_dir() {
            files.extend(intake::files_in(p)?.into_iter().map(PathBuf::from));
        } else {
            files.push(p.clone());
        }
    }
    if args.list {
        let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        return output(cli.json, &names, |out| {
            for n in &names {
                writeln!(out, "{n}")?;
            }
            Ok(())
        });
    }
    let mut results = Vec::new();
    for f in &files {
        results.push(intake::intake(
            &mut store,
            &actor(),
            f,
            args.call.as_deref(),
            !args.draft,
        )?);
    }
    let refused = results.iter().filter(|r| r.imported.is_none()).count();
    output(cli.json, &results, |out| {
        for r in &results {
            match &r.imported {
                Some(o) if o.unchanged => writeln!(
                    out,
                    "{}: unchanged — {} version {} already holds it",
                    r.file, o.acronym, o.version
                )?,
                Some(o) => writeln!(
                    out,
                    "{}: imported {} version {} ({:?})",
                    r.file, o.acronym, o.version, o.status
                )?,
                None => {
                    writeln!(out, "{}: refused, nothing stored", r.file)?;
                    for p in &r.problems {
                        writeln!(out, "  {p}")?;
                    }
                }
            }
        }
        writeln!(
            out,
            "{} files: {} imported, {refused} refused",
            results.len(),
            results.len() - refused
        )
    })?;
    Ok(refused == 0)
}
