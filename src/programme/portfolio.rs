//! The programme office's figures: the envelope statement (announced → committed →
//! contracted → paid, by source and year), leverage per award and for the portfolio
//! against the target, the disbursement forecast per year and source from the gates'
//! forecast dates, and the awards by Member State and status. Pure functions of the stored
//! rows, computed in one pass.

use super::{Award, AwardStatus, Milestone, Source, Template, Tranche, TrancheState};
use crate::model::Eur;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use ts_rs::TS;

#[derive(Clone, Debug, Default, PartialEq, Serialize, TS)]
pub struct EnvelopeRow {
    pub source: Source,
    pub year: i32,
    pub announced: Eur,
    pub committed: Eur,
    pub contracted: Eur,
    pub paid: Eur,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct AwardLeverage {
    pub award_id: i64,
    pub acronym: String,
    pub eu: Eur,
    pub total: Eur,
    pub public: Eur,
    pub private: Eur,
    pub leverage: Option<f64>,
    pub private_to_public: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Leverage {
    pub target: f64,
    pub portfolio: Option<f64>,
    pub private_to_public: Option<f64>,
    pub eu: Eur,
    pub total: Eur,
    pub awards: Vec<AwardLeverage>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, TS)]
pub struct ForecastRow {
    pub year: i32,
    pub source: Source,
    /// Tranches expected (or paid) in the year.
    pub planned: Eur,
    pub paid: Eur,
    /// Planned in the year and not paid yet.
    pub remaining: Eur,
    /// Due in an earlier year and still unpaid: carried into the current year.
    pub carried_forward: Eur,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, TS)]
pub struct CountryRow {
    pub country: String,
    pub awards: u32,
    pub active: u32,
    pub withdrawn: u32,
    pub eu: Eur,
    pub total: Eur,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Portfolio {
    pub programme: String,
    pub name: String,
    pub today: NaiveDate,
    pub envelope: Vec<EnvelopeRow>,
    /// Sums of the statement over years, by source.
    pub by_source: Vec<EnvelopeRow>,
    pub leverage: Leverage,
    pub forecast: Vec<ForecastRow>,
    pub by_state: Vec<CountryRow>,
    pub awards: u32,
    pub milestones_at_risk: u32,
    pub tranches_late: u32,
}

/// What the portfolio is computed from.
#[derive(Debug)]
pub struct Input<'a> {
    pub template: &'a Template,
    pub awards: &'a [Award],
    pub milestones: &'a HashMap<i64, Vec<Milestone>>,
    pub tranches: &'a HashMap<i64, Vec<Tranche>>,
    pub grant_signed: &'a HashMap<i64, NaiveDate>,
    pub today: NaiveDate,
}

/// Splits an EU amount between the EU budget lines; the remainder goes to the last.
pub fn split_eu(t: &Template, amount: Eur) -> Vec<(Source, Eur)> {
    let n = t.eu_sources.len();
    let mut out = Vec::with_capacity(n);
    let mut given = 0;
    for (i, s) in t.eu_sources.iter().enumerate() {
        let part = if i + 1 == n {
            amount.0 - given
        } else {
            (amount.0 as f64 * s.share).round() as i64
        };
        given += part;
        out.push((s.source, Eur(part)));
    }
    out
}

/// When a tranche is expected to be paid: its gate's date (actual, or forecast) plus its
/// due days; a tranche without a gate follows the grant agreement (signed, or expected
/// four months after selection).
pub fn expected_on(
    t: &Tranche,
    award: &Award,
    milestones: &[Milestone],
    grant_signed: Option<NaiveDate>,
) -> NaiveDate {
    let opened = match &t.gate {
        Some(g) => milestones
            .iter()
            .find(|m| &m.code == g)
            .map(|m| m.verified_on.or(m.actual).unwrap_or(m.forecast))
            .unwrap_or(award.selected_on),
        None => grant_signed.unwrap_or_else(|| {
            award
                .selected_on
                .checked_add_months(chrono::Months::new(4))
                .unwrap_or(award.selected_on)
        }),
    };
    opened + chrono::Duration::days(i64::from(t.due_days))
}

/// Whether a tranche is late: its gate is open and its due date passed unpaid, or it was
/// paid after its due date.
pub fn is_late(
    t: &Tranche,
    award: &Award,
    milestones: &[Milestone],
    grant_signed: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    let gate_open = match &t.gate {
        Some(g) => milestones
            .iter()
            .any(|m| &m.code == g && m.verified_on.is_some()),
        None => grant_signed.is_some(),
    };
    if !gate_open {
        return false;
    }
    let due = expected_on(t, award, milestones, grant_signed);
    match t.paid_on {
        Some(p) => p > due,
        None => !matches!(t.state, TrancheState::Suspended) && today > due,
    }
}

fn counts(a: &Award) -> bool {
    !matches!(a.status, AwardStatus::Withdrawn)
}

/// An award's committed amounts by source.
fn by_source(t: &Template, a: &Award) -> Vec<(Source, Eur)> {
    let f = &a.figures;
    let mut out = split_eu(t, f.eu);
    out.push((Source::MemberState, f.member_state));
    out.push((Source::Region, f.regional));
    out.push((Source::Private, f.private + f.loan));
    out.push((Source::InvesteuGuarantee, f.guarantee));
    out
}

