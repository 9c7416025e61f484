//! `gigafund model …`: the finance engine (FINANCE.md) from the command line.

use crate::{Cli, actor, open, output};
use clap::{Args, Subcommand};
use gigafund::app::finance as fin;
use gigafund::finance::Inputs;
use gigafund::finance::engine::{Metrics, Outcome};
use gigafund::finance::montecarlo::MonteCarlo;
use gigafund::finance::sensitivity::GoalSeek;
use gigafund::report::format;
use gigafund::store::scenarios::Scenario;
use gigafund::{Error, Result};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// Where the inputs come from: a file, a stored bid, or a saved scenario.
#[derive(Args, Clone, Debug)]
#[group(required = true, multiple = false)]
pub struct Source {
    /// A TOML or JSON file with the reference model's keys (see sample-data/models/).
    file: Option<PathBuf>,
    /// Model a stored bid: its own capex and opex lines and financing plan.
    #[arg(long, value_name = "ID")]
    bid: Option<i64>,
    /// The inputs of a saved scenario.
    #[arg(long, value_name = "ID")]
    scenario: Option<i64>,
}

#[derive(Args, Clone, Debug)]
pub struct Save {
    /// Store the inputs and results as the next version of this scenario.
    #[arg(long, value_name = "NAME")]
    save: Option<String>,
    /// The bid a saved scenario belongs to (default: the bid of --bid, if any).
    #[arg(long = "for-bid", value_name = "ID")]
    for_bid: Option<i64>,
    /// A note stored with the scenario.
    #[arg(long, default_value = "")]
    note: String,
}

