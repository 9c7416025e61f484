//! The programme charts: the envelope waterfall (announced → committed → contracted →
//! paid), leverage per award against the target, milestones' baseline against their
//! forecast, and the map of Europe with the EU contribution awarded in each state. Drawn by
//! plotters, into SVG for the app and into bitmaps for the reports.

use super::charts::{FAMILY, chart_error};
use super::finance_charts::{BLUE, ChartText, GREY, GRID, LIGHT_BLUE, ORANGE, RED, legend, range};
use crate::error::{Error, Result};
use crate::programme::MilestoneState;
use crate::programme::portfolio::Portfolio;
use chrono::{Datelike, NaiveDate};
use plotters::coord::Shift;
use plotters::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const GREEN: RGBColor = RGBColor(40, 130, 70);

/// The envelope's four totals as a waterfall: each stage a bar from zero, and between two
/// stages the part not yet carried on, floating.
pub fn envelope_chart(p: &Portfolio, text: &ChartText, width: u32, height: u32) -> Result<String> {
    super::finance_charts::svg(width, height, |root| draw_envelope(root, p, text))
}

pub fn draw_envelope<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: &Portfolio,
    text: &ChartText,
) -> Result<()> {
    let m = 1e6;
    let sum = |f: &dyn Fn(&crate::programme::portfolio::EnvelopeRow) -> f64| {
        p.by_source.iter().map(f).sum::<f64>() / m
    };
    let stages = [
        sum(&|r| r.announced.as_euros_f64()),
        sum(&|r| r.committed.as_euros_f64()),
        sum(&|r| r.contracted.as_euros_f64()),
        sum(&|r| r.paid.as_euros_f64()),
    ];
    let top = stages.iter().cloned().fold(0.0, f64::max).max(1.0) * 1.15;
    root.fill(&WHITE).map_err(chart_error)?;
    let mut chart = ChartBuilder::on(root)
        .caption(&text.caption, (FAMILY, text.px(16.0)))
        .margin(text.pxu(12))
        .x_label_area_size(text.pxu(40))
        .y_label_area_size(text.pxu(70))
        .build_cartesian_2d(-0.5..6.5, 0.0..top)
        .map_err(chart_error)?;
    let names: Vec<String> = (0..4).map(|i| text.legend(i)).collect();
    chart
        .configure_mesh()
        .y_desc(&text.y_axis)
        .label_style((FAMILY, text.px(11.0)))
        .axis_desc_style((FAMILY, text.px(12.0)))
        .x_labels(7)
        .x_label_formatter(&|x: &f64| {
            let i = x.round() as i64;
            if i % 2 == 0 && (0..7).contains(&i) {
                names[(i / 2) as usize].clone()
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|v| text.num(*v, 0))
        .disable_x_mesh()
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .draw()
        .map_err(chart_error)?;
    let w = 0.38;
    let colours = [LIGHT_BLUE, BLUE, ORANGE, GREEN];
    chart
        .draw_series(stages.iter().enumerate().map(|(i, v)| {
            let x = 2.0 * i as f64;
            Rectangle::new([(x - w, 0.0), (x + w, *v)], colours[i].filled())
        }))
        .map_err(chart_error)?;
    // The gaps: announced but not committed, committed but not contracted, contracted
    // but not paid.
    chart
        .draw_series(stages.windows(2).enumerate().map(|(i, s)| {
            let x = 2.0 * i as f64 + 1.0;
            Rectangle::new([(x - w, s[1]), (x + w, s[0])], GREY.mix(0.45).filled())
        }))
        .map_err(chart_error)?
        .label(text.legend(4))
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], GREY.mix(0.45).filled()));
    let font = (FAMILY, text.px(11.0)).into_font();
    chart
        .draw_series(stages.iter().enumerate().map(|(i, v)| {
            Text::new(
                text.num(*v, 1),
                (2.0 * i as f64 - w, v + top * 0.02),
                font.clone(),
            )
        }))
        .map_err(chart_error)?;
    chart
        .draw_series(stages.windows(2).enumerate().map(|(i, s)| {
            Text::new(
                format!("−{}", text.num(s[0] - s[1], 1)),
                (2.0 * i as f64 + 1.0 - w, s[0] + top * 0.02),
                font.clone().color(&GREY),
            )
        }))
        .map_err(chart_error)?;
    legend(&mut chart, SeriesLabelPosition::UpperRight, text)
}

