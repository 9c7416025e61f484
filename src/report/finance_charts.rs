//! The finance charts (FINANCE.md): yearly cash flows, DSCR against the lock-up line, the
//! equity-IRR distribution from Monte Carlo and the tornado. Drawn by plotters into SVG, so
//! the app shows them and the reports embed them.

use super::charts::{FAMILY, chart_error, register};
use crate::error::Result;
use crate::finance::Year;
use crate::finance::montecarlo::MonteCarlo;
use crate::finance::sensitivity::Tornado;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// Draws into an SVG string.
pub(crate) fn svg(
    width: u32,
    height: u32,
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<()>,
) -> Result<String> {
    register()?;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        draw(&root)?;
        root.present().map_err(chart_error)?;
    }
    Ok(out)
}

/// Draws into RGB pixels (for PDF documents), `width` × `height`.
pub fn rgb(
    width: u32,
    height: u32,
    draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<()>,
) -> Result<Vec<u8>> {
    register()?;
    let mut buf = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (width, height)).into_drawing_area();
        draw(&root)?;
        root.present().map_err(chart_error)?;
    }
    Ok(buf)
}

pub(crate) const BLUE: RGBColor = RGBColor(0, 51, 153);
pub(crate) const LIGHT_BLUE: RGBColor = RGBColor(120, 160, 220);
pub(crate) const ORANGE: RGBColor = RGBColor(230, 130, 40);
pub(crate) const GREY: RGBColor = RGBColor(150, 150, 160);
pub(crate) const RED: RGBColor = RGBColor(190, 30, 45);
pub(crate) const GRID: RGBColor = RGBColor(228, 232, 240);

/// The words of a chart in the user's language.
#[derive(Clone, Debug, Default)]
pub struct ChartText {
    pub caption: String,
    pub x_axis: String,
    pub y_axis: String,
    /// Series names, in the order each chart documents.
    pub legend: Vec<String>,
    /// `,` for French, `.` for English.
    pub decimal: char,
    /// Size of text and margins relative to the screen charts (2.0 for print bitmaps).
    pub scale: f64,
}

impl ChartText {
    pub(crate) fn px(&self, v: f64) -> f64 {
        v * if self.scale > 0.0 { self.scale } else { 1.0 }
    }

    pub(crate) fn pxu(&self, v: u32) -> u32 {
        self.px(f64::from(v)).round() as u32
    }

    pub(crate) fn legend(&self, i: usize) -> String {
        self.legend.get(i).cloned().unwrap_or_default()
    }

    pub(crate) fn num(&self, v: f64, decimals: usize) -> String {
        let s = format!("{v:.decimals$}");
        if self.decimal == ',' {
            s.replace('.', ",")
        } else {
            s
        }
    }
}

pub(crate) type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The series legend, in the same style on every finance chart.
pub(crate) fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    position: SeriesLabelPosition,
    text: &ChartText,
) -> Result<()> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FAMILY, text.px(11.0)))
        .background_style(WHITE.mix(0.85))
        .border_style(GRID)
        .draw()
        .map_err(chart_error)
}

pub(crate) fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1e-9);
    (lo - pad, hi + pad)
}

/// Revenue up, opex and capex down (bars, € m), the equity flow as a line.
pub fn cash_flow_chart(
    years: &[Year],
    text: &ChartText,
    width: u32,
    height: u32,
) -> Result<String> {
    svg(width, height, |root| draw_cash_flow(root, years, text))
}

