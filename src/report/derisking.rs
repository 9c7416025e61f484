//! The de-risking report of a saved scenario: inputs, metrics, yearly cash flows and DSCR,
//! the Monte Carlo distribution and guarantee payouts, the tornado and goal-seek answers.
//! Texts come from `templates/reports/{en,fr}.toml`; the document date is an input, so the
//! same scenario, language and date give a byte-identical PDF.

use super::finance_charts::{self as charts, chart_text};
use super::format::{eur_m, metric_rows, number, pct, ratio};
use super::pdf::{Column, Doc, Frame, WIDTH};
use crate::error::{Error, Location, Result};
use crate::finance::engine;
use crate::finance::sensitivity::{self, GoalSeek};
use crate::store::scenarios::Scenario;
use chrono::NaiveDate;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
struct Texts {
    page: String,
    footer: String,
    derisking: BTreeMap<String, String>,
}

fn texts(lang: &str) -> Result<Texts> {
    let text = match lang {
        "en" => include_str!("../../templates/reports/en.toml"),
        "fr" => include_str!("../../templates/reports/fr.toml"),
        other => {
            return Err(Error::invalid(
                Location::default().with_field("lang"),
                "reports are written in en or fr",
                Some(other.into()),
            ));
        }
    };
    toml::from_str(text).map_err(|e| Error::Internal(format!("report texts ({lang}): {e}")))
}

impl Texts {
    fn d(&self, key: &str) -> String {
        self.derisking
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_string())
    }
}

/// The SHA-256 of everything the report is made from (scenario, language, date).
pub fn input_hash(s: &Scenario, lang: &str, date: NaiveDate) -> Result<String> {
    let doc = serde_json::json!({
        "report": "derisking",
        "scenario": s,
        "lang": lang,
        "date": date.to_string(),
        "gigafund": env!("CARGO_PKG_VERSION"),
    });
    let bytes = serde_json::to_vec(&doc).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(hex::encode(Sha256::digest(bytes)))
}

/// The keyword the PDF carries so that `report verify` can recompute its input hash.
pub fn keyword(s: &Scenario, lang: &str, date: NaiveDate, hash: &str) -> String {
    format!(
        "gigafund-report:derisking;scenario={};lang={lang};date={date};sha256={hash}",
        s.id
    )
}

/// A heading kept on the page with the chart that follows it.
fn chart(
    doc: &mut Doc,
    heading: Option<&str>,
    w: u32,
    h: u32,
    draw: impl FnOnce(
        &plotters::drawing::DrawingArea<
            plotters::prelude::BitMapBackend<'_>,
            plotters::coord::Shift,
        >,
    ) -> Result<()>,
) -> Result<()> {
    if let Some(text) = heading {
        doc.need(WIDTH * h as f32 / w as f32 + 50.0);
        doc.heading(text);
    }
    let pixels = charts::rgb(w, h, draw)?;
    doc.image(pixels, w as usize, h as usize, WIDTH);
    Ok(())
}

