//! The evaluation charts of the reports: a bid's consensus scores against the call's
//! distribution (ESR), and the use of the call's budget down the ranking (ranking report).

use super::charts::{FAMILY, chart_error};
use super::finance_charts::{BLUE, ChartText, GREY, GRID, LIGHT_BLUE, ORANGE, RED, legend};
use crate::compute::stats::quantile;
use crate::error::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One criterion of the ESR chart.
#[derive(Clone, Debug)]
pub struct CriterionDistribution {
    pub code: String,
    pub threshold: f64,
    /// The bid's consensus score, if it has one.
    pub score: Option<f64>,
    /// The consensus scores of every bid of the call on this criterion.
    pub call: Vec<f64>,
}

/// Per criterion: the call's range and middle half, its median, the threshold and the bid.
/// Legend: call range, middle half of the call, threshold, this proposal.
pub fn draw_scores<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rows: &[CriterionDistribution],
    (lo, hi): (f64, f64),
    text: &ChartText,
) -> Result<()> {
    root.fill(&WHITE).map_err(chart_error)?;
    let n = rows.len().max(1) as f64;
    let mut chart = ChartBuilder::on(root)
        .caption(&text.caption, (FAMILY, text.px(16.0)))
        .margin(text.pxu(12))
        .x_label_area_size(text.pxu(36))
        .y_label_area_size(text.pxu(44))
        .build_cartesian_2d(-0.5..n - 0.5, lo..hi + (hi - lo) * 0.04)
        .map_err(chart_error)?;
    chart
        .configure_mesh()
        .y_desc(&text.y_axis)
        .label_style((FAMILY, text.px(11.0)))
        .axis_desc_style((FAMILY, text.px(12.0)))
        .x_labels(rows.len().max(1))
        .x_label_formatter(&|v| {
            let i = v.round();
            if (v - i).abs() > 0.01 || i < 0.0 {
                return String::new();
            }
            rows.get(i as usize)
                .map(|r| r.code.clone())
                .unwrap_or_default()
        })
        .y_label_formatter(&|v| text.num(*v, 1))
        .disable_x_mesh()
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .draw()
        .map_err(chart_error)?;
    let width = text.pxu(2);
    let ranges: Vec<(f64, f64, f64, f64, f64, f64)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let min = r.call.iter().copied().fold(f64::INFINITY, f64::min);
            let max = r.call.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            Some((
                i as f64,
                min.is_finite().then_some(min)?,
                max,
                quantile(&r.call, 0.25)?,
                quantile(&r.call, 0.5)?,
                quantile(&r.call, 0.75)?,
            ))
        })
        .collect();
    chart
        .draw_series(ranges.iter().map(|&(x, min, max, ..)| {
            PathElement::new(vec![(x, min), (x, max)], GREY.stroke_width(width))
        }))
        .map_err(chart_error)?
        .label(text.legend(0))
        .legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 18, y)], GREY.stroke_width(width))
        });
    chart
        .draw_series(ranges.iter().map(|&(x, _, _, q1, _, q3)| {
            Rectangle::new(
                [(x - 0.16, q1), (x + 0.16, q3.max(q1 + 0.02))],
                LIGHT_BLUE.filled(),
            )
        }))
        .map_err(chart_error)?
        .label(text.legend(1))
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], LIGHT_BLUE.filled()));
    chart
        .draw_series(ranges.iter().map(|&(x, _, _, _, median, _)| {
            PathElement::new(
                vec![(x - 0.16, median), (x + 0.16, median)],
                BLUE.mix(0.6).stroke_width(width),
            )
        }))
        .map_err(chart_error)?;
    chart
        .draw_series(rows.iter().enumerate().map(|(i, r)| {
            let x = i as f64;
            PathElement::new(
                vec![(x - 0.3, r.threshold), (x + 0.3, r.threshold)],
                RED.stroke_width(width),
            )
        }))
        .map_err(chart_error)?
        .label(text.legend(2))
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], RED.stroke_width(width)));
    let radius = text.pxu(6) as i32;
    chart
        .draw_series(
            rows.iter().enumerate().filter_map(|(i, r)| {
                Some(Circle::new((i as f64, r.score?), radius, ORANGE.filled()))
            }),
        )
        .map_err(chart_error)?
        .label(text.legend(3))
        .legend(move |(x, y)| Circle::new((x + 9, y), radius, ORANGE.filled()));
    legend(&mut chart, SeriesLabelPosition::LowerRight, text)
}

/// One ranked bid on the budget chart.
#[derive(Clone, Debug)]
pub struct BudgetBar {
    pub label: String,
    /// Requested EU contribution, € million.
    pub requested: f64,
    pub main: bool,
}

/// The ranked bids as a waterfall of their requests (main list blue, reserve orange), the
/// budget as a red line. Legend: main list, reserve list, budget.
pub fn draw_budget<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    bars: &[BudgetBar],
    budget: f64,
    text: &ChartText,
) -> Result<()> {
    root.fill(&WHITE).map_err(chart_error)?;
    let total: f64 = bars.iter().map(|b| b.requested).sum();
    let top = total.max(budget) * 1.08;
    let n = bars.len().max(1) as f64;
    let mut chart = ChartBuilder::on(root)
        .caption(&text.caption, (FAMILY, text.px(16.0)))
        .margin(text.pxu(12))
        .x_label_area_size(text.pxu(if bars.len() > 12 { 30 } else { 40 }))
        .y_label_area_size(text.pxu(64))
        .build_cartesian_2d(-0.6..n - 0.4, 0.0..top.max(1.0))
        .map_err(chart_error)?;
    chart
        .configure_mesh()
        .x_desc(&text.x_axis)
        .y_desc(&text.y_axis)
        .label_style((FAMILY, text.px(if bars.len() > 12 { 9.0 } else { 11.0 })))
        .axis_desc_style((FAMILY, text.px(12.0)))
        .x_labels(bars.len().clamp(1, 40))
        .x_label_formatter(&|v| {
            let i = v.round();
            if (v - i).abs() > 0.01 || i < 0.0 || i as usize >= bars.len() {
                return String::new();
            }
            if bars.len() > 12 {
                format!("{}", i as usize + 1)
            } else {
                bars[i as usize].label.clone()
            }
        })
        .y_label_formatter(&|v| {
            super::format::number(*v, 0, if text.decimal == ',' { "fr" } else { "en" })
        })
        .disable_x_mesh()
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .draw()
        .map_err(chart_error)?;
    let mut start = 0.0;
    let steps: Vec<(f64, f64, f64, bool)> = bars
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let s = (i as f64, start, start + b.requested, b.main);
            start += b.requested;
            s
        })
        .collect();
    for (main, colour) in [(true, BLUE), (false, ORANGE)] {
        chart
            .draw_series(steps.iter().filter(|s| s.3 == main).map(|&(x, a, b, _)| {
                Rectangle::new([(x - 0.38, a), (x + 0.38, b)], colour.filled())
            }))
            .map_err(chart_error)?
            .label(text.legend(if main { 0 } else { 1 }))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], colour.filled()));
    }
    let width = text.pxu(2);
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(-0.6, budget), (n - 0.4, budget)],
            RED.stroke_width(width),
        )))
        .map_err(chart_error)?
        .label(text.legend(2))
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], RED.stroke_width(width)));
    legend(&mut chart, SeriesLabelPosition::UpperLeft, text)
}
