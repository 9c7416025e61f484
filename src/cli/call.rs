//! `gigafund call …`: calls for proposals — imported from a template file, created from a
//! shipped template, their settings exported, edited and saved as versions.

use crate::{Cli, actor, millions, name, open, output};
use clap::Subcommand;
use gigafund::app::{self, ProgrammeSummary, calls};
use gigafund::model::{Call, Eur};
use gigafund::{Error, Result};
use std::io::Write;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum CallCommand {
    /// Import a call template (TOML, as in templates/calls/).
    Import {
        /// The call template file.
        file: PathBuf,
    },
    /// List the calls with their budgets and bids.
    List,
    /// Show one call: settings, criteria and eligibility rules.
    Show {
        /// The call's code, e.g. INVESTAI-AIGF-2026.
        code: String,
    },
    /// The call templates shipped with Gigafund.
    Templates,
    /// Create a call from a shipped template, with its own code, title, dates and budget.
    New {
        /// The template's file name (see `call templates`), e.g. ai-factory-antenna.toml.
        #[arg(long)]
        template: String,
        #[arg(long)]
        code: String,
        /// Default: the template's title.
        #[arg(long)]
        title: Option<String>,
        /// Opening date (YYYY-MM-DD); default: the template's (today when the template's deadline has passed).
        #[arg(long)]
        opens: Option<chrono::NaiveDate>,
        /// Deadline (YYYY-MM-DD); default: the template's (or as long after today as the template's runs).
        #[arg(long)]
        deadline: Option<chrono::NaiveDate>,
        /// Budget in euros; default: the template's.
        #[arg(long, value_name = "EUR")]
        budget: Option<f64>,
    },
    /// Write a call's settings as a template file (TOML) to edit and `call update`.
    Export {
        code: String,
        #[arg(long, value_name = "FILE.toml")]
        out: PathBuf,
    },
    /// Save a call's settings from a template file as a new version. Once scoring has
    /// started, a change that moves scores or the ranking needs --reason.
    Update {
        code: String,
        /// The edited settings: TOML as written by `call export`, or JSON as printed by
        /// `call show --json`; its code must be CODE.
        file: PathBuf,
        /// Why the settings change (recorded with the version).
        #[arg(long)]
        reason: Option<String>,
        /// Only list what would change.
        #[arg(long)]
        dry_run: bool,
    },
    /// Every version of a call's settings, with who changed it, when and why.
    Versions { code: String },
    /// What one version of a call's settings changed from the version before it.
    Diff {
        code: String,
        #[arg(long)]
        version: u32,
    },
}

pub fn run(cli: &Cli, cmd: &CallCommand) -> Result<bool> {
    match cmd {
        CallCommand::Import { file } => {
            let mut store = open(cli)?;
            let call = app::import_call(&mut store, &actor(), file)?;
            output(cli.json, &call, |out| {
                writeln!(out, "Imported call {} — {}", call.code, call.title)
            })
        }
        CallCommand::List => {
            let store = open(cli)?;
            let summary = app::summary(&store)?;
            output(cli.json, &summary.calls, |out| print_calls(out, &summary))
        }
        CallCommand::Show { code } => {
            let store = open(cli)?;
            let call = app::call(&store, code)?;
            output(cli.json, &call, |out| print_call(out, &call))
        }
        CallCommand::Templates => {
            let list = calls::templates_on(actor().at.date_naive())?;
            output(cli.json, &list, |out| {
                for t in &list {
                    writeln!(
                        out,
                        "{:<28} {:<20} {}",
                        t.file,
                        name(&t.call.kind),
                        t.call.title
                    )?;
                }
                Ok(())
            })
        }
        CallCommand::New {
            template,
            code,
            title,
            opens,
            deadline,
            budget,
        } => {
            let base = calls::templates()?
                .into_iter()
                .find(|t| &t.file == template)
                .ok_or_else(|| Error::NotFound {
                    kind: "call template",
                    key: template.clone(),
                })?;
            let budget = match budget {
                Some(b) => Eur::from_euros_f64(*b).ok_or_else(|| {
                    Error::invalid(
                        gigafund::error::Location::default().with_field("--budget"),
                        "an amount of euros",
                        Some(b.to_string()),
                    )
                })?,
                None => base.call.budget,
            };
            let mut store = open(cli)?;
            let who = actor();
            let (suggested_opens, suggested_deadline) =
                calls::suggested_dates(&base.call, who.at.date_naive());
            let call = calls::create(
                &mut store,
                &who,
                &calls::NewCall {
                    template: template.clone(),
                    code: code.clone(),
                    title: title.clone().unwrap_or(base.call.title),
                    opens: opens.unwrap_or(suggested_opens),
                    deadline: deadline.unwrap_or(suggested_deadline),
                    budget,
                },
            )?;
            output(cli.json, &call, |out| {
                writeln!(out, "Created call {} — {}", call.code, call.title)
            })
        }
        CallCommand::Export { code, out: path } => {
            let store = open(cli)?;
            let call = app::call(&store, code)?;
            let text = gigafund::ingest::call_template::to_toml(&call)?;
            std::fs::write(path, &text).map_err(|e| Error::io(path, e))?;
            let doc = serde_json::json!({ "file": path.display().to_string() });
            output(cli.json, &doc, |out| {
                writeln!(out, "Wrote the settings of {code} to {}", path.display())
            })
        }
        CallCommand::Update {
            code,
            file,
            reason,
            dry_run,
        } => {
            let mut store = open(cli)?;
            let name = gigafund::ingest::display_name(file);
            let text = gigafund::ingest::read_text(file)?;
            let form: Call = if text.trim_start().starts_with('{') {
                serde_json::from_str(&text).map_err(|e| {
                    Error::invalid(
                        gigafund::error::Location::file(&name)
                            .with_cell(format!("line {}", e.line())),
                        format!("not a call as `call show --json` prints it: {e}"),
                        None,
                    )
                })?
            } else {
                gigafund::ingest::call_template::parse(&name, &text)?
            };
            if &form.code != code {
                return Err(Error::invalid(
                    gigafund::error::Location::file(gigafund::ingest::display_name(file))
                        .with_field("code"),
                    format!("the file's code must be {code}: a call keeps its code"),
                    Some(form.code),
                ));
            }
            let check = calls::check_edit(&store, code, &form)?;
            if *dry_run {
                return output(cli.json, &check, |out| print_changes(out, &check));
            }
            let version = calls::update(&mut store, &actor(), code, &form, reason.as_deref())?;
            output(cli.json, &version, |out| {
                print_changes(out, &check)?;
                writeln!(out, "Saved {code} as version {}", version.version)
            })
        }
        CallCommand::Diff { code, version } => {
            let store = open(cli)?;
            let changes = calls::version_changes(&store, code, *version)?;
            output(cli.json, &changes, |out| {
                for c in &changes {
                    writeln!(
                        out,
                        "{} {}: {} → {}",
                        c.field,
                        c.item.as_deref().unwrap_or(""),
                        c.before,
                        c.after
                    )?;
                }
                Ok(())
            })
        }
        CallCommand::Versions { code } => {
            let store = open(cli)?;
            let list = calls::versions(&store, code)?;
            let changes = list
                .iter()
                .map(|v| calls::version_changes(&store, code, v.version))
                .collect::<Result<Vec<_>>>()?;
            output(cli.json, &list, |out| {
                for (v, ch) in list.iter().zip(&changes) {
                    writeln!(
                        out,
                        "{:>3}  {}  {:<24} {}",
                        v.version,
                        v.at.format("%Y-%m-%d %H:%M"),
                        v.actor,
                        v.reason.as_deref().unwrap_or("")
                    )?;
                    for c in ch {
                        writeln!(
                            out,
                            "       {} {}: {} → {}",
                            c.field,
                            c.item.as_deref().unwrap_or(""),
                            c.before,
                            c.after
                        )?;
                    }
                }
                Ok(())
            })
        }
    }
}