pub fn draw_cash_flow<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    years: &[Year],
    text: &ChartText,
) -> Result<()> {
    let m = 1e6;
    let (lo, hi) = range(years.iter().flat_map(|y| {
        [
            y.revenue / m,
            -(y.opex + y.capex) / m,
            y.equity_flow / m,
            0.0,
        ]
    }));
    let n = years.len() as f64;
    {
        root.fill(&WHITE).map_err(chart_error)?;
        let mut chart = ChartBuilder::on(root)
            .caption(&text.caption, (FAMILY, text.px(16.0)))
            .margin(text.pxu(12))
            .x_label_area_size(text.pxu(40))
            .y_label_area_size(text.pxu(70))
            .build_cartesian_2d(-0.5..n - 0.5, lo..hi)
            .map_err(chart_error)?;
        chart
            .configure_mesh()
            .x_desc(&text.x_axis)
            .y_desc(&text.y_axis)
            .label_style((FAMILY, text.px(11.0)))
            .axis_desc_style((FAMILY, text.px(12.0)))
            .x_labels(years.len().min(20))
            .x_label_formatter(&|x| {
                let i = x.round() as usize;
                years
                    .get(i)
                    .map(|y| y.year.map_or(y.t.to_string(), |c| c.to_string()))
                    .unwrap_or_default()
            })
            .y_label_formatter(&|v| text.num(*v, 0))
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .draw()
            .map_err(chart_error)?;
        let w = 0.28;
        let bar = |x: f64, from: f64, to: f64, c: RGBColor| {
            Rectangle::new([(x - w, from), (x + w, to)], c.filled())
        };
        chart
            .draw_series(
                years
                    .iter()
                    .enumerate()
                    .map(|(i, y)| bar(i as f64, 0.0, y.revenue / m, LIGHT_BLUE)),
            )
            .map_err(chart_error)?
            .label(text.legend(0))
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], LIGHT_BLUE.filled()));
        chart
            .draw_series(
                years
                    .iter()
                    .enumerate()
                    .map(|(i, y)| bar(i as f64, 0.0, -y.opex / m, ORANGE)),
            )
            .map_err(chart_error)?
            .label(text.legend(1))
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], ORANGE.filled()));
        chart
            .draw_series(
                years
                    .iter()
                    .enumerate()
                    .map(|(i, y)| bar(i as f64, -y.opex / m, -(y.opex + y.capex) / m, GREY)),
            )
            .map_err(chart_error)?
            .label(text.legend(2))
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], GREY.filled()));
        let line: Vec<(f64, f64)> = years
            .iter()
            .enumerate()
            .map(|(i, y)| (i as f64, y.equity_flow / m))
            .collect();
        chart
            .draw_series(LineSeries::new(line.clone(), BLUE.stroke_width(2)))
            .map_err(chart_error)?
            .label(text.legend(3))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], BLUE.stroke_width(2)));
        chart
            .draw_series(line.into_iter().map(|p| Circle::new(p, 3, BLUE.filled())))
            .map_err(chart_error)?;
        legend(&mut chart, SeriesLabelPosition::LowerRight, text)?;
    }
    Ok(())
}

/// DSCR in each year with debt service, with the target, the lock-up and 1.0 as lines.
pub fn dscr_chart(
    years: &[Year],
    target: f64,
    lockup: f64,
    text: &ChartText,
    width: u32,
    height: u32,
) -> Result<String> {
    svg(width, height, |root| {
        draw_dscr(root, years, target, lockup, text)
    })
}

pub fn draw_dscr<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    years: &[Year],
    target: f64,
    lockup: f64,
    text: &ChartText,
) -> Result<()> {
    let points: Vec<(f64, f64)> = years
        .iter()
        .filter_map(|y| y.dscr.map(|d| (y.t as f64, d)))
        .collect();
    let (x0, x1) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.0), b.max(p.0))
        });
    let (x0, x1) = if x0.is_finite() {
        (x0 - 0.5, x1 + 0.5)
    } else {
        (0.0, 1.0)
    };
    let (lo, hi) = range(points.iter().map(|p| p.1).chain([0.8, target, lockup]));
    let lo = lo.clamp(-1.0, 0.8);
    // Head room for the legend above the bars.
    let hi = hi + (hi - lo) * 0.35;
    {
        root.fill(&WHITE).map_err(chart_error)?;
        let mut chart = ChartBuilder::on(root)
            .caption(&text.caption, (FAMILY, text.px(16.0)))
            .margin(text.pxu(12))
            .x_label_area_size(text.pxu(40))
            .y_label_area_size(text.pxu(56))
            .build_cartesian_2d(x0..x1, lo..hi)
            .map_err(chart_error)?;
        chart
            .configure_mesh()
            .x_desc(&text.x_axis)
            .y_desc(&text.y_axis)
            .label_style((FAMILY, text.px(11.0)))
            .axis_desc_style((FAMILY, text.px(12.0)))
            .x_label_formatter(&|x| {
                let t = x.round() as u32;
                years
                    .iter()
                    .find(|y| y.t == t)
                    .map(|y| y.year.map_or(t.to_string(), |c| c.to_string()))
                    .unwrap_or_default()
            })
            .y_label_formatter(&|v| text.num(*v, 2))
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .draw()
            .map_err(chart_error)?;
        chart
            .draw_series(points.iter().map(|(x, y)| {
                let colour = if *y < lockup { RED } else { LIGHT_BLUE };
                Rectangle::new([(x - 0.3, 0.0_f64.max(lo)), (x + 0.3, *y)], colour.filled())
            }))
            .map_err(chart_error)?
            .label(text.legend(0))
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], LIGHT_BLUE.filled()));
        for (i, (level, colour)) in [(target, BLUE), (lockup, ORANGE), (1.0, RED)]
            .into_iter()
            .enumerate()
        {
            let style = colour.stroke_width(2);
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(x0, level), (x1, level)],
                    8,
                    5,
                    style,
                ))
                .map_err(chart_error)?
                .label(format!("{} {}", text.legend(i + 1), text.num(level, 2)))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], style));
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight, text)?;
    }
    Ok(())
}