/// Leverage (total investment per euro of EU contribution) of each award as a horizontal
/// bar, the programme's target and the portfolio's leverage as vertical lines.
pub fn leverage_chart(p: &Portfolio, text: &ChartText, width: u32, height: u32) -> Result<String> {
    super::finance_charts::svg(width, height, |root| draw_leverage(root, p, text))
}

pub fn draw_leverage<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: &Portfolio,
    text: &ChartText,
) -> Result<()> {
    let l = &p.leverage;
    let bars: Vec<(&str, f64)> = l
        .awards
        .iter()
        .filter_map(|a| Some((a.acronym.as_str(), a.leverage?)))
        .collect();
    let (_, hi) =
        range(
            bars.iter()
                .map(|b| b.1)
                .chain([l.target, l.portfolio.unwrap_or(0.0), 0.0]),
        );
    let n = bars.len().max(1) as f64;
    root.fill(&WHITE).map_err(chart_error)?;
    let mut chart = ChartBuilder::on(root)
        .caption(&text.caption, (FAMILY, text.px(16.0)))
        .margin(text.pxu(12))
        .x_label_area_size(text.pxu(40))
        .y_label_area_size(text.pxu(110))
        .build_cartesian_2d(0.0..hi, -0.5..n - 0.5)
        .map_err(chart_error)?;
    chart
        .configure_mesh()
        .x_desc(&text.x_axis)
        .label_style((FAMILY, text.px(10.0)))
        .axis_desc_style((FAMILY, text.px(12.0)))
        .y_labels(bars.len().clamp(1, 60))
        .y_label_formatter(&|y| {
            let i = y.round();
            if (y - i).abs() > 0.01 || i < 0.0 {
                return String::new();
            }
            // The first award on top.
            let k = bars.len() as f64 - 1.0 - i;
            bars.get(k as usize)
                .map(|b| b.0.to_string())
                .unwrap_or_default()
        })
        .x_label_formatter(&|v| text.num(*v, 1))
        .disable_y_mesh()
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .draw()
        .map_err(chart_error)?;
    let h = 0.34;
    let top = bars.len() as f64 - 1.0;
    chart
        .draw_series(bars.iter().enumerate().map(|(i, b)| {
            let y = top - i as f64;
            let c = if b.1 >= l.target { BLUE } else { ORANGE };
            Rectangle::new([(0.0, y - h), (b.1, y + h)], c.filled())
        }))
        .map_err(chart_error)?
        .label(text.legend(0))
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], BLUE.filled()));
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(l.target, -0.5), (l.target, n - 0.5)],
            RED.stroke_width(2),
        )))
        .map_err(chart_error)?
        .label(format!("{} {}", text.legend(1), text.num(l.target, 1)))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], RED.stroke_width(2)));
    if let Some(v) = l.portfolio {
        chart
            .draw_series(DashedLineSeries::new(
                vec![(v, -0.5), (v, n - 0.5)],
                6,
                4,
                GREEN.stroke_width(2),
            ))
            .map_err(chart_error)?
            .label(format!("{} {}", text.legend(2), text.num(v, 2)))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], GREEN.stroke_width(2)));
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight, text)
}

/// One row of the milestone chart.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct MilestoneBar {
    pub label: String,
    pub baseline: NaiveDate,
    pub forecast: NaiveDate,
    pub actual: Option<NaiveDate>,
    pub state: MilestoneState,
}

fn year_of(d: NaiveDate) -> f64 {
    f64::from(d.year()) + f64::from(d.ordinal0()) / 365.25
}

/// Each milestone's baseline (hollow) and its forecast or actual date (filled: red when at
/// risk, green when achieved), joined by the slip; today as a vertical line.
pub fn milestone_chart(
    rows: &[MilestoneBar],
    today: NaiveDate,
    text: &ChartText,
    width: u32,
    height: u32,
) -> Result<String> {
    super::finance_charts::svg(width, height, |root| {
        draw_milestones(root, rows, today, text)
    })
}