#[derive(Subcommand)]
pub enum ModelCommand {
    /// Write a saved scenario's metrics, yearly results and inputs to an .xlsx workbook.
    Export {
        #[arg(long)]
        scenario: i64,
        #[arg(long, value_name = "FILE.xlsx")]
        out: PathBuf,
        #[arg(long, default_value = "en", value_parser = ["en", "fr"])]
        lang: String,
    },
    /// Run the model: the reference model's metrics and the yearly series.
    Run {
        #[command(flatten)]
        source: Source,
        #[command(flatten)]
        save: Save,
        /// Write the cash-flow and DSCR charts (SVG) into this directory.
        #[arg(long, value_name = "DIR")]
        charts: Option<PathBuf>,
        /// With --json, print the app's view instead: inputs, outcome and both charts.
        #[arg(long)]
        view: bool,
        #[arg(long, default_value = "en", value_parser = ["en", "fr"])]
        lang: String,
    },
    /// Goal seek: the value of one input that brings one metric to a target.
    Solve {
        #[command(flatten)]
        source: Source,
        /// The input to solve (e.g. grant_share, p_new, guarantee.cover).
        #[arg(long)]
        param: String,
        /// The metric (e.g. equity_irr, min_dscr, or pd_payment_default with Monte Carlo).
        #[arg(long)]
        metric: String,
        #[arg(long, allow_negative_numbers = true)]
        target: f64,
        /// Bracket (default: shares [0, 0.9], prices [1, 10], amounts [base/10, base×10]).
        #[arg(long, allow_negative_numbers = true)]
        lo: Option<f64>,
        #[arg(long, allow_negative_numbers = true)]
        hi: Option<f64>,
        /// Monte Carlo paths per step, for a Monte Carlo metric.
        #[arg(long)]
        paths: Option<u32>,
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Monte Carlo on the base case (debt fixed as sized there).
    Mc {
        #[command(flatten)]
        source: Source,
        #[arg(long, default_value_t = 10_000)]
        paths: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[command(flatten)]
        save: Save,
        /// Write the equity-IRR histogram (SVG) here.
        #[arg(long, value_name = "FILE.svg")]
        chart: Option<PathBuf>,
        #[arg(long, default_value = "en", value_parser = ["en", "fr"])]
        lang: String,
        /// Also print every path's equity IRR and minimum DSCR in the JSON.
        #[arg(long)]
        all_paths: bool,
        /// With --json, print the app's view (the statistics and the histogram chart).
        #[arg(long)]
        view: bool,
    },
    /// Sensitivity: each input ± x %, sorted by its effect on a metric.
    Tornado {
        #[command(flatten)]
        source: Source,
        #[arg(long)]
        metric: String,
        /// The change, as a share (0.10 = ± 10 %).
        #[arg(long, default_value_t = 0.10)]
        change: f64,
        #[arg(long, value_name = "FILE.svg")]
        chart: Option<PathBuf>,
        #[arg(long, default_value = "en", value_parser = ["en", "fr"])]
        lang: String,
        /// With --json, print the app's view (the tornado and its chart).
        #[arg(long)]
        view: bool,
    },
    /// Print a bid's model inputs as TOML, to edit and run as a file.
    Inputs {
        #[arg(long, value_name = "ID", required_unless_present = "reference")]
        bid: Option<i64>,
        /// The reference model's inputs instead (a 100,000-accelerator gigafactory).
        #[arg(long, conflicts_with = "bid")]
        reference: bool,
    },
    /// List saved scenarios.
    Scenarios {
        /// Only the scenarios of this bid.
        #[arg(long, value_name = "ID")]
        bid: Option<i64>,
    },
    /// Saved scenarios side by side: every metric, and the inputs that differ.
    Compare {
        /// Two or more scenario ids.
        #[arg(required = true, num_args = 2..)]
        ids: Vec<i64>,
    },
}

fn load(cli: &Cli, source: &Source) -> Result<(Inputs, Option<i64>, Vec<String>)> {
    if let Some(file) = &source.file {
        return Ok((fin::read_inputs(file)?, None, Vec::new()));
    }
    let store = open(cli)?;
    if let Some(id) = source.bid {
        let b = fin::bid_model_inputs(&store, id)?;
        return Ok((b.inputs, Some(id), b.notes));
    }
    if let Some(id) = source.scenario {
        let s = fin::scenario(&store, id)?;
        return Ok((s.inputs, s.bid_id, Vec::new()));
    }
    Err(Error::Internal("no model source".into()))
}

/// Stores the next version of the scenario `--save` names, when it names one.
fn save_if_asked(
    cli: &Cli,
    save: &Save,
    bid: Option<i64>,
    inputs: &Inputs,
    monte_carlo: Option<&MonteCarlo>,
) -> Result<Option<Scenario>> {
    let Some(name) = &save.save else {
        return Ok(None);
    };
    let mut store = open(cli)?;
    let for_bid = save.for_bid.or(bid);
    fin::save_scenario(
        &mut store,
        &actor(),
        for_bid,
        name,
        &save.note,
        inputs,
        monte_carlo,
    )
    .map(Some)
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}

fn pct(v: Option<f64>) -> String {
    format::pct(v, "en")
}

fn eur(v: f64) -> String {
    format::eur_m(v, "en")
}

fn ratio(v: Option<f64>) -> String {
    format::ratio(v, "en")
}

fn print_metrics(out: &mut dyn Write, m: &Metrics) -> std::io::Result<()> {
    let payment_default = if m.payment_default { "yes" } else { "no" };
    for (k, v) in format::metric_rows(m, "en") {
        writeln!(out, "{k:<40} {v:>18}")?;
    }
    writeln!(out, "{:<40} {payment_default:>18}", "payment_default")
}

fn print_years(out: &mut dyn Write, o: &Outcome) -> std::io::Result<()> {
    writeln!(
        out,
        "\n{:>4} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>6} {:>10}",
        "t", "revenue", "opex", "capex", "tax", "CFADS", "debt svc", "DSCR", "equity"
    )?;
    for y in &o.years {
        let m = |v: f64| format!("{:.1}", v / 1e6);
        writeln!(
            out,
            "{:>4} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>6} {:>10}",
            y.year.map_or(y.t.to_string(), |c| c.to_string()),
            m(y.revenue),
            m(y.opex),
            m(y.capex),
            m(y.tax),
            m(y.cfads),
            m(y.debt_service),
            y.dscr.map_or("".into(), |d| format!("{d:.2}")),
            m(y.equity_flow)
        )?;
    }
    writeln!(out, "(€ million)")
}

pub fn run(cli: &Cli, cmd: &ModelCommand) -> Result<bool> {
    match cmd {
        ModelCommand::Run {
            source,
            save,
            charts,
            view: as_view,
            lang,
        } => {
            let (inputs, bid, notes) = load(cli, source)?;
            let view = fin::view(&inputs, lang)?;
            if let Some(dir) = charts {
                std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
                write_file(&dir.join("cash-flow.svg"), &view.cash_flow_svg)?;
                write_file(&dir.join("dscr.svg"), &view.dscr_svg)?;
            }
            let saved = save_if_asked(cli, save, bid, &inputs, None)?;
            if *as_view && cli.json {
                return output(true, &view, |_| Ok(()));
            }
            let doc = serde_json::json!({
                "metrics": view.outcome.metrics,
                "years": view.outcome.years,
                "warnings": view.outcome.warnings,
                "notes": notes,
                "debt_iterations": view.outcome.debt_iterations,
                "engine_version": view.engine_version,
                "scenario": saved.as_ref().map(|s| serde_json::json!({"id": s.id, "name": s.name, "version": s.version})),
            });
            output(cli.json, &doc, |out| {
                for n in &notes {
                    writeln!(out, "note: {n}")?;
                }
                for w in &view.outcome.warnings {
                    writeln!(out, "warning: {w}")?;
                }
                print_metrics(out, &view.outcome.metrics)?;
                print_years(out, &view.outcome)?;
                if let Some(s) = &saved {
                    writeln!(
                        out,
                        "Saved scenario {} “{}” version {}",
                        s.id, s.name, s.version
                    )?;
                }
                Ok(())
            })
        }
        ModelCommand::Solve {
            source,
            param,
            metric,
            target,
            lo,
            hi,
            paths,
            seed,
        } => {
            let (inputs, _, _) = load(cli, source)?;
            let r = fin::goal_seek(
                &inputs,
                &GoalSeek {
                    param: param.clone(),
                    metric: metric.clone(),
                    target: *target,
                    lo: *lo,
                    hi: *hi,
                    paths: *paths,
                    seed: *seed,
                },
            )?;
            output(cli.json, &r, |out| writeln!(out, "{}", r.message))
        }
        ModelCommand::Mc {
            source,
            paths,
            seed,
            save,
            chart,
            lang,
            all_paths,
            view: as_view,
        } => {
            let (inputs, bid, _) = load(cli, source)?;
            let cancel = AtomicBool::new(false);
            let tty = std::io::stderr().is_terminal() && !cli.json;
            let progress = |done: u32, total: u32| {
                if tty {
                    eprint!("\rMonte Carlo: {done} / {total} paths");
                }
            };
            let mut view = fin::monte_carlo(&inputs, *paths, *seed, lang, &progress, &cancel)?;
            if tty {
                eprintln!();
            }
            if let Some(path) = chart {
                write_file(path, &view.histogram_svg)?;
            }
            let saved = save_if_asked(cli, save, bid, &inputs, Some(&view.monte_carlo))?;
            if !all_paths {
                view.monte_carlo.equity_irr.clear();
                view.monte_carlo.min_dscr.clear();
            }
            if *as_view && cli.json {
                return output(true, &view, |_| Ok(()));
            }
            let mc = &view.monte_carlo;
            output(cli.json, mc, |out| {
                writeln!(
                    out,
                    "{} paths, seed {} (debt fixed at {})",
                    mc.paths,
                    mc.seed,
                    eur(mc.base_debt)
                )?;
                writeln!(
                    out,
                    "{:<34} {:>12}",
                    "pd_payment_default",
                    pct(Some(mc.pd_payment_default))
                )?;
                writeln!(
                    out,
                    "{:<34} {:>12}",
                    "p_min_dscr_below_1",
                    pct(Some(mc.p_min_dscr_below_1))
                )?;
                writeln!(
                    out,
                    "{:<34} {:>12}",
                    "expected_gross_shortfall",
                    eur(mc.expected_gross_shortfall)
                )?;
                writeln!(
                    out,
                    "{:<34} {:>12}",
                    "expected_net_loss",
                    eur(mc.expected_net_loss)
                )?;
                writeln!(
                    out,
                    "equity IRR  P10 {}  P50 {}  P90 {}  ({} paths without an IRR)",
                    pct(mc.equity_irr_p10),
                    pct(mc.equity_irr_p50),
                    pct(mc.equity_irr_p90),
                    mc.equity_irr_undefined
                )?;
                writeln!(
                    out,
                    "min DSCR    P05 {}  P50 {}",
                    ratio(mc.min_dscr_p05),
                    ratio(mc.min_dscr_p50)
                )?;
                for g in &mc.guarantees {
                    writeln!(
                        out,
                        "{:<34} expected payout {}, lender still unpaid {}",
                        g.label,
                        eur(g.expected_payout),
                        eur(g.lender_expected_unpaid)
                    )?;
                }
                if let Some(s) = &saved {
                    writeln!(
                        out,
                        "Saved scenario {} “{}” version {}",
                        s.id, s.name, s.version
                    )?;
                }
                Ok(())
            })
        }
        ModelCommand::Tornado {
            source,
            metric,
            change,
            chart,
            lang,
            view: as_view,
        } => {
            let (inputs, _, _) = load(cli, source)?;
            let view = fin::tornado(&inputs, metric, *change, lang)?;
            if *as_view && cli.json {
                return output(true, &view, |_| Ok(()));
            }
            if let Some(path) = chart {
                write_file(path, &view.svg)?;
            }
            let t = &view.tornado;
            output(cli.json, t, |out| {
                writeln!(
                    out,
                    "{} at base: {}; each input ± {:.0} %",
                    t.metric,
                    ratio(t.base),
                    t.change * 100.0
                )?;
                writeln!(
                    out,
                    "{:<28} {:>14} {:>14} {:>12}",
                    "INPUT", "LOW", "HIGH", "SWING"
                )?;
                for b in &t.bars {
                    writeln!(
                        out,
                        "{:<28} {:>14} {:>14} {:>12.6}",
                        b.param,
                        ratio(b.metric_low),
                        ratio(b.metric_high),
                        b.swing
                    )?;
                }
                for s in &t.skipped {
                    writeln!(out, "left out: {s}")?;
                }
                Ok(())
            })
        }
        ModelCommand::Inputs {
            bid: None,
            reference: true,
        } => {
            let inputs = Inputs::reference();
            let text = toml::to_string(&inputs).map_err(|e| Error::Internal(e.to_string()))?;
            output(cli.json, &inputs, |out| write!(out, "{text}"))
        }
        ModelCommand::Inputs { bid: None, .. } => {
            Err(Error::Internal("clap requires --bid or --reference".into()))
        }
        ModelCommand::Inputs { bid: Some(bid), .. } => {
            let store = open(cli)?;
            let b = fin::bid_model_inputs(&store, *bid)?;
            let text = toml::to_string(&b.inputs).map_err(|e| Error::Internal(e.to_string()))?;
            output(cli.json, &b, |out| {
                writeln!(
                    out,
                    "# Model inputs of bid {} ({}), derived by Gigafund.",
                    b.bid_id, b.acronym
                )?;
                for n in &b.notes {
                    writeln!(out, "# {n}")?;
                }
                write!(out, "{text}")
            })
        }
        ModelCommand::Export {
            scenario,
            out: path,
            lang,
        } => {
            let store = open(cli)?;
            let bytes = gigafund::app::finance::scenario_workbook(&store, *scenario, lang)?;
            std::fs::write(path, &bytes).map_err(|e| Error::io(path, e))?;
            let doc =
                serde_json::json!({ "file": path.display().to_string(), "bytes": bytes.len() });
            output(cli.json, &doc, |o| {
                writeln!(o, "Wrote {} ({} bytes)", path.display(), bytes.len())
            })
        }
        ModelCommand::Scenarios { bid } => {
            let store = open(cli)?;
            let list = fin::scenarios(&store, *bid)?;
            output(cli.json, &list, |out| {
                writeln!(
                    out,
                    "{:>4}  {:<14} {:<24} {:>3}  {:>10} {:>10}  {:<20} ENGINE",
                    "ID", "BID", "NAME", "V", "EQUITY IRR", "MIN DSCR", "SAVED"
                )?;
                for s in &list {
                    writeln!(
                        out,
                        "{:>4}  {:<14} {:<24} {:>3}  {:>10} {:>10}  {:<20} {}",
                        s.id,
                        s.bid_acronym.as_deref().unwrap_or("—"),
                        s.name,
                        s.version,
                        pct(s.metrics.equity_irr),
                        ratio(s.metrics.min_dscr),
                        s.created_at.format("%Y-%m-%d %H:%M"),
                        s.engine_version
                    )?;
                }
                Ok(())
            })
        }
        ModelCommand::Compare { ids } => {
            let store = open(cli)?;
            let c = fin::compare(&store, ids)?;
            output(cli.json, &c, |out| {
                write!(out, "{:<40}", "")?;
                for s in &c.scenarios {
                    write!(out, " {:>22}", s.label)?;
                }
                writeln!(out)?;
                for (title, rows) in [("metrics", &c.metrics), ("inputs that differ", &c.inputs)] {
                    writeln!(out, "— {title}")?;
                    for r in rows {
                        write!(out, "{:<40}", r.key)?;
                        for v in &r.values {
                            let s = match v {
                                serde_json::Value::Number(n) => {
                                    let x = n.as_f64().unwrap_or(0.0);
                                    if x.abs() >= 1e5 {
                                        eur(x)
                                    } else {
                                        format!("{x:.6}")
                                    }
                                }
                                serde_json::Value::Null => "—".into(),
                                other => other.to_string(),
                            };
                            write!(out, " {s:>22}")?;
                        }
                        writeln!(out)?;
                    }
                }
                Ok(())
            })
        }
    }
}