/// The Monte Carlo distribution of the equity IRR (%), with P10, P50 and P90 marked.
pub fn irr_histogram(mc: &MonteCarlo, text: &ChartText, width: u32, height: u32) -> Result<String> {
    svg(width, height, |root| draw_irr_histogram(root, mc, text))
}

pub fn draw_irr_histogram<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    mc: &MonteCarlo,
    text: &ChartText,
) -> Result<()> {
    let h = &mc.equity_irr_histogram;
    let edges: Vec<f64> = h.edges.iter().map(|e| e * 100.0).collect();
    let x0 = edges.first().copied().unwrap_or(0.0);
    let x1 = edges.last().copied().unwrap_or(1.0);
    let top = h.counts.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.12;
    {
        root.fill(&WHITE).map_err(chart_error)?;
        let mut chart = ChartBuilder::on(root)
            .caption(&text.caption, (FAMILY, text.px(16.0)))
            .margin(text.pxu(12))
            .x_label_area_size(text.pxu(40))
            .y_label_area_size(text.pxu(56))
            .build_cartesian_2d(x0..x1, 0.0..top)
            .map_err(chart_error)?;
        chart
            .configure_mesh()
            .x_desc(&text.x_axis)
            .y_desc(&text.y_axis)
            .label_style((FAMILY, text.px(11.0)))
            .axis_desc_style((FAMILY, text.px(12.0)))
            .x_label_formatter(&|v| text.num(*v, 0))
            .y_label_formatter(&|v| text.num(*v, 0))
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .draw()
            .map_err(chart_error)?;
        chart
            .draw_series(h.counts.iter().enumerate().map(|(i, c)| {
                Rectangle::new(
                    [(edges[i], 0.0), (edges[i + 1], f64::from(*c))],
                    LIGHT_BLUE.filled(),
                )
            }))
            .map_err(chart_error)?
            .label(text.legend(0))
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], LIGHT_BLUE.filled()));
        for (i, (q, colour)) in [
            (mc.equity_irr_p10, RED),
            (mc.equity_irr_p50, BLUE),
            (mc.equity_irr_p90, ORANGE),
        ]
        .into_iter()
        .enumerate()
        {
            let Some(q) = q else { continue };
            let x = q * 100.0;
            let style = colour.stroke_width(2);
            chart
                .draw_series(DashedLineSeries::new(vec![(x, 0.0), (x, top)], 6, 4, style))
                .map_err(chart_error)?
                .label(format!("{} {} %", text.legend(i + 1), text.num(x, 1)))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], style));
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight, text)?;
    }
    Ok(())
}

/// Horizontal bars from the metric at input − x % to input + x %, largest swing on top.
pub fn tornado_chart(
    t: &Tornado,
    bars: usize,
    scale: f64,
    text: &ChartText,
    width: u32,
    height: u32,
) -> Result<String> {
    svg(width, height, |root| {
        draw_tornado(root, t, bars, scale, text)
    })
}