pub fn compute(input: &Input<'_>) -> Portfolio {
    let t = input.template;
    let mut rows: BTreeMap<(Source, i32), EnvelopeRow> = BTreeMap::new();
    fn row(
        rows: &mut BTreeMap<(Source, i32), EnvelopeRow>,
        source: Source,
        year: i32,
    ) -> &mut EnvelopeRow {
        rows.entry((source, year)).or_insert_with(|| EnvelopeRow {
            source,
            year,
            ..EnvelopeRow::default()
        })
    }
    for e in &t.envelope {
        let r = row(&mut rows, e.source, e.year);
        r.announced = r.announced + e.amount;
    }
    let none = Vec::new();
    let mut forecast: BTreeMap<(i32, Source), ForecastRow> = BTreeMap::new();
    let this_year = input.today.year();
    let mut at_risk = 0;
    let mut late = 0;
    let mut lev = Vec::new();
    let mut states: BTreeMap<String, CountryRow> = BTreeMap::new();
    for a in input.awards {
        let st = states
            .entry(a.country.clone())
            .or_insert_with(|| CountryRow {
                country: a.country.clone(),
                ..CountryRow::default()
            });
        st.awards += 1;
        match a.status {
            AwardStatus::Withdrawn => st.withdrawn += 1,
            AwardStatus::Active => st.active += 1,
            _ => {}
        }
        if !counts(a) {
            continue;
        }
        st.eu = st.eu + a.figures.eu;
        st.total = st.total + a.figures.total();
        let signed = input.grant_signed.get(&a.id).copied();
        for (source, amount) in by_source(t, a) {
            if amount.0 == 0 {
                continue;
            }
            let r = row(&mut rows, source, a.selected_on.year());
            r.committed = r.committed + amount;
            if let Some(s) = signed {
                let r = row(&mut rows, source, s.year());
                r.contracted = r.contracted + amount;
            }
        }
        let ms = input.milestones.get(&a.id).unwrap_or(&none);
        at_risk += ms
            .iter()
            .filter(|m| m.state(i64::from(t.at_risk_days)) == super::MilestoneState::AtRisk)
            .count() as u32;
        let tranches = input.tranches.get(&a.id);
        for tr in tranches.into_iter().flatten() {
            if is_late(tr, a, ms, signed, input.today) {
                late += 1;
            }
            let (year, paid) = match tr.paid_on {
                Some(p) if tr.paid.0 > 0 => (p.year(), true),
                _ => (expected_on(tr, a, ms, signed).year(), false),
            };
            if matches!(tr.state, TrancheState::RecoveryIssued) {
                continue;
            }
            for (source, part) in split_eu(t, if paid { tr.paid } else { tr.amount }) {
                if paid {
                    let r = row(&mut rows, source, year);
                    r.paid = r.paid + part;
                }
                let carried = !paid && year < this_year;
                let y = if carried { this_year } else { year };
                let f = forecast.entry((y, source)).or_insert_with(|| ForecastRow {
                    year: y,
                    source,
                    ..ForecastRow::default()
                });
                if carried {
                    f.carried_forward = f.carried_forward + part;
                } else {
                    f.planned = f.planned + part;
                }
                if paid {
                    f.paid = f.paid + part;
                } else {
                    f.remaining = f.remaining + part;
                }
            }
        }
        lev.push(AwardLeverage {
            award_id: a.id,
            acronym: a.acronym.clone(),
            eu: a.figures.eu,
            total: a.figures.total(),
            public: a.figures.public(),
            private: a.figures.private_total(),
            leverage: a.figures.leverage(),
            private_to_public: a.figures.private_to_public(),
        });
    }
    let envelope: Vec<EnvelopeRow> = rows.into_values().collect();
    let mut sums: BTreeMap<Source, EnvelopeRow> = BTreeMap::new();
    for r in &envelope {
        let s = sums.entry(r.source).or_insert_with(|| EnvelopeRow {
            source: r.source,
            year: 0,
            ..EnvelopeRow::default()
        });
        s.announced = s.announced + r.announced;
        s.committed = s.committed + r.committed;
        s.contracted = s.contracted + r.contracted;
        s.paid = s.paid + r.paid;
    }
    let eu: Eur = lev.iter().map(|l| l.eu).sum();
    let total: Eur = lev.iter().map(|l| l.total).sum();
    let public: Eur = lev.iter().map(|l| l.public).sum();
    let private: Eur = lev.iter().map(|l| l.private).sum();
    Portfolio {
        programme: t.code.clone(),
        name: t.name.clone(),
        today: input.today,
        envelope,
        by_source: sums.into_values().collect(),
        leverage: Leverage {
            target: t.leverage_target,
            portfolio: (eu.0 > 0).then(|| total.0 as f64 / eu.0 as f64),
            private_to_public: (public.0 > 0).then(|| private.0 as f64 / public.0 as f64),
            eu,
            total,
            awards: lev,
        },
        forecast: forecast.into_values().collect(),
        by_state: states.into_values().collect(),
        awards: input.awards.len() as u32,
        milestones_at_risk: at_risk,
        tranches_late: late,
    }
}
