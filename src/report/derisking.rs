//! The de-risking report of a saved scenario: inputs, metrics, yearly cash flows and DSCR,
//! the Monte Carlo distribution and guarantee payouts, the tornado and goal-seek answers.
//! Texts come from `templates/reports/{en,fr}.toml`; the document date is an input, so the
//! same scenario, language and date give a byte-identical PDF.

use super::ReportData;
use super::finance_charts::{self as charts, chart_text};
use super::format::{eur_m, metric_rows, number, pct, ratio};
use super::pdf::{Column, Doc};
use super::texts::Texts;
use crate::error::Result;
use crate::finance::engine;
use crate::finance::sensitivity::{self, GoalSeek};
use crate::store::scenarios::Scenario;
use chrono::NaiveDate;

/// The de-risking report of a saved scenario, as PDF bytes.
pub fn derisking(
    s: &Scenario,
    lang: &str,
    date: NaiveDate,
    head: Option<&crate::store::audit::LogHead>,
) -> Result<Vec<u8>> {
    let texts = Texts::load(lang)?;
    let t = texts.section("derisking");
    let hash = s.input_hash(lang, date)?;
    let outcome = engine::run(&s.inputs)?;
    let m = &outcome.metrics;
    let mut doc = Doc::new()?;
    let bid = s.bid_acronym.clone().unwrap_or_else(|| t.get("standalone"));
    let title = t.get("title");
    doc.title(
        &title,
        &t.get("subtitle")
            .replace("{scenario}", &s.name)
            .replace("{version}", &s.version.to_string())
            .replace("{bid}", &bid)
            .replace("{date}", &date.to_string())
            .replace("{engine}", &s.engine_version),
    );
    doc.paragraph(&t.get("intro"));
    if !s.note.is_empty() {
        doc.note(&s.note);
    }

    doc.heading(&t.get("metrics"));
    let rows = metric_rows(m, lang);
    doc.table(
        &[
            Column::left(t.get("metric"), 3.0),
            Column::right(t.get("value"), 1.2),
        ],
        &rows
            .into_iter()
            .map(|(k, v)| vec![k.to_string(), v])
            .collect::<Vec<_>>(),
    );
    if !outcome.warnings.is_empty() {
        doc.heading(&t.get("warnings"));
        for w in &outcome.warnings {
            doc.paragraph(&format!("• {w}"));
        }
    }

    let print = |name: &str| {
        let mut c = chart_text(lang, name);
        c.scale = 2.0;
        c
    };
    doc.chart(Some(&t.get("cash_flows")), 1520, 760, |root| {
        charts::draw_cash_flow(root, &outcome.years, &print("cash_flow"))
    })?;
    doc.chart(Some(&t.get("dscr")), 1520, 640, |root| {
        charts::draw_dscr(
            root,
            &outcome.years,
            s.inputs.dscr,
            s.inputs.lockup_dscr,
            &print("dscr"),
        )
    })?;

    doc.heading(&t.get("yearly"));
    let cols = [
        Column::left(t.get("year"), 0.8),
        Column::right(t.get("revenue"), 1.0),
        Column::right(t.get("opex"), 1.0),
        Column::right(t.get("capex"), 1.0),
        Column::right(t.get("tax"), 0.9),
        Column::right(t.get("cfads"), 1.0),
        Column::right(t.get("debt_service"), 1.0),
        Column::right("DSCR", 0.7),
        Column::right(t.get("equity"), 1.1),
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

    doc.heading(&t.get("monte_carlo"));
    match &s.monte_carlo {
        Some(mc) => {
            doc.paragraph(
                &t.get("mc_intro")
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
                    Column::left(t.get("metric"), 3.0),
                    Column::right(t.get("value"), 1.2),
                ],
                &rows,
            );
            doc.chart(None, 1520, 680, |root| {
                charts::draw_irr_histogram(root, mc, &print("irr"))
            })?;
            doc.heading(&t.get("guarantees"));
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
                    Column::left(t.get("guarantee"), 2.2),
                    Column::right(t.get("expected_payout"), 1.2),
                    Column::right(t.get("lender_unpaid"), 1.2),
                ],
                &rows,
            );
        }
        None => doc.note(&t.get("mc_none")),
    }

    let tornado = sensitivity::tornado(&s.inputs, "equity_irr", 0.10, None)?;
    let mut text = print("tornado");
    text.x_axis = "equity_irr (%)".into();
    text.legend = text.legend.iter().map(|l| l.replace('x', "10")).collect();
    doc.chart(Some(&t.get("tornado")), 1520, 840, |root| {
        charts::draw_tornado(root, &tornado, 12, 100.0, &text)
    })?;

    doc.heading(&t.get("goal_seek"));
    doc.paragraph(&t.get("goal_seek_intro"));
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
            Column::left(t.get("solve_input"), 1.2),
            Column::left(t.get("solve_metric"), 1.8),
            Column::right(t.get("solve_answer"), 1.6),
        ],
        &rows,
    );

    let frame = texts.frame(
        format!("{title} · {} v{} · {bid}", s.name, s.version),
        &hash,
        head,
    );
    let key = s.keyword(lang, date, &hash, head);
    doc.finish(&frame, &title, vec![key])
}