/// The de-risking report of a saved scenario, as PDF bytes.
pub fn derisking(s: &Scenario, lang: &str, date: NaiveDate) -> Result<Vec<u8>> {
    let t = texts(lang)?;
    let hash = input_hash(s, lang, date)?;
    let outcome = engine::run(&s.inputs)?;
    let m = &outcome.metrics;
    let mut doc = Doc::new()?;
    let bid = s.bid_acronym.clone().unwrap_or_else(|| t.d("standalone"));
    let title = t.d("title");
    doc.title(
        &title,
        &t.d("subtitle")
            .replace("{scenario}", &s.name)
            .replace("{version}", &s.version.to_string())
            .replace("{bid}", &bid)
            .replace("{date}", &date.to_string())
            .replace("{engine}", &s.engine_version),
    );
    doc.paragraph(&t.d("intro"));
    if !s.note.is_empty() {
        doc.note(&s.note);
    }

    doc.heading(&t.d("metrics"));
    let rows = metric_rows(m, lang);
    doc.table(
        &[
            Column::left(t.d("metric"), 3.0),
            Column::right(t.d("value"), 1.2),
        ],
        &rows
            .into_iter()
            .map(|(k, v)| vec![k.to_string(), v])
            .collect::<Vec<_>>(),
    );
    if !outcome.warnings.is_empty() {
        doc.heading(&t.d("warnings"));
        for w in &outcome.warnings {
            doc.paragraph(&format!("• {w}"));
        }
    }

    let print = |name: &str| {
        let mut c = chart_text(lang, name);
        c.scale = 2.0;
        c
    };
    chart(&mut doc, Some(&t.d("cash_flows")), 1520, 760, |root| {
        charts::draw_cash_flow(root, &outcome.years, &print("cash_flow"))
    })?;
    chart(&mut doc, Some(&t.d("dscr")), 1520, 640, |root| {
        charts::draw_dscr(
            root,
            &outcome.years,
            s.inputs.dscr,
            s.inputs.lockup_dscr,
            &print("dscr"),
        )
    })?;

    doc.heading(&t.d("yearly"));
    let cols = [
        Column::left(t.d("year"), 0.8),
        Column::right(t.d("revenue"), 1.0),
        Column::right(t.d("opex"), 1.0),
        Column::right(t.d("capex"), 1.0),
        Column::right(t.d("tax"), 0.9),
        Column::right(t.d("cfads"), 1.0),
        Column::right(t.d("debt_service"), 1.0),
        Column::right("DSCR", 0.7),
        Column::right(t.d("equity"), 1.1),
    ];
    let mm = |v: f64| number(v / 1e6, 1, lang);
    let rows: Vec<Vec<String>> = outcome
        .years
        .iter()
        .map(|y| {
            vec![
                y.year.map_or(y.t.to_string(), |c| c.to_string()),
                mm(y.revenue),
                mm(y.opex),
                mm(y.capex),
                mm(y.tax),
                mm(y.cfads),
                mm(y.debt_service),
                y.dscr.map_or(String::new(), |d| number(d, 2, lang)),
                mm(y.equity_flow),
            ]
        })
        .collect();
    doc.table(&cols, &rows);

    doc.heading(&t.d("monte_carlo"));
    match &s.monte_carlo {
        Some(mc) => {
            doc.paragraph(
                &t.d("mc_intro")
                    .replace("{paths}", &number(f64::from(mc.paths), 0, lang))
                    .replace("{seed}", &mc.seed.to_string()),
            );
            let rows = vec![
                vec![
                    "pd_payment_default".to_string(),
                    pct(Some(mc.pd_payment_default), lang),
                ],
                vec![
                    "p_min_dscr_below_1".into(),
                    pct(Some(mc.p_min_dscr_below_1), lang),
                ],
                vec![
                    "expected_gross_shortfall".into(),
                    eur_m(mc.expected_gross_shortfall, lang),
                ],
                vec![
                    "expected_net_loss".into(),
                    eur_m(mc.expected_net_loss, lang),
                ],
                vec!["equity_irr P10".into(), pct(mc.equity_irr_p10, lang)],
                vec!["equity_irr P50".into(), pct(mc.equity_irr_p50, lang)],
                vec!["equity_irr P90".into(), pct(mc.equity_irr_p90, lang)],
                vec!["min_dscr P05".into(), ratio(mc.min_dscr_p05, lang)],
                vec!["min_dscr P50".into(), ratio(mc.min_dscr_p50, lang)],
            ];
            doc.table(
                &[
                    Column::left(t.d("metric"), 3.0),
                    Column::right(t.d("value"), 1.2),
                ],
                &rows,
            );
            chart(&mut doc, None, 1520, 680, |root| {
                charts::draw_irr_histogram(root, mc, &print("irr"))
            })?;
            doc.heading(&t.d("guarantees"));
            let rows: Vec<Vec<String>> = mc
                .guarantees
                .iter()
                .map(|g| {
                    vec![
                        g.label.clone(),
                        eur_m(g.expected_payout, lang),
                        eur_m(g.lender_expected_unpaid, lang),
                    ]
                })
                .collect();
            doc.table(
                &[
                    Column::left(t.d("guarantee"), 2.2),
                    Column::right(t.d("expected_payout"), 1.2),
                    Column::right(t.d("lender_unpaid"), 1.2),
                ],
                &rows,
            );
        }
        None => doc.note(&t.d("mc_none")),
    }

    let tornado = sensitivity::tornado(&s.inputs, "equity_irr", 0.10, None)?;
    let mut text = print("tornado");
    text.x_axis = "equity_irr (%)".into();
    text.legend = text.legend.iter().map(|l| l.replace('x', "10")).collect();
    chart(&mut doc, Some(&t.d("tornado")), 1520, 840, |root| {
        charts::draw_tornado(root, &tornado, 12, 100.0, &text)
    })?;

    doc.heading(&t.d("goal_seek"));
    doc.paragraph(&t.d("goal_seek_intro"));
    let mut rows = Vec::new();
    for (param, metric, target) in [
        ("grant_share", "equity_irr", s.inputs.disc_equity),
        ("p_new", "equity_irr", s.inputs.disc_equity),
        ("p_new", "project_irr_pre_grant", s.inputs.disc_project),
    ] {
        let r = sensitivity::goal_seek(&s.inputs, &GoalSeek::new(param, metric, target))?;
        rows.push(vec![
            param.to_string(),
            format!("{metric} = {}", pct(Some(target), lang)),
            r.solution
                .map_or_else(|| r.message.clone(), |x| number(x, 5, lang)),
        ]);
    }
    doc.table(
        &[
            Column::left(t.d("solve_input"), 1.2),
            Column::left(t.d("solve_metric"), 1.8),
            Column::right(t.d("solve_answer"), 1.6),
        ],
        &rows,
    );

    let frame = Frame {
        title: format!("{title} · {} v{} · {bid}", s.name, s.version),
        footer: t
            .footer
            .replace("{version}", env!("CARGO_PKG_VERSION"))
            .replace("{hash}", &hash),
        page_label: t.page.clone(),
    };
    doc.finish(&frame, &title, vec![keyword(s, lang, date, &hash)])
}
