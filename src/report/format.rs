//! Numbers, euros, percentages and the metrics table, written for a language: shared by
//! the PDF reports and the command line.

use crate::finance::Metrics;

/// 1234.5 → "1,234.5" (en) or "1 234,5" (fr, narrow no-break space).
pub fn number(v: f64, decimals: usize, lang: &str) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(a, b)| (a, b));
    let sep = if lang == "fr" { '\u{202f}' } else { ',' };
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(if lang == "fr" { ',' } else { '.' });
        out.push_str(frac);
    }
    if v < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.insert(0, '−');
    }
    out
}

/// Euros in millions: "€1,090.5m" / "1 090,5 M€".
pub fn eur_m(v: f64, lang: &str) -> String {
    let n = number(v / 1e6, 1, lang);
    match (lang, n.strip_prefix('−')) {
        ("fr", _) => format!("{n} M€"),
        (_, Some(abs)) => format!("−€{abs}m"),
        _ => format!("€{n}m"),
    }
}

pub fn pct(v: Option<f64>, lang: &str) -> String {
    v.map_or("—".into(), |x| {
        format!("{} %", number(x * 100.0, 2, lang))
    })
}

pub fn ratio(v: Option<f64>, lang: &str) -> String {
    v.map_or("—".into(), |x| number(x, 3, lang))
}

/// FINANCE.md's headline metrics under their names, formatted for `lang`.
pub fn metric_rows(m: &Metrics, lang: &str) -> Vec<(&'static str, String)> {
    vec![
        ("initial_capex", eur_m(m.initial_capex, lang)),
        ("lifetime_capex", eur_m(m.lifetime_capex, lang)),
        ("grants_total", eur_m(m.grants_total, lang)),
        ("debt", eur_m(m.debt, lang)),
        ("equity_initial", eur_m(m.equity_initial, lang)),
        ("gearing_initial", pct(Some(m.gearing_initial), lang)),
        ("project_irr_pre_grant", pct(m.project_irr_pre_grant, lang)),
        (
            "project_irr_post_grant",
            pct(m.project_irr_post_grant, lang),
        ),
        (
            "project_npv_pre_grant",
            eur_m(m.project_npv_pre_grant, lang),
        ),
        ("equity_irr", pct(m.equity_irr, lang)),
        ("equity_npv", eur_m(m.equity_npv, lang)),
        ("min_dscr", ratio(m.min_dscr, lang)),
        ("avg_dscr", ratio(m.avg_dscr, lang)),
        ("llcr_at_drawdown", ratio(m.llcr_at_drawdown, lang)),
        (
            "equity_payback_years",
            m.equity_payback_years
                .map_or("—".into(), |y| number(y, 2, lang)),
        ),
        (
            "funding_gap_rate_pre_tax_at_ref_rate",
            pct(Some(m.funding_gap_rate_pre_tax_at_ref_rate), lang),
        ),
        (
            "funding_gap_after_tax_at_project_disc",
            eur_m(m.funding_gap_after_tax_at_project_disc, lang),
        ),
        (
            "mobilisation_ratio_private_per_public",
            ratio(m.mobilisation_ratio_private_per_public, lang),
        ),
        ("first_year_revenue", eur_m(m.first_year_revenue, lang)),
        ("first_year_opex", eur_m(m.first_year_opex, lang)),
    ]
}