fn print_changes(out: &mut dyn Write, c: &calls::EditCheck) -> std::io::Result<()> {
    if c.changes.is_empty() {
        return writeln!(out, "No change.");
    }
    for ch in &c.changes {
        writeln!(
            out,
            "{:<26} {:<14} {} → {}{}",
            ch.field,
            ch.item.as_deref().unwrap_or(""),
            ch.before,
            ch.after,
            if ch.moves_ranking {
                "  (moves the ranking)"
            } else {
                ""
            }
        )?;
    }
    if c.needs_reason {
        writeln!(
            out,
            "Scoring has started: saving these changes needs --reason."
        )?;
    }
    Ok(())
}

pub(crate) fn print_calls(out: &mut dyn Write, s: &ProgrammeSummary) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<22} {:<20} {:>12} {:>5} {:>9} {:>14} {:>10}",
        "CALL", "KIND", "BUDGET", "BIDS", "ELIGIBLE", "REQUESTED EU", "vs BUDGET"
    )?;
    for c in &s.calls {
        let ratio = if c.budget.cents() > 0 {
            c.requested_eu.as_euros_f64() / c.budget.as_euros_f64()
        } else {
            0.0
        };
        writeln!(
            out,
            "{:<22} {:<20} {:>12} {:>5} {:>9} {:>14} {:>9.0}%",
            c.code,
            name(&c.kind),
            millions(c.budget),
            c.bids,
            c.eligible_bids,
            millions(c.requested_eu),
            ratio * 100.0
        )?;
    }
    writeln!(
        out,
        "\nTotal budget {}; requested EU contribution {}",
        millions(s.budget_total),
        millions(s.requested_eu_total)
    )
}

fn print_call(out: &mut dyn Write, c: &Call) -> std::io::Result<()> {
    writeln!(out, "{} — {}", c.code, c.title)?;
    writeln!(
        out,
        "{} · {} · budget {} · open {} to {}",
        c.programme,
        name(&c.kind),
        c.budget,
        c.opens,
        c.deadline
    )?;
    let s = &c.settings;
    writeln!(
        out,
        "Scores {}–{} in steps of {}; ≥{} evaluators per bid; overall threshold {}; budget line: {}",
        s.scale_min,
        s.scale_max,
        s.step,
        s.min_evaluators_per_bid,
        s.overall_threshold,
        name(&s.budget_line)
    )?;
    writeln!(out, "\nCriteria:")?;
    for k in &c.criteria {
        writeln!(
            out,
            "  {:<15} weight {:<4} threshold {:<4} {}",
            k.code, k.weight, k.threshold, k.name
        )?;
    }
    writeln!(out, "\nEligibility rules:")?;
    for r in &c.eligibility {
        writeln!(out, "  {:<12} {}", r.code, r.description)?;
    }
    Ok(())
}