pub fn draw_tornado<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    t: &Tornado,
    bars: usize,
    scale: f64,
    text: &ChartText,
) -> Result<()> {
    let shown: Vec<_> = t
        .bars
        .iter()
        .filter(|b| b.metric_low.is_some() && b.metric_high.is_some())
        .take(bars)
        .collect();
    let base = t.base.unwrap_or(0.0) * scale;
    let (lo, hi) = range(
        shown
            .iter()
            .flat_map(|b| {
                [
                    b.metric_low.unwrap_or(0.0) * scale,
                    b.metric_high.unwrap_or(0.0) * scale,
                ]
            })
            .chain([base]),
    );
    let k = shown.len().max(1) as f64;
    {
        root.fill(&WHITE).map_err(chart_error)?;
        let mut chart = ChartBuilder::on(root)
            .caption(&text.caption, (FAMILY, text.px(16.0)))
            .margin(text.pxu(12))
            .x_label_area_size(text.pxu(40))
            .y_label_area_size(text.pxu(150))
            .build_cartesian_2d(lo..hi, -0.5..k - 0.5)
            .map_err(chart_error)?;
        chart
            .configure_mesh()
            .x_desc(&text.x_axis)
            .label_style((FAMILY, text.px(11.0)))
            .axis_desc_style((FAMILY, text.px(12.0)))
            .y_labels(shown.len().max(1))
            .y_label_formatter(&|v| {
                let i = v.round();
                if (v - i).abs() > 0.01 || i < 0.0 {
                    return String::new();
                }
                // Row 0 is at the bottom: the largest swing is drawn at the top.
                let idx = (k - 1.0 - i) as usize;
                shown.get(idx).map(|b| b.param.clone()).unwrap_or_default()
            })
            .x_label_formatter(&|v| text.num(*v, 1))
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .draw()
            .map_err(chart_error)?;
        let row = |i: usize| k - 1.0 - i as f64;
        chart
            .draw_series(shown.iter().enumerate().map(|(i, b)| {
                let v = b.metric_low.unwrap_or(0.0) * scale;
                Rectangle::new([(base, row(i) - 0.35), (v, row(i) + 0.35)], ORANGE.filled())
            }))
            .map_err(chart_error)?
            .label(text.legend(0))
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], ORANGE.filled()));
        chart
            .draw_series(shown.iter().enumerate().map(|(i, b)| {
                let v = b.metric_high.unwrap_or(0.0) * scale;
                Rectangle::new(
                    [(base, row(i) - 0.35), (v, row(i) + 0.35)],
                    LIGHT_BLUE.filled(),
                )
            }))
            .map_err(chart_error)?
            .label(text.legend(1))
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], LIGHT_BLUE.filled()));
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(base, -0.5), (base, k - 0.5)],
                BLUE.stroke_width(2),
            )))
            .map_err(chart_error)?;
        legend(&mut chart, SeriesLabelPosition::LowerRight, text)?;
    }
    Ok(())
}

/// Chart words in English or French.
pub fn chart_text(lang: &str, chart: &str) -> ChartText {
    let fr = lang == "fr";
    let t = |en: &str, fr_: &str| if fr { fr_.to_string() } else { en.to_string() };
    let decimal = if fr { ',' } else { '.' };
    match chart {
        "cash_flow" => ChartText {
            caption: t("Yearly cash flows", "Flux de trésorerie annuels"),
            x_axis: t("Year", "Année"),
            y_axis: t("€ million", "millions d’€"),
            legend: vec![
                t("Revenue", "Recettes"),
                t("Opex", "Charges d’exploitation"),
                t("Capex", "Investissements"),
                t("Equity cash flow", "Flux des fonds propres"),
            ],
            decimal,
            scale: 1.0,
        },
        "dscr" => ChartText {
            caption: t(
                "Debt service cover ratio",
                "Ratio de couverture du service de la dette",
            ),
            x_axis: t("Year", "Année"),
            y_axis: "DSCR".into(),
            legend: vec![
                "DSCR".into(),
                t("target", "cible"),
                t("lock-up", "blocage des distributions"),
                t("break-even", "équilibre"),
            ],
            decimal,
            scale: 1.0,
        },
        "irr" => ChartText {
            caption: t(
                "Equity IRR across Monte Carlo paths",
                "TRI des fonds propres sur les tirages Monte Carlo",
            ),
            x_axis: t("Equity IRR (%)", "TRI des fonds propres (%)"),
            y_axis: t("Paths", "Tirages"),
            legend: vec![
                t("Paths", "Tirages"),
                "P10".into(),
                "P50".into(),
                "P90".into(),
            ],
            decimal,
            scale: 1.0,
        },
        _ => ChartText {
            caption: t("Sensitivity", "Sensibilité"),
            x_axis: String::new(),
            y_axis: String::new(),
            legend: vec![
                t("input − x %", "paramètre − x %"),
                t("input + x %", "paramètre + x %"),
            ],
            decimal,
            scale: 1.0,
        },
    }
}