pub fn draw_milestones<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rows: &[MilestoneBar],
    today: NaiveDate,
    text: &ChartText,
) -> Result<()> {
    let (lo, hi) = range(
        rows.iter()
            .flat_map(|r| [r.baseline, r.forecast, r.actual.unwrap_or(r.forecast)])
            .chain([today])
            .map(year_of),
    );
    let (lo, hi) = (lo.floor(), hi.ceil());
    let n = rows.len().max(1) as f64;
    let top = rows.len() as f64 - 1.0;
    root.fill(&WHITE).map_err(chart_error)?;
    let mut chart = ChartBuilder::on(root)
        .caption(&text.caption, (FAMILY, text.px(16.0)))
        .margin(text.pxu(12))
        .x_label_area_size(text.pxu(40))
        .y_label_area_size(text.pxu(190))
        .build_cartesian_2d(lo..hi, -0.5..n - 0.5)
        .map_err(chart_error)?;
    chart
        .configure_mesh()
        .x_desc(&text.x_axis)
        .label_style((FAMILY, text.px(10.0)))
        .axis_desc_style((FAMILY, text.px(12.0)))
        .x_labels(((hi - lo) as usize + 1).min(16))
        .x_label_formatter(&|v| format!("{:.0}", v))
        .y_labels(rows.len().clamp(1, 60))
        .y_label_formatter(&|y| {
            let i = y.round();
            if (y - i).abs() > 0.01 || i < 0.0 {
                return String::new();
            }
            let k = top - i;
            rows.get(k as usize)
                .map(|r| short(&r.label, 34))
                .unwrap_or_default()
        })
        .disable_y_mesh()
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .draw()
        .map_err(chart_error)?;
    let y = |i: usize| top - i as f64;
    chart
        .draw_series(rows.iter().enumerate().map(|(i, r)| {
            let to = year_of(r.actual.unwrap_or(r.forecast));
            PathElement::new(
                vec![(year_of(r.baseline), y(i)), (to, y(i))],
                GREY.stroke_width(2),
            )
        }))
        .map_err(chart_error)?;
    let size = text.pxu(5);
    chart
        .draw_series(
            rows.iter()
                .enumerate()
                .map(|(i, r)| Circle::new((year_of(r.baseline), y(i)), size, GREY.stroke_width(2))),
        )
        .map_err(chart_error)?
        .label(text.legend(0))
        .legend(move |(x, y)| Circle::new((x + 5, y), size, GREY.stroke_width(2)));
    let colour = |s: MilestoneState| match s {
        MilestoneState::Planned => BLUE,
        MilestoneState::AtRisk => RED,
        MilestoneState::Achieved | MilestoneState::Verified => GREEN,
    };
    chart
        .draw_series(rows.iter().enumerate().map(|(i, r)| {
            let at = year_of(r.actual.unwrap_or(r.forecast));
            Circle::new((at, y(i)), size, colour(r.state).filled())
        }))
        .map_err(chart_error)?
        .label(text.legend(1))
        .legend(move |(x, y)| Circle::new((x + 5, y), size, BLUE.filled()));
    for (state, i) in [(MilestoneState::AtRisk, 2), (MilestoneState::Achieved, 3)] {
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), u32>>())
            .map_err(chart_error)?
            .label(text.legend(i))
            .legend(move |(x, y)| Circle::new((x + 5, y), size, colour(state).filled()));
    }
    let t = year_of(today);
    chart
        .draw_series(DashedLineSeries::new(
            vec![(t, -0.5), (t, n - 0.5)],
            5,
            4,
            ORANGE.stroke_width(2),
        ))
        .map_err(chart_error)?
        .label(text.legend(4))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], ORANGE.stroke_width(2)));
    legend(&mut chart, SeriesLabelPosition::UpperRight, text)
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// The country shapes of the map (templates/maps/europe.json; see SOURCE.md there).
#[derive(Debug, Deserialize)]
pub struct Map {
    /// west, south, east, north (degrees)
    pub frame: [f64; 4],
    pub countries: Vec<Shape>,
}

