//! Schedule risk: each remaining milestone's duration drawn from a triangular distribution
//! (optimistic, likely and pessimistic multiples of its planned duration, from the
//! programme template) → per award the probability of being operational by its target
//! date, and the disbursement forecast's P10/P50/P90 by year.
//!
//! Paths are seeded per award (splitmix64 of the run's seed and the award's id), so a run
//! gives the same figures on any number of threads; yearly sums are kept in integer cents,
//! whose addition does not depend on its order.

use super::template::ScheduleRisk as Params;
use super::{Award, AwardStatus, Milestone, Template, Tranche, TrancheState};
use crate::error::{Error, Location, Result};
use crate::model::Eur;
use chrono::{Datelike, NaiveDate};
use rand::SeedableRng;
use rand_distr::{Distribution as _, StandardUniform};
use rand_pcg::Pcg64Mcg;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use ts_rs::TS;

/// Years of the forecast: the current one and the next `YEARS - 1` (later payments fall in
/// the last).
const YEARS: usize = 16;
pub const MAX_PATHS: usize = 200_000;

#[derive(Debug)]
pub struct Input<'a> {
    pub template: &'a Template,
    pub awards: &'a [Award],
    pub milestones: &'a HashMap<i64, Vec<Milestone>>,
    pub tranches: &'a HashMap<i64, Vec<Tranche>>,
    pub grant_signed: &'a HashMap<i64, NaiveDate>,
    pub today: NaiveDate,
    pub paths: usize,
    pub seed: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct AwardRisk {
    pub award_id: i64,
    pub acronym: String,
    /// The date the award should be operational by.
    pub target: NaiveDate,
    /// The target milestone's forecast (the deterministic date).
    pub forecast: NaiveDate,
    /// Share of paths where the target milestone is reached by the target date.
    pub probability: f64,
    pub p10: NaiveDate,
    pub p50: NaiveDate,
    pub p90: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct YearRange {
    pub year: i32,
    /// The disbursement forecast's deterministic figure (every milestone on its forecast).
    pub forecast: Eur,
    pub p10: Eur,
    pub p50: Eur,
    pub p90: Eur,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[ts(rename = "ScheduleRiskRun")]
pub struct ScheduleRisk {
    pub paths: u32,
    #[ts(type = "number")]
    pub seed: u64,
    pub params: Params,
    pub awards: Vec<AwardRisk>,
    pub years: Vec<YearRange>,
}

/// A generator for award `id` of a run seeded `seed` (splitmix64 of both).
fn award_rng(seed: u64, id: i64) -> Pcg64Mcg {
    let mut z = seed ^ (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    Pcg64Mcg::seed_from_u64(z ^ (z >> 31))
}

/// The triangular distribution of a duration multiplier, drawn by its inverse CDF.
#[derive(Clone, Copy, Debug)]
struct Triangular {
    lo: f64,
    mode: f64,
    hi: f64,
    /// The CDF at the mode.
    at_mode: f64,
}

impl Triangular {
    fn new(p: &Params) -> Triangular {
        let width = p.pessimistic - p.optimistic;
        Triangular {
            lo: p.optimistic,
            mode: p.likely,
            hi: p.pessimistic,
            at_mode: if width > 0.0 {
                (p.likely - p.optimistic) / width
            } else {
                0.0
            },
        }
    }

    fn at(&self, u: f64) -> f64 {
        let w = self.hi - self.lo;
        if w <= 0.0 {
            self.mode
        } else if u < self.at_mode {
            self.lo + (u * w * (self.mode - self.lo)).sqrt()
        } else {
            self.hi - ((1.0 - u) * w * (self.hi - self.mode)).sqrt()
        }
    }
}

/// One award prepared for the draws: per milestone (in chain order) its predecessors, its
/// planned duration from them and whether it is done; per tranche its gate and amount.
struct Plan {
    id: i64,
    acronym: String,
    start: i32,
    today: i32,
    milestones: Vec<Step>,
    target: Option<usize>,
    target_day: i32,
    /// (gate milestone index or a fixed day, due days, cents).
    tranches: Vec<(Gate, i32, i64)>,
}

struct Step {
    after: Vec<usize>,
    /// Planned days from the latest predecessor's forecast (or the award's start).
    days: f64,
    /// Achieved: its day, fixed.
    done: Option<i32>,
}

enum Gate {
    Milestone(usize),
    Day(i32),
}

fn day(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

fn date(n: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(n).unwrap_or(NaiveDate::MAX)
}

fn plan(input: &Input<'_>, a: &Award, p: &Params) -> Plan {
    let none = Vec::new();
    let ms = input.milestones.get(&a.id).unwrap_or(&none);
    let index: HashMap<&str, usize> = ms
        .iter()
        .enumerate()
        .map(|(i, m)| (m.code.as_str(), i))
        .collect();
    let start = day(a.selected_on);
    let steps: Vec<Step> = ms
        .iter()
        .map(|m| {
            let after: Vec<usize> = input
                .template
                .milestone(&m.code)
                .map(|t| {
                    t.after
                        .iter()
                        .filter_map(|c| index.get(c.as_str()).copied())
                        .collect()
                })
                .unwrap_or_default();
            let from = after
                .iter()
                .map(|i| day(ms[*i].actual.unwrap_or(ms[*i].forecast)))
                .max()
                .unwrap_or(start);
            let forecast = day(m.actual.unwrap_or(m.forecast));
            Step {
                after,
                days: f64::from((forecast - from).max(0)),
                done: m.actual.map(day),
            }
        })
        .collect();
    let target = index.get(p.target.as_str()).copied();
    let target_day = match (p.target_date, target) {
        (Some(d), _) => day(d),
        (None, Some(i)) => day(ms[i].baseline),
        (None, None) => i32::MAX,
    };
    let signed = input.grant_signed.get(&a.id).copied();
    let tranches = input
        .tranches
        .get(&a.id)
        .map(|ts| {
            ts.iter()
                .filter(|t| !matches!(t.state, TrancheState::Paid | TrancheState::RecoveryIssued))
                .map(|t| {
                    let gate = match &t.gate {
                        Some(g) => match index.get(g.as_str()) {
                            Some(i) => Gate::Milestone(*i),
                            None => Gate::Day(start),
                        },
                        None => Gate::Day(day(signed.unwrap_or_else(|| {
                            a.selected_on
                                .checked_add_months(chrono::Months::new(4))
                                .unwrap_or(a.selected_on)
                        }))),
                    };
                    let due = i32::try_from(t.due_days).unwrap_or(i32::MAX / 4);
                    (gate, due, (t.amount - t.paid).0.max(0))
                })
                .collect()
        })
        .unwrap_or_default();
    Plan {
        id: a.id,
        acronym: a.acronym.clone(),
        start,
        today: day(input.today),
        milestones: steps,
        target,
        target_day,
        tranches,
    }
}

impl Plan {
    /// The milestones' days on one path (`m` draws a duration multiplier; a constant 1
    /// gives the forecast).
    fn walk(&self, out: &mut [i32], mut m: impl FnMut() -> f64) {
        for (i, s) in self.milestones.iter().enumerate() {
            out[i] = match s.done {
                Some(d) => d,
                None => {
                    let from = s.after.iter().map(|j| out[*j]).max().unwrap_or(self.start);
                    // Not achieved: not before today.
                    let d = from + (s.days * m()).round() as i32;
                    d.max(self.today)
                }
            };
        }
    }

    /// The index of the year a tranche falls in: `bounds` holds the first day of each year
    /// after the first (a search over 15 numbers, not a calendar conversion per draw).
    fn year_of(&self, days: &[i32], gate: &Gate, due: i32, bounds: &[i32]) -> usize {
        let at = match gate {
            Gate::Milestone(i) => days[*i],
            Gate::Day(d) => *d,
        }
        .saturating_add(due)
        .max(self.today);
        bounds.partition_point(|b| *b <= at)
    }
}

/// The value at quantile `x` (nearest rank), by selection rather than a full sort.
fn nth<T: Copy + Ord>(v: &mut [T], x: f64) -> T {
    let k = ((v.len() - 1) as f64 * x).round() as usize;
    *v.select_nth_unstable(k).1
}

fn invalid(field: &str, rule: &str, found: String) -> Error {
    Error::invalid(Location::default().with_field(field), rule, Some(found))
}

/// Runs the draws; `progress(done, total)` after each award; `cancel` stops between awards.
pub fn simulate(
    input: &Input<'_>,
    progress: &(dyn Fn(usize, usize) + Sync),
    cancel: &AtomicBool,
) -> Result<ScheduleRisk> {
    if input.paths == 0 || input.paths > MAX_PATHS {
        return Err(invalid(
            "paths",
            "between 1 and 200,000 paths",
            input.paths.to_string(),
        ));
    }
    let p = input.template.schedule_risk.clone();
    let tri = Triangular::new(&p);
    let first = input.today.year();
    let bounds: Vec<i32> = (1..YEARS as i32)
        .map(|y| NaiveDate::from_ymd_opt(first + y, 1, 1).map_or(i32::MAX, day))
        .collect();
    let plans: Vec<Plan> = input
        .awards
        .iter()
        .filter(|a| a.status == AwardStatus::Active)
        .map(|a| plan(input, a, &p))
        .collect();
    let n = input.paths;
    let done = AtomicUsize::new(0);
    let total = plans.len();

    struct Acc {
        sums: Vec<i64>,
        forecast: [i64; YEARS],
        awards: Vec<AwardRisk>,
    }
    let empty = || Acc {
        sums: vec![0; n * YEARS],
        forecast: [0; YEARS],
        awards: Vec::new(),
    };
    let acc = plans
        .par_iter()
        .try_fold(empty, |mut acc, plan| {
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Cancelled(
                    "the schedule risk run was cancelled".into(),
                ));
            }
            let k = plan.milestones.len();
            let mut days = vec![0i32; k];
            // The deterministic forecast.
            plan.walk(&mut days, || 1.0);
            let forecast_day = plan.target.map(|i| days[i]);
            for (gate, due, cents) in &plan.tranches {
                acc.forecast[plan.year_of(&days, gate, *due, &bounds)] += cents;
            }
            let mut rng = award_rng(input.seed, plan.id);
            let mut reached = Vec::with_capacity(if plan.target.is_some() { n } else { 0 });
            let mut on_time = 0usize;
            for path in 0..n {
                plan.walk(&mut days, || tri.at(StandardUniform.sample(&mut rng)));
                if let Some(i) = plan.target {
                    reached.push(days[i]);
                    if days[i] <= plan.target_day {
                        on_time += 1;
                    }
                }
                let row = &mut acc.sums[path * YEARS..(path + 1) * YEARS];
                for (gate, due, cents) in &plan.tranches {
                    row[plan.year_of(&days, gate, *due, &bounds)] += cents;
                }
            }
            if let (Some(f), false) = (forecast_day, reached.is_empty()) {
                let mut q = |x: f64| date(nth(&mut reached, x));
                acc.awards.push(AwardRisk {
                    award_id: plan.id,
                    acronym: plan.acronym.clone(),
                    target: date(plan.target_day),
                    forecast: date(f),
                    probability: on_time as f64 / n as f64,
                    p10: q(0.1),
                    p50: q(0.5),
                    p90: q(0.9),
                });
            }
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            Ok(acc)
        })
        .try_reduce(empty, |mut a, b| {
            for (x, y) in a.sums.iter_mut().zip(&b.sums) {
                *x += y;
            }
            for (x, y) in a.forecast.iter_mut().zip(&b.forecast) {
                *x += y;
            }
            a.awards.extend(b.awards);
            Ok(a)
        })?;
    let mut awards = acc.awards;
    awards.sort_by_key(|a| a.award_id);
    let mut years = Vec::new();
    let mut column = vec![0i64; n];
    for y in 0..YEARS {
        for (path, v) in column.iter_mut().enumerate() {
            *v = acc.sums[path * YEARS + y];
        }
        if acc.forecast[y] == 0 && column.iter().all(|v| *v == 0) {
            continue;
        }
        let mut q = |x: f64| Eur(nth(&mut column, x));
        years.push(YearRange {
            year: first + y as i32,
            forecast: Eur(acc.forecast[y]),
            p10: q(0.1),
            p50: q(0.5),
            p90: q(0.9),
        });
    }
    Ok(ScheduleRisk {
        paths: n as u32,
        seed: input.seed,
        params: p,
        awards,
        years,
    })
}
