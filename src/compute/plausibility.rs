//! Plausibility of a bid's claims against real clusters of the same accelerator family
//! (COMPUTE.md, method 6). TOP500 and HPL-MxP data are not shipped, so the reference
//! population is Epoch AI's "AI Supercomputers" (facility power per chip by chip type).
//! A flag questions a claim; it never scores it.

use super::stats::quantile;
use crate::model::Bid;
use serde::Serialize;
use ts_rs::TS;

/// Fewer clusters than this make no reference population.
pub const MIN_CLUSTERS: usize = 5;
/// Epoch's power figures are mostly modelled, so a family's quartiles can be very close
/// together; the accepted band is at least this share either side of the median.
pub const MIN_BAND: f64 = 0.10;

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Plausibility {
    pub metric: String,
    /// The bid's figure: Σ sites' IT MW × PUE, per accelerator, in kW.
    pub claimed: f64,
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
    /// The accepted band: the interquartile range, widened to ±10 % of the median.
    pub low: f64,
    pub high: f64,
    pub clusters: u32,
    /// The claim lies outside the family's interquartile range.
    pub flagged: bool,
    pub note: String,
}

/// Checks a bid's facility power per accelerator against the clusters of its family
/// (`family` is the accelerator's Epoch hardware name); `None` without a population.
pub fn check(bid: &Bid, family: &str, kw_per_chip: &[(String, f64)]) -> Option<Plausibility> {
    let values: Vec<f64> = kw_per_chip
        .iter()
        .filter(|(c, _)| c == family)
        .map(|(_, v)| *v)
        .collect();
    let n = bid.initial_accelerators();
    if values.len() < MIN_CLUSTERS || n == 0 {
        return None;
    }
    let facility_kw: f64 = bid.sites.iter().map(|s| s.it_mw * s.pue).sum::<f64>() * 1000.0;
    let claimed = facility_kw / n as f64;
    let (q1, median, q3) = (
        quantile(&values, 0.25)?,
        quantile(&values, 0.5)?,
        quantile(&values, 0.75)?,
    );
    let (low, high) = (
        q1.min(median * (1.0 - MIN_BAND)),
        q3.max(median * (1.0 + MIN_BAND)),
    );
    let flagged = claimed < low || claimed > high;
    let clusters = values.len();
    let note = if flagged {
        format!(
            "{claimed:.2} kW of facility power per accelerator lies outside {low:.2}–{high:.2} kW \
             (quartiles of {clusters} {family} clusters, at least ±10 % of the median; Epoch AI, \
             AI Supercomputers): ask the applicant how it was sized"
        )
    } else {
        format!(
            "{claimed:.2} kW per accelerator, within {low:.2}–{high:.2} kW of {clusters} {family} clusters"
        )
    };
    Some(Plausibility {
        metric: "facility kW per accelerator".into(),
        claimed,
        q1,
        median,
        q3,
        low,
        high,
        clusters: values.len() as u32,
        flagged,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Bid, BidStatus, Consortium, CountryCode, Eur, FinancingPlan, GuaranteeKind, HardwareLine,
        Site,
    };

    fn bid(it_mw: f64, pue: f64, count: u64) -> Bid {
        Bid {
            id: 1,
            call_code: "C".into(),
            consortium: Consortium {
                id: 1,
                name: "X".into(),
                members: vec![],
            },
            acronym: "X".into(),
            title: "X".into(),
            status: BidStatus::Submitted,
            version: 1,
            submitted_at: None,
            scope: vec![],
            sites: vec![Site {
                name: "S".into(),
                country: CountryCode("FI".into()),
                region: "R".into(),
                it_mw,
                pue,
                wue: 0.1,
                renewable_share: 1.0,
                grid_connection: chrono::NaiveDate::MIN,
                go_live: chrono::NaiveDate::MIN,
            }],
            hardware: vec![HardwareLine {
                generation: 1,
                accelerator: "H100-SXM".into(),
                count,
            }],
            requested_eu: Eur::ZERO,
            requested_member_state: Eur::ZERO,
            capex: vec![],
            opex: vec![],
            financing: FinancingPlan {
                eu_grant: Eur::ZERO,
                member_state_grant: Eur::ZERO,
                senior_debt: Eur::ZERO,
                equity: Eur::ZERO,
                guarantee_kind: GuaranteeKind::None,
                guarantee_amount: Eur::ZERO,
            },
            milestones: vec![],
        }
    }

    fn population() -> Vec<(String, f64)> {
        [1.30, 1.38, 1.40, 1.42, 1.45, 1.50, 1.60]
            .iter()
            .map(|v| ("NVIDIA H100".to_string(), *v))
            .chain([("Other".to_string(), 9.0)])
            .collect()
    }

    #[test]
    fn a_claim_far_from_the_family_is_flagged_and_a_typical_one_is_not() -> Result<(), &'static str>
    {
        // 100 MW × 1.2 / 85,000 = 1.41 kW: typical.
        let ok =
            check(&bid(100.0, 1.2, 85_000), "NVIDIA H100", &population()).ok_or("population")?;
        assert!(!ok.flagged, "{}", ok.note);
        assert_eq!(ok.clusters, 7, "only the family's clusters count");
        // 100 MW × 1.2 / 50,000 = 2.4 kW: far above.
        let high =
            check(&bid(100.0, 1.2, 50_000), "NVIDIA H100", &population()).ok_or("population")?;
        assert!(
            high.flagged && high.note.contains("outside"),
            "{}",
            high.note
        );
        assert!(
            check(&bid(100.0, 1.2, 50_000), "Unknown GPU", &population()).is_none(),
            "no population, no flag"
        );
        Ok(())
    }
}