#[derive(Debug, Deserialize)]
pub struct Shape {
    pub code: String,
    /// Outer rings, each a list of [longitude, latitude].
    pub rings: Vec<Vec<[f64; 2]>>,
}

impl Shape {
    /// The middle of the largest ring's bounding box, where the state's dot goes.
    fn anchor(&self) -> Option<(f64, f64)> {
        let ring = self.rings.iter().max_by_key(|r| r.len())?;
        let (mut w, mut s, mut e, mut n) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for p in ring {
            w = w.min(p[0]);
            e = e.max(p[0]);
            s = s.min(p[1]);
            n = n.max(p[1]);
        }
        Some(((w + e) / 2.0, (s + n) / 2.0))
    }
}

pub fn europe() -> Result<&'static Map> {
    static MAP: OnceLock<std::result::Result<Map, String>> = OnceLock::new();
    MAP.get_or_init(|| {
        serde_json::from_str(include_str!("../../templates/maps/europe.json"))
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| Error::Internal(format!("the map of Europe: {e}")))
}

/// One state on the map: the EU contribution awarded there and its number of awards.
#[derive(Clone, Debug, PartialEq)]
pub struct MapValue {
    pub eu_m: f64,
    pub awards: u32,
}

/// A choropleth of Europe: each state shaded by the EU contribution awarded there (four
/// classes up to the largest), a dot with the number of awards (so that Malta and
/// Luxembourg show), the participating states without awards light, the others blank.
pub fn map_chart(
    values: &BTreeMap<String, MapValue>,
    participating: &[String],
    text: &ChartText,
    width: u32,
    height: u32,
) -> Result<String> {
    super::finance_charts::svg(width, height, |root| {
        draw_map(root, values, participating, text)
    })
}

/// Longitude shrunk by the cosine of the frame's middle latitude, so that the north does
/// not look wider than it is.
fn project(p: [f64; 2], lon0: f64, k: f64) -> (f64, f64) {
    ((p[0] - lon0) * k, p[1])
}

