//! Charts drawn with plotters into SVG, with the embedded DejaVu Sans so that text is
//! measured and drawn the same on every machine.

use crate::error::{Error, Result};
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use serde::Serialize;
use std::sync::Once;
use ts_rs::TS;

/// DejaVu Sans (Bitstream Vera licence, see templates/fonts/DejaVu-LICENSE.txt).
const FONT: &[u8] = include_bytes!("../../templates/fonts/DejaVuSans.ttf");
pub(crate) const FAMILY: &str = "sans-serif";

pub(crate) fn register() -> Result<()> {
    static ONCE: Once = Once::new();
    let mut failed = false;
    ONCE.call_once(|| failed = register_font(FAMILY, FontStyle::Normal, FONT).is_err());
    if failed {
        return Err(Error::Internal("the chart font could not be loaded".into()));
    }
    Ok(())
}

pub(crate) fn chart_error<E: std::fmt::Debug>(e: E) -> Error {
    Error::Internal(format!("chart: {e:?}"))
}

/// One bid on the compute chart.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ComputePoint {
    pub label: String,
    /// H200e-hours per MWh.
    pub x: f64,
    /// € per H200e-hour (central), with the range from the interval of s.
    pub y: f64,
    pub y_low: f64,
    pub y_high: f64,
    /// A peak-FLOP/s fallback, drawn hollow.
    pub fallback: bool,
}

/// Labels of the compute chart, in the user's language.
#[derive(Clone, Debug)]
pub struct ComputeChartText {
    pub x_axis: String,
    pub y_axis: String,
    pub caption: String,
}

/// € per H200e-hour against H200e-hours per MWh, with the s range as error bars.
pub fn compute_chart(
    points: &[ComputePoint],
    text: &ComputeChartText,
    width: u32,
    height: u32,
) -> Result<String> {
    register()?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let finite = |v: f64| v.is_finite();
        let xs: Vec<f64> = points.iter().map(|p| p.x).filter(|v| finite(*v)).collect();
        let ys: Vec<f64> = points
            .iter()
            .flat_map(|p| [p.y_low, p.y_high, p.y])
            .filter(|v| finite(*v))
            .collect();
        let (x0, x1) = bounds(&xs);
        let (y0, y1) = bounds(&ys);
        let mut chart = ChartBuilder::on(&root)
            .caption(&text.caption, (FAMILY, 16))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(chart_error)?;
        chart
            .configure_mesh()
            .x_desc(&text.x_axis)
            .y_desc(&text.y_axis)
            .label_style((FAMILY, 12))
            .axis_desc_style((FAMILY, 13))
            .x_labels(8)
            .y_labels(8)
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(228, 232, 240))
            .draw()
            .map_err(chart_error)?;
        let blue = RGBColor(0, 51, 153);
        for p in points.iter().filter(|p| finite(p.x) && finite(p.y)) {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(p.x, p.y_low), (p.x, p.y_high)],
                    blue.stroke_width(2),
                )))
                .map_err(chart_error)?;
            let style = if p.fallback {
                blue.stroke_width(2)
            } else {
                blue.filled()
            };
            chart
                .draw_series(std::iter::once(Circle::new((p.x, p.y), 6, style)))
                .map_err(chart_error)?;
            // The label sits up and to the right of the marker, not on it.
            let at = (p.x + (x1 - x0) * 0.012, p.y + (y1 - y0) * 0.045);
            chart
                .draw_series(std::iter::once(Text::new(
                    p.label.clone(),
                    at,
                    (FAMILY, 12).into_font().color(&BLACK),
                )))
                .map_err(chart_error)?;
        }
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}

/// A padded axis range that holds every value.
fn bounds(values: &[f64]) -> (f64, f64) {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.12).max(hi.abs() * 0.05).max(1e-9);
    ((lo - pad).max(0.0), hi + pad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compute_chart_is_an_svg_with_every_bid_labelled() -> Result<()> {
        let points = vec![
            ComputePoint {
                label: "AURORA-GF".into(),
                x: 1219.0,
                y: 1.15,
                y_low: 1.24,
                y_high: 1.07,
                fallback: false,
            },
            ComputePoint {
                label: "ŁÓDŹ-AI".into(),
                x: 640.0,
                y: 1.42,
                y_low: 1.54,
                y_high: 1.32,
                fallback: true,
            },
        ];
        let text = ComputeChartText {
            x_axis: "H200e-hours per MWh".into(),
            y_axis: "€ per H200e-hour".into(),
            caption: "Compute".into(),
        };
        let svg = compute_chart(&points, &text, 640, 400)?;
        assert!(svg.starts_with("<svg"), "{}", &svg[..60.min(svg.len())]);
        assert!(svg.contains("AURORA-GF") && svg.contains("ŁÓDŹ-AI"));
        assert!(svg.contains("€ per H200e-hour"));
        Ok(())
    }
}