pub fn draw_map<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    values: &BTreeMap<String, MapValue>,
    participating: &[String],
    text: &ChartText,
) -> Result<()> {
    let map = europe()?;
    let [w, s, e, n] = map.frame;
    let lon0 = (w + e) / 2.0;
    let k = ((s + n) / 2.0).to_radians().cos();
    let top = values.values().map(|v| v.eu_m).fold(0.0, f64::max);
    root.fill(&RGBColor(244, 248, 252)).map_err(chart_error)?;
    let mut chart = ChartBuilder::on(root)
        .caption(&text.caption, (FAMILY, text.px(16.0)))
        .margin(text.pxu(8))
        .build_cartesian_2d((w - lon0) * k..(e - lon0) * k, s..n)
        .map_err(chart_error)?;
    let classes = [
        RGBColor(198, 214, 240),
        RGBColor(140, 172, 224),
        RGBColor(70, 115, 196),
        BLUE,
    ];
    let class = |v: f64| {
        if top <= 0.0 {
            0
        } else {
            (((v / top) * 4.0).ceil() as usize).clamp(1, 4) - 1
        }
    };
    for c in &map.countries {
        let fill = match values.get(&c.code) {
            Some(v) => classes[class(v.eu_m)],
            None if participating.contains(&c.code) => RGBColor(236, 238, 242),
            None => WHITE,
        };
        for ring in &c.rings {
            let pts: Vec<(f64, f64)> = ring.iter().map(|p| project(*p, lon0, k)).collect();
            chart
                .draw_series(std::iter::once(Polygon::new(pts, fill.filled())))
                .map_err(chart_error)?;
            // The outline, without the edges the frame cut (they are not borders).
            let on_frame = |p: &[f64; 2]| p[0] <= w || p[0] >= e || p[1] <= s || p[1] >= n;
            let mut line: Vec<(f64, f64)> = Vec::new();
            let k_ = ring.len();
            for i in 0..=k_ {
                let (a, b) = (&ring[i % k_], &ring[(i + 1) % k_]);
                let cut = on_frame(a) && on_frame(b);
                if line.is_empty() {
                    line.push(project(*a, lon0, k));
                }
                if cut || i == k_ {
                    if line.len() > 1 {
                        chart
                            .draw_series(std::iter::once(PathElement::new(
                                std::mem::take(&mut line),
                                GREY.stroke_width(1),
                            )))
                            .map_err(chart_error)?;
                    }
                    line.clear();
                } else {
                    line.push(project(*b, lon0, k));
                }
            }
        }
    }
    let font = (FAMILY, text.px(10.0)).into_font();
    for (code, v) in values {
        let Some(at) = map
            .countries
            .iter()
            .find(|c| &c.code == code)
            .and_then(Shape::anchor)
        else {
            continue;
        };
        let at = project([at.0, at.1], lon0, k);
        chart
            .draw_series(std::iter::once(Circle::new(
                at,
                text.pxu(8),
                ORANGE.filled(),
            )))
            .map_err(chart_error)?;
        let label = v.awards.to_string();
        let dx = text.px(3.0 * label.len() as f64) as i32;
        chart
            .draw_series(std::iter::once(
                EmptyElement::at(at)
                    + Text::new(
                        label,
                        (-dx, -(text.pxu(5) as i32)),
                        font.clone().color(&WHITE),
                    ),
            ))
            .map_err(chart_error)?;
    }
    for (i, c) in classes.into_iter().enumerate() {
        let hi = top * (i as f64 + 1.0) / 4.0;
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), u32>>())
            .map_err(chart_error)?
            .label(if text.decimal == ',' {
                format!("≤ {} M€", text.num(hi, 0))
            } else {
                format!("≤ €{}m", text.num(hi, 0))
            })
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], c.filled()));
    }
    chart
        .draw_series(std::iter::empty::<Circle<(f64, f64), u32>>())
        .map_err(chart_error)?
        .label(text.legend(0))
        .legend(|(x, y)| Circle::new((x + 5, y), 5, ORANGE.filled()));
    legend(&mut chart, SeriesLabelPosition::UpperLeft, text)
}

/// Chart words in English or French.
pub fn chart_text(lang: &str, chart: &str) -> ChartText {
    let fr = lang == "fr";
    let t = |en: &str, fr_: &str| if fr { fr_.to_string() } else { en.to_string() };
    let decimal = if fr { ',' } else { '.' };
    let (caption, x_axis, y_axis, legend) = match chart {
        "envelope" => (
            t(
                "The envelope, from announced to paid",
                "L’enveloppe, de l’annoncé au versé",
            ),
            String::new(),
            t("€ million", "millions d’€"),
            vec![
                t("Announced", "Annoncé"),
                t("Committed", "Engagé"),
                t("Contracted", "Contractualisé"),
                t("Paid", "Versé"),
                t(
                    "Not carried on yet",
                    "Pas encore reporté à l’étape suivante",
                ),
            ],
        ),
        "leverage" => (
            t("Leverage per award", "Effet de levier par subvention"),
            t(
                "Total investment per euro of EU contribution",
                "Investissement total par euro de contribution de l’UE",
            ),
            String::new(),
            vec![
                t("Award", "Subvention"),
                t("target", "cible"),
                t("portfolio", "portefeuille"),
            ],
        ),
        "milestones" => (
            t(
                "Milestones: baseline and forecast",
                "Jalons : référence et prévision",
            ),
            t("Year", "Année"),
            String::new(),
            vec![
                t("baseline", "référence"),
                t("forecast", "prévision"),
                t("at risk", "à risque"),
                t("achieved", "atteint"),
                t("today", "aujourd’hui"),
            ],
        ),
        "risk" => (
            t(
                "Disbursements by year: forecast and range",
                "Décaissements par année : prévision et fourchette",
            ),
            t("Year", "Année"),
            t("€ million", "millions d’€"),
            vec![
                t(
                    "forecast (milestones on their forecast)",
                    "prévision (jalons à leur date prévue)",
                ),
                t("P10 – P90", "P10 – P90"),
                t("P50", "P50"),
            ],
        ),
        _ => (
            t(
                "EU contribution awarded by Member State",
                "Contribution de l’UE attribuée par État membre",
            ),
            String::new(),
            t("€ m", "M€"),
            vec![t("number of awards", "nombre de subventions")],
        ),
    };
    ChartText {
        caption,
        x_axis,
        y_axis,
        legend,
        decimal,
        scale: 1.0,
    }
}

/// The disbursement forecast's range by year: P10–P90 as a band, P50 as a line, the
/// deterministic forecast as bars (€ m).
pub fn risk_chart(
    r: &crate::programme::risk::ScheduleRisk,
    text: &ChartText,
    width: u32,
    height: u32,
) -> Result<String> {
    super::finance_charts::svg(width, height, |root| draw_risk(root, r, text))
}

pub fn draw_risk<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    r: &crate::programme::risk::ScheduleRisk,
    text: &ChartText,
) -> Result<()> {
    let m = 1e6;
    let ys = &r.years;
    let top = ys
        .iter()
        .flat_map(|y| [y.p90.as_euros_f64(), y.forecast.as_euros_f64()])
        .fold(0.0, f64::max)
        / m
        * 1.12;
    let (x0, x1) = match (ys.first(), ys.last()) {
        (Some(a), Some(b)) => (f64::from(a.year) - 0.6, f64::from(b.year) + 0.6),
        _ => (0.0, 1.0),
    };
    root.fill(&WHITE).map_err(chart_error)?;
    let mut chart = ChartBuilder::on(root)
        .caption(&text.caption, (FAMILY, text.px(16.0)))
        .margin(text.pxu(12))
        .x_label_area_size(text.pxu(40))
        .y_label_area_size(text.pxu(70))
        .build_cartesian_2d(x0..x1, 0.0..top.max(1.0))
        .map_err(chart_error)?;
    chart
        .configure_mesh()
        .x_desc(&text.x_axis)
        .y_desc(&text.y_axis)
        .label_style((FAMILY, text.px(11.0)))
        .axis_desc_style((FAMILY, text.px(12.0)))
        .x_labels(ys.len().clamp(1, 20))
        .x_label_formatter(&|v| format!("{:.0}", v))
        .y_label_formatter(&|v| text.num(*v, 0))
        .disable_x_mesh()
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .draw()
        .map_err(chart_error)?;
    let w = 0.3;
    chart
        .draw_series(ys.iter().map(|y| {
            let x = f64::from(y.year);
            Rectangle::new(
                [(x - w, 0.0), (x + w, y.forecast.as_euros_f64() / m)],
                LIGHT_BLUE.mix(0.6).filled(),
            )
        }))
        .map_err(chart_error)?
        .label(text.legend(0))
        .legend(|(x, y)| {
            Rectangle::new([(x, y - 5), (x + 10, y + 5)], LIGHT_BLUE.mix(0.6).filled())
        });
    // The P10–P90 range of each year as a whisker.
    chart
        .draw_series(ys.iter().map(|y| {
            let x = f64::from(y.year);
            PathElement::new(
                vec![(x, y.p10.as_euros_f64() / m), (x, y.p90.as_euros_f64() / m)],
                ORANGE.stroke_width(3),
            )
        }))
        .map_err(chart_error)?
        .label(text.legend(1))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], ORANGE.stroke_width(3)));
    chart
        .draw_series(LineSeries::new(
            ys.iter()
                .map(|y| (f64::from(y.year), y.p50.as_euros_f64() / m)),
            BLUE.stroke_width(2),
        ))
        .map_err(chart_error)?
        .label(text.legend(2))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], BLUE.stroke_width(2)));
    chart
        .draw_series(ys.iter().map(|y| {
            Circle::new(
                (f64::from(y.year), y.p50.as_euros_f64() / m),
                3,
                BLUE.filled(),
            )
        }))
        .map_err(chart_error)?;
    legend(&mut chart, SeriesLabelPosition::UpperRight, text)
}
