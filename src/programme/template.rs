//! Programme templates (`templates/programmes/*.toml`): the envelope by source and year,
//! the leverage target, the caps, the payment rules, the milestone chain per call kind with
//! its order, the tranches and their gates, and (for a programme brought into Gigafund
//! after its first awards) the awards already made, recorded from public facts.

use super::{Source, TrancheKind};
use crate::error::{Location, Result};
use crate::ingest::{Problems, parse_toml};
use crate::model::{CallKind, Eur};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};
use ts_rs::TS;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Caps {
    /// The EU contribution's largest share of the acquisition cost (Art. 12a: 50 %).
    pub eu_share_acquisition: f64,
    /// The EU contribution's largest share of the operating costs (Art. 12a: 50 %).
    pub eu_share_operation: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct PaymentRules {
    /// Cumulative payments before the final payment stay at or below this share of the
    /// maximum EU contribution.
    pub max_before_final: f64,
    /// Share of the maximum EU contribution retained (mutual insurance mechanism) from the
    /// pre-financing and released with the final payment.
    pub retention: f64,
    pub pre_financing_due_days: u32,
    pub interim_due_days: u32,
    pub final_due_days: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct EnvelopeLine {
    pub source: Source,
    pub year: i32,
    pub amount: Eur,
}

/// How the EU contribution is split between the EU budget lines.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct EuSource {
    pub source: Source,
    pub share: f64,
}

/// One step of a milestone chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct MilestoneTemplate {
    pub code: String,
    pub name: String,
    pub name_fr: String,
    pub name_de: String,
    /// The call kinds whose awards have this milestone.
    pub kinds: Vec<CallKind>,
    /// Baseline: months after selection.
    pub months: u32,
    /// Milestones that must be achieved before this one (and no later than it).
    pub after: Vec<String>,
    /// The upgrade: one per system, between `window_years` after selection.
    pub upgrade: bool,
}

impl MilestoneTemplate {
    pub fn name_in(&self, lang: &str) -> &str {
        match lang {
            "fr" if !self.name_fr.is_empty() => &self.name_fr,
            "de" if !self.name_de.is_empty() => &self.name_de,
            _ => &self.name,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct TrancheTemplate {
    pub code: String,
    pub kind: TrancheKind,
    pub share: f64,
    /// The milestone code whose verification opens the tranche; `None`: the grant
    /// agreement's signature.
    pub gate: Option<String>,
    pub kinds: Vec<CallKind>,
}

/// A programme and its rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Template {
    pub code: String,
    pub name: String,
    /// The calls whose main lists become this programme's awards.
    pub calls: Vec<String>,
    /// Total investment ÷ EU contribution the programme aims at.
    pub leverage_target: f64,
    pub caps: Caps,
    pub payments: PaymentRules,
    /// A milestone whose forecast is later than its baseline by more than this is at risk.
    pub at_risk_days: u32,
    /// The upgrade is applied for between these years after selection (Art. 15: 1–3).
    pub upgrade_window_years: (u32, u32),
    pub eu_sources: Vec<EuSource>,
    pub envelope: Vec<EnvelopeLine>,
    pub milestones: Vec<MilestoneTemplate>,
    pub tranches: Vec<TrancheTemplate>,
    /// The triangular distributions of the remaining milestones' durations.
    #[serde(default)]
    pub schedule_risk: ScheduleRisk,
    /// Monitoring of funded awards: tolerances, targets, access caps and the shock.
    #[serde(default)]
    pub monitoring: Monitoring,
}

/// How funded awards are monitored: when the yearly report is due, how far an indicator
/// may fall short of its claim before it is amber or red, the targets of the indicators a
/// bid does not claim, the Union's access caps, the re-run rule of the acceptance
/// benchmark, and the shock of the contingent liabilities.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Monitoring {
    /// The yearly report is due on this month and day of the following year.
    pub report_due_month: u32,
    pub report_due_day: u32,
    /// A shortfall (share of the claim) beyond which an indicator is amber, then red.
    pub amber: f64,
    pub red: f64,
    /// Targets of the indicators a bid does not claim (an indicator key and its value).
    pub targets: Vec<KpiTarget>,
    /// The Union's access share is EU contribution ÷ total cost of ownership, capped here
    /// (Art. 17: 50 %; 35 % for the call kinds listed as mid-range).
    pub union_share_cap: f64,
    pub union_share_cap_mid_range: f64,
    pub mid_range_kinds: Vec<CallKind>,
    /// Commercial use of the Union's access time stays at or below this share of it.
    pub commercial_cap: f64,
    /// A re-run of the acceptance benchmark reaches at least this share of the acceptance
    /// performance, at least every `rerun_years` years.
    pub rerun_min: f64,
    pub rerun_years: u32,
    /// The shock scenario: each finance driver moved by this share of its value, for every
    /// award together (e.g. `util = -0.1`: utilisation 10 % lower).
    pub shock: Vec<Shock>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct KpiTarget {
    pub kpi: String,
    pub value: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Shock {
    pub driver: String,
    pub change: f64,
}

/// The finance drivers a shock may move (inputs of the reference model).
/// (The debt is as sized at appraisal, so its rate is not a driver of a call.)
pub const SHOCK_DRIVERS: [&str; 6] = [
    "util",
    "p_new",
    "p_decline",
    "elec_price",
    "hw_cost_per_acc",
    "fac_capex_per_mw_it",
];

impl Default for Monitoring {
    fn default() -> Self {
        Monitoring {
            report_due_month: 1,
            report_due_day: 31,
            amber: 0.05,
            red: 0.15,
            targets: vec![
                KpiTarget {
                    kpi: "availability".into(),
                    value: 0.95,
                },
                KpiTarget {
                    kpi: "utilisation".into(),
                    value: 0.70,
                },
            ],
            union_share_cap: 0.5,
            union_share_cap_mid_range: 0.35,
            mid_range_kinds: Vec::new(),
            commercial_cap: 0.2,
            rerun_min: 0.9,
            rerun_years: 2,
            shock: vec![
                Shock {
                    driver: "util".into(),
                    change: -0.15,
                },
                Shock {
                    driver: "p_new".into(),
                    change: -0.10,
                },
                Shock {
                    driver: "elec_price".into(),
                    change: 0.30,
                },
            ],
        }
    }
}

impl Monitoring {
    pub fn target(&self, kpi: &str) -> Option<f64> {
        self.targets.iter().find(|t| t.kpi == kpi).map(|t| t.value)
    }

    /// The cap of the Union's access share for an award of this call kind.
    pub fn union_cap(&self, kind: CallKind) -> f64 {
        if self.mid_range_kinds.contains(&kind) {
            self.union_share_cap_mid_range
        } else {
            self.union_share_cap
        }
    }
}

/// Schedule risk: each remaining milestone's duration is its planned duration times a
/// multiplier drawn from a triangular distribution (optimistic, likely, pessimistic); the
/// award should reach `target` (a milestone code) by `target_date`, or by that milestone's
/// baseline when the programme sets no date.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ScheduleRisk {
    pub optimistic: f64,
    pub likely: f64,
    pub pessimistic: f64,
    pub target: String,
    pub target_date: Option<NaiveDate>,
}

impl Default for ScheduleRisk {
    fn default() -> Self {
        ScheduleRisk {
            optimistic: 0.9,
            likely: 1.0,
            pessimistic: 1.5,
            target: "OPERATIONAL".into(),
            target_date: None,
        }
    }
}

impl Template {
    pub fn milestones_for(&self, kind: CallKind) -> Vec<&MilestoneTemplate> {
        self.milestones
            .iter()
            .filter(|m| m.kinds.contains(&kind))
            .collect()
    }

    pub fn tranches_for(&self, kind: CallKind) -> Vec<&TrancheTemplate> {
        self.tranches
            .iter()
            .filter(|t| t.kinds.contains(&kind))
            .collect()
    }

    pub fn milestone(&self, code: &str) -> Option<&MilestoneTemplate> {
        self.milestones.iter().find(|m| m.code == code)
    }

    pub fn due_days(&self, kind: TrancheKind) -> u32 {
        match kind {
            TrancheKind::PreFinancing => self.payments.pre_financing_due_days,
            TrancheKind::Interim => self.payments.interim_due_days,
            TrancheKind::Final => self.payments.final_due_days,
        }
    }
}

/// An award made before the programme came into Gigafund, recorded from public facts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct RecordedAward {
    pub acronym: String,
    pub title: String,
    pub host: String,
    pub country: String,
    pub call_code: String,
    pub call_kind: CallKind,
    pub selected_on: NaiveDate,
    pub figures: super::Figures,
    pub illustrative: Vec<String>,
    /// Milestones already reached: code → (actual date, verified).
    pub reached: Vec<Reached>,
    /// Tranches already paid, by code.
    pub paid: Vec<String>,
    /// A grant agreement signed on this date.
    pub grant_signed: Option<NaiveDate>,
    pub hosting_signed: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Reached {
    pub code: String,
    pub actual: NaiveDate,
    pub verified: bool,
    pub evidence: Option<String>,
}

/// What a programme file holds: the template and the awards it records.
#[derive(Clone, Debug, PartialEq)]
pub struct ProgrammeFile {
    pub template: Template,
    pub awards: Vec<RecordedAward>,
    /// Member-State commitment letters already received.
    pub commitments: Vec<crate::store::programme::Commitment>,
}

// ---------------------------------------------------------------------------------------
// The file

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    code: String,
    name: String,
    #[serde(default)]
    calls: Vec<String>,
    leverage_target: f64,
    caps: Caps,
    payments: PaymentRules,
    at_risk_days: u32,
    #[serde(default = "window")]
    upgrade_window_years: [u32; 2],
    eu_sources: Vec<EuSource>,
    #[serde(default)]
    envelope: Vec<EnvelopeFile>,
    milestone: Vec<MilestoneFile>,
    tranche: Vec<TrancheFile>,
    #[serde(default)]
    award: Vec<AwardFile>,
    #[serde(default)]
    commitment: Vec<CommitmentFile>,
    #[serde(default)]
    schedule_risk: Option<ScheduleRiskFile>,
    #[serde(default)]
    monitoring: Option<MonitoringFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MonitoringFile {
    #[serde(default)]
    report_due: Option<String>,
    #[serde(default)]
    amber: Option<f64>,
    #[serde(default)]
    red: Option<f64>,
    #[serde(default)]
    targets: Option<std::collections::BTreeMap<String, f64>>,
    #[serde(default)]
    union_share_cap: Option<f64>,
    #[serde(default)]
    union_share_cap_mid_range: Option<f64>,
    #[serde(default)]
    mid_range_kinds: Option<Vec<CallKind>>,
    #[serde(default)]
    commercial_cap: Option<f64>,
    #[serde(default)]
    rerun_min: Option<f64>,
    #[serde(default)]
    rerun_years: Option<u32>,
    #[serde(default)]
    shock: Option<std::collections::BTreeMap<String, f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleRiskFile {
    optimistic: f64,
    likely: f64,
    pessimistic: f64,
    #[serde(default = "operational")]
    target: String,
    target_date: Option<toml::value::Datetime>,
}

fn operational() -> String {
    "OPERATIONAL".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommitmentFile {
    #[serde(default)]
    call_code: Option<String>,
    country: String,
    amount_eur: f64,
    dated: toml::value::Datetime,
    #[serde(default)]
    conditions: String,
}

fn window() -> [u32; 2] {
    [1, 3]
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvelopeFile {
    source: Source,
    year: i32,
    amount_eur: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MilestoneFile {
    code: String,
    name: String,
    #[serde(default)]
    name_fr: String,
    #[serde(default)]
    name_de: String,
    kinds: Vec<CallKind>,
    months: u32,
    #[serde(default)]
    after: Vec<String>,
    #[serde(default)]
    upgrade: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrancheFile {
    code: String,
    kind: TrancheKind,
    share: f64,
    #[serde(default)]
    gate: Option<String>,
    kinds: Vec<CallKind>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AwardFile {
    acronym: String,
    title: String,
    host: String,
    country: String,
    call_code: String,
    call_kind: CallKind,
    selected_on: toml::value::Datetime,
    eu_eur: f64,
    #[serde(default)]
    member_state_eur: f64,
    #[serde(default)]
    regional_eur: f64,
    #[serde(default)]
    private_eur: f64,
    #[serde(default)]
    loan_eur: f64,
    acquisition_eur: f64,
    operation_eur: f64,
    #[serde(default)]
    illustrative: Vec<String>,
    #[serde(default)]
    reached: Vec<ReachedFile>,
    #[serde(default)]
    paid: Vec<String>,
    #[serde(default)]
    grant_signed: Option<toml::value::Datetime>,
    #[serde(default)]
    hosting_signed: Option<toml::value::Datetime>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReachedFile {
    code: String,
    actual: toml::value::Datetime,
    #[serde(default)]
    verified: bool,
    #[serde(default)]
    evidence: Option<String>,
}

fn date(d: &toml::value::Datetime) -> Option<NaiveDate> {
    let d = d.date?;
    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
}

fn eur(v: f64) -> Option<Eur> {
    Eur::from_euros_f64(v).filter(|e| e.0 >= 0)
}

/// Reads and checks a programme file; `file` names it in every problem.
pub fn parse(file: &str, text: &str) -> Result<ProgrammeFile> {
    let f: File = parse_toml(file, text)?;
    let mut p = Problems::new(file);
    p.check(
        is_code(&f.code),
        "programme",
        "code",
        "a programme code is 2–40 upper-case letters, digits and '-'",
        || f.code.clone(),
    );
    p.check(
        !f.name.trim().is_empty() && f.name.chars().count() <= 200,
        "programme",
        "name",
        "a programme has a name of at most 200 characters",
        || f.name.clone(),
    );
    p.check(
        f.leverage_target.is_finite() && f.leverage_target > 0.0 && f.leverage_target <= 100.0,
        "programme",
        "leverage_target",
        "a leverage target above 0 and at most 100",
        || f.leverage_target.to_string(),
    );
    for (field, v) in [
        ("eu_share_acquisition", f.caps.eu_share_acquisition),
        ("eu_share_operation", f.caps.eu_share_operation),
    ] {
        p.check(
            (0.0..=1.0).contains(&v),
            "caps",
            field,
            "a share between 0 and 1",
            || v.to_string(),
        );
    }
    let pay = &f.payments;
    p.check(
        (0.5..=1.0).contains(&pay.max_before_final),
        "payments",
        "max_before_final",
        "a share between 0.5 and 1 (Horizon Europe: 0.9)",
        || pay.max_before_final.to_string(),
    );
    p.check(
        (0.0..=0.2).contains(&pay.retention),
        "payments",
        "retention",
        "a share between 0 and 0.2 (the mutual insurance mechanism: 0.05–0.08)",
        || pay.retention.to_string(),
    );
    for (field, v) in [
        ("pre_financing_due_days", pay.pre_financing_due_days),
        ("interim_due_days", pay.interim_due_days),
        ("final_due_days", pay.final_due_days),
    ] {
        p.check(
            (1..=365).contains(&v),
            "payments",
            field,
            "between 1 and 365 days",
            || v.to_string(),
        );
    }
    p.check(
        (1..=730).contains(&f.at_risk_days),
        "programme",
        "at_risk_days",
        "between 1 and 730 days",
        || f.at_risk_days.to_string(),
    );
    let [w0, w1] = f.upgrade_window_years;
    p.check(
        w0 < w1 && w1 <= 10,
        "programme",
        "upgrade_window_years",
        "two years after selection, the first before the second (Art. 15: [1, 3])",
        || format!("[{w0}, {w1}]"),
    );
    let eu_sum: f64 = f.eu_sources.iter().map(|s| s.share).sum();
    p.check(
        !f.eu_sources.is_empty() && (eu_sum - 1.0).abs() < 1e-9,
        "eu_sources",
        "share",
        "the EU budget lines' shares sum to 1",
        || eu_sum.to_string(),
    );
    for (i, s) in f.eu_sources.iter().enumerate() {
        p.check(
            s.source.is_eu() && (0.0..=1.0).contains(&s.share),
            &format!("eu_sources[{}]", i + 1),
            "source",
            "an EU budget line (digital_europe, horizon_europe, cef) with a share between 0 and 1",
            || format!("{:?} {}", s.source, s.share),
        );
    }
    let mut envelope = Vec::new();
    let mut lines = HashSet::new();
    for (i, e) in f.envelope.iter().enumerate() {
        let table = format!("envelope[{}]", i + 1);
        let amount = eur(e.amount_eur).filter(|a| a.0 <= 100_000_000_000_000);
        p.check(
            amount.is_some(),
            &table,
            "amount_eur",
            "an amount of euros, not negative",
            || e.amount_eur.to_string(),
        );
        p.check(
            (2000..=2100).contains(&e.year),
            &table,
            "year",
            "a year between 2000 and 2100",
            || e.year.to_string(),
        );
        p.check(
            lines.insert((e.source, e.year)),
            &table,
            "source",
            "one line per source and year",
            || format!("{:?} {}", e.source, e.year),
        );
        envelope.push(EnvelopeLine {
            source: e.source,
            year: e.year,
            amount: amount.unwrap_or_default(),
        });
    }
    // Milestones: codes unique, predecessors known and earlier in the file (no cycle).
    let mut milestones = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut upgrades: HashSet<CallKind> = HashSet::new();
    for (i, m) in f.milestone.iter().enumerate() {
        let table = format!("milestone[{}]", i + 1);
        p.check(
            is_code(&m.code),
            &table,
            "code",
            "a milestone code is 2–40 upper-case letters, digits and '-'",
            || m.code.clone(),
        );
        p.check(
            !seen.contains(&m.code),
            &table,
            "code",
            "milestone codes are unique in a programme",
            || m.code.clone(),
        );
        p.check(
            !m.name.trim().is_empty() && m.name.chars().count() <= 200,
            &table,
            "name",
            "a name of at most 200 characters",
            || m.name.clone(),
        );
        p.check(
            !m.kinds.is_empty(),
            &table,
            "kinds",
            "the call kinds whose awards have this milestone",
            || "none".into(),
        );
        p.check(
            m.months <= 240,
            &table,
            "months",
            "at most 240 months after selection",
            || m.months.to_string(),
        );
        for a in &m.after {
            p.check(
                seen.contains(a),
                &table,
                "after",
                "names a milestone listed before this one",
                || a.clone(),
            );
        }
        if m.upgrade {
            for k in &m.kinds {
                p.check(
                    upgrades.insert(*k),
                    &table,
                    "upgrade",
                    "one upgrade milestone per call kind (one upgrade per system)",
                    || m.code.clone(),
                );
            }
        }
        seen.push(m.code.clone());
        milestones.push(MilestoneTemplate {
            code: m.code.clone(),
            name: m.name.trim().to_string(),
            name_fr: m.name_fr.trim().to_string(),
            name_de: m.name_de.trim().to_string(),
            kinds: m.kinds.clone(),
            months: m.months,
            after: m.after.clone(),
            upgrade: m.upgrade,
        });
    }
    // Tranches: per call kind the shares sum to 100 %, one final, gates known.
    let mut tranches = Vec::new();
    let mut codes = HashSet::new();
    for (i, t) in f.tranche.iter().enumerate() {
        let table = format!("tranche[{}]", i + 1);
        p.check(
            is_code(&t.code) && codes.insert(t.code.clone()),
            &table,
            "code",
            "a unique tranche code of 2–40 upper-case letters, digits and '-'",
            || t.code.clone(),
        );
        p.check(
            t.share > 0.0 && t.share <= 1.0,
            &table,
            "share",
            "a share of the EU contribution above 0 and at most 1",
            || t.share.to_string(),
        );
        if let Some(g) = &t.gate {
            p.check(
                seen.contains(g),
                &table,
                "gate",
                "names a milestone of the programme",
                || g.clone(),
            );
        }
        tranches.push(TrancheTemplate {
            code: t.code.clone(),
            kind: t.kind,
            share: t.share,
            gate: t.gate.clone(),
            kinds: t.kinds.clone(),
        });
    }
    let kinds: BTreeSet<String> = tranches
        .iter()
        .flat_map(|t| t.kinds.iter().map(|k| format!("{k:?}")))
        .collect();
    for kind in [
        CallKind::AiGigafactory,
        CallKind::AiFactory,
        CallKind::AiFactoryAntenna,
    ] {
        if !kinds.contains(&format!("{kind:?}")) {
            continue;
        }
        let of: Vec<&TrancheTemplate> = tranches
            .iter()
            .filter(|t| t.kinds.contains(&kind))
            .collect();
        let bp: u32 = of.iter().map(|t| share_bp(t.share)).sum();
        p.check(
            bp == 10_000,
            "tranche",
            "share",
            &format!(
                "the tranches of a {} award sum to 100 % of the EU contribution",
                crate::store::enum_text(&kind).unwrap_or_default()
            ),
            || format!("{:.2} %", f64::from(bp) / 100.0),
        );
        p.check(
            of.iter().filter(|t| t.kind == TrancheKind::Final).count() == 1,
            "tranche",
            "kind",
            "exactly one final tranche per call kind",
            || {
                of.iter()
                    .filter(|t| t.kind == TrancheKind::Final)
                    .count()
                    .to_string()
            },
        );
        for t in &of {
            if let Some(g) = &t.gate {
                let gate_kinds = milestones
                    .iter()
                    .find(|m| &m.code == g)
                    .map(|m| m.kinds.clone());
                p.check(
                    gate_kinds.is_none_or(|k| k.contains(&kind)),
                    "tranche",
                    "gate",
                    &format!(
                        "the gate of {} is a milestone of the same call kinds",
                        t.code
                    ),
                    || g.clone(),
                );
            }
        }
    }
    let template = Template {
        code: f.code.clone(),
        name: f.name.trim().to_string(),
        calls: f.calls.clone(),
        leverage_target: f.leverage_target,
        caps: f.caps.clone(),
        payments: f.payments.clone(),
        at_risk_days: f.at_risk_days,
        upgrade_window_years: (w0, w1),
        eu_sources: f.eu_sources.clone(),
        envelope,
        milestones,
        tranches,
        schedule_risk: match &f.schedule_risk {
            None => ScheduleRisk::default(),
            Some(r) => ScheduleRisk {
                optimistic: r.optimistic,
                likely: r.likely,
                pessimistic: r.pessimistic,
                target: r.target.clone(),
                target_date: r.target_date.as_ref().and_then(date),
            },
        },
        monitoring: Monitoring::default(),
    };
    let mut template = template;
    if let Some(m) = &f.monitoring {
        template.monitoring = monitoring(&mut p, m);
    }
    let r = &template.schedule_risk;
    p.check(
        r.optimistic > 0.0
            && r.optimistic <= r.likely
            && r.likely <= r.pessimistic
            && r.pessimistic <= 10.0,
        "schedule_risk",
        "optimistic",
        "0 < optimistic ≤ likely ≤ pessimistic ≤ 10 (multiples of a planned duration)",
        || format!("{} / {} / {}", r.optimistic, r.likely, r.pessimistic),
    );
    p.check(
        f.schedule_risk
            .as_ref()
            .and_then(|x| x.target_date.as_ref())
            .is_none_or(|d| date(d).is_some()),
        "schedule_risk",
        "target_date",
        "a date such as 2028-12-31",
        String::new,
    );
    p.check(
        template.milestone(&r.target).is_some(),
        "schedule_risk",
        "target",
        "names one of the programme's milestones",
        || r.target.clone(),
    );
    let mut awards = Vec::new();
    let mut acronyms = HashSet::new();
    for (i, a) in f.award.iter().enumerate() {
        let table = format!("award[{}]", i + 1);
        let selected = date(&a.selected_on);
        p.check(
            selected.is_some(),
            &table,
            "selected_on",
            "a date such as 2024-12-10",
            || a.selected_on.to_string(),
        );
        p.check(
            acronyms.insert((a.call_code.clone(), a.acronym.clone())),
            &table,
            "acronym",
            "one award per acronym in a call",
            || a.acronym.clone(),
        );
        p.check(
            crate::countries::countries().is_ok_and(|c| c.get(&a.country).is_some()),
            &table,
            "country",
            "an ISO 3166 country code of the countries list",
            || a.country.clone(),
        );
        let mut figures = super::Figures::default();
        for (field, v, slot) in [
            ("eu_eur", a.eu_eur, &mut figures.eu),
            (
                "member_state_eur",
                a.member_state_eur,
                &mut figures.member_state,
            ),
            ("regional_eur", a.regional_eur, &mut figures.regional),
            ("private_eur", a.private_eur, &mut figures.private),
            ("loan_eur", a.loan_eur, &mut figures.loan),
            (
                "acquisition_eur",
                a.acquisition_eur,
                &mut figures.acquisition,
            ),
            ("operation_eur", a.operation_eur, &mut figures.operation),
        ] {
            let e = eur(v);
            p.check(
                e.is_some(),
                &table,
                field,
                "an amount of euros, not negative",
                || v.to_string(),
            );
            *slot = e.unwrap_or_default();
        }
        figures.split_eu(&template.caps);
        for c in figures.cap_problems(&template.caps, &Location::file(file).with_sheet(&table)) {
            p.add(
                &table,
                c.location.field.as_deref().unwrap_or(""),
                c.rule,
                c.found,
            );
        }
        let mut reached = Vec::new();
        for (j, r) in a.reached.iter().enumerate() {
            let t = format!("{table}.reached[{}]", j + 1);
            let d = date(&r.actual);
            p.check(d.is_some(), &t, "actual", "a date", || r.actual.to_string());
            p.check(
                template
                    .milestone(&r.code)
                    .is_some_and(|m| m.kinds.contains(&a.call_kind)),
                &t,
                "code",
                "a milestone of this call kind",
                || r.code.clone(),
            );
            reached.push(Reached {
                code: r.code.clone(),
                actual: d.unwrap_or_default(),
                verified: r.verified,
                evidence: r.evidence.clone(),
            });
        }
        awards.push(RecordedAward {
            acronym: a.acronym.clone(),
            title: a.title.clone(),
            host: a.host.clone(),
            country: a.country.clone(),
            call_code: a.call_code.clone(),
            call_kind: a.call_kind,
            selected_on: selected.unwrap_or_default(),
            figures,
            illustrative: a.illustrative.clone(),
            reached,
            paid: a.paid.clone(),
            grant_signed: a.grant_signed.as_ref().and_then(date),
            hosting_signed: a.hosting_signed.as_ref().and_then(date),
        });
    }
    let mut commitments = Vec::new();
    for (i, c) in f.commitment.iter().enumerate() {
        let table = format!("commitment[{}]", i + 1);
        let amount = eur(c.amount_eur).filter(|a| a.0 > 0);
        p.check(
            amount.is_some(),
            &table,
            "amount_eur",
            "a positive amount of euros",
            || c.amount_eur.to_string(),
        );
        let dated = date(&c.dated);
        p.check(dated.is_some(), &table, "dated", "a date", || {
            c.dated.to_string()
        });
        p.check(
            crate::countries::countries().is_ok_and(|x| x.get(&c.country).is_some()),
            &table,
            "country",
            "an ISO 3166 country code of the countries list",
            || c.country.clone(),
        );
        commitments.push(crate::store::programme::Commitment {
            id: 0,
            call_code: c.call_code.clone(),
            country: c.country.clone(),
            amount: amount.unwrap_or_default(),
            dated: dated.unwrap_or_default(),
            conditions: c.conditions.clone(),
        });
    }
    p.finish(ProgrammeFile {
        template,
        awards,
        commitments,
    })
}

/// A share as basis points (0.3 → 3,000).
/// The indicators a programme may set a target for (the monitoring workbook's keys).
pub const TARGET_KPIS: [&str; 9] = [
    "availability",
    "utilisation",
    "users",
    "projects",
    "startup_share",
    "sme_share",
    "science_share",
    "pue",
    "renewable_share",
];

fn monitoring(p: &mut Problems, m: &MonitoringFile) -> Monitoring {
    let d = Monitoring::default();
    let (month, day) = match &m.report_due {
        None => (d.report_due_month, d.report_due_day),
        Some(s) => {
            let md = s
                .split_once('-')
                .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))
                .filter(|(a, b)| NaiveDate::from_ymd_opt(2027, *a, *b).is_some());
            p.check(
                md.is_some(),
                "monitoring",
                "report_due",
                "a month and day such as \"01-31\" (the report is due on that day of the following year)",
                || s.clone(),
            );
            md.unwrap_or((d.report_due_month, d.report_due_day))
        }
    };
    let out = Monitoring {
        report_due_month: month,
        report_due_day: day,
        amber: m.amber.unwrap_or(d.amber),
        red: m.red.unwrap_or(d.red),
        targets: match &m.targets {
            None => d.targets.clone(),
            Some(t) => t
                .iter()
                .map(|(k, v)| KpiTarget {
                    kpi: k.clone(),
                    value: *v,
                })
                .collect(),
        },
        union_share_cap: m.union_share_cap.unwrap_or(d.union_share_cap),
        union_share_cap_mid_range: m
            .union_share_cap_mid_range
            .unwrap_or(d.union_share_cap_mid_range),
        mid_range_kinds: m.mid_range_kinds.clone().unwrap_or_default(),
        commercial_cap: m.commercial_cap.unwrap_or(d.commercial_cap),
        rerun_min: m.rerun_min.unwrap_or(d.rerun_min),
        rerun_years: m.rerun_years.unwrap_or(d.rerun_years),
        shock: match &m.shock {
            None => d.shock.clone(),
            Some(s) => s
                .iter()
                .map(|(k, v)| Shock {
                    driver: k.clone(),
                    change: *v,
                })
                .collect(),
        },
    };
    p.check(
        0.0 <= out.amber && out.amber < out.red && out.red <= 1.0,
        "monitoring",
        "amber",
        "0 ≤ amber < red ≤ 1 (shares of the claim an indicator may fall short by)",
        || format!("{} / {}", out.amber, out.red),
    );
    for (field, v) in [
        ("union_share_cap", out.union_share_cap),
        ("union_share_cap_mid_range", out.union_share_cap_mid_range),
        ("commercial_cap", out.commercial_cap),
        ("rerun_min", out.rerun_min),
    ] {
        p.check(
            v.is_finite() && (0.0..=1.0).contains(&v),
            "monitoring",
            field,
            "a share between 0 and 1",
            || v.to_string(),
        );
    }
    p.check(
        (1..=10).contains(&out.rerun_years),
        "monitoring",
        "rerun_years",
        "between 1 and 10 years",
        || out.rerun_years.to_string(),
    );
    for t in &out.targets {
        p.check(
            TARGET_KPIS.contains(&t.kpi.as_str()),
            "monitoring.targets",
            &t.kpi,
            &format!("an indicator with a target: {}", TARGET_KPIS.join(", ")),
            || t.kpi.clone(),
        );
        p.check(
            t.value.is_finite() && t.value >= 0.0,
            "monitoring.targets",
            &t.kpi,
            "a target is a number, not negative",
            || t.value.to_string(),
        );
    }
    for s in &out.shock {
        p.check(
            SHOCK_DRIVERS.contains(&s.driver.as_str()),
            "monitoring.shock",
            &s.driver,
            &format!("a finance driver: {}", SHOCK_DRIVERS.join(", ")),
            || s.driver.clone(),
        );
        p.check(
            s.change.is_finite() && s.change > -1.0 && s.change <= 5.0,
            "monitoring.shock",
            &s.driver,
            "a change above -1 (−100 %) and at most 5 (+500 %)",
            || s.change.to_string(),
        );
    }
    out
}

pub fn share_bp(share: f64) -> u32 {
    (share * 10_000.0).round() as u32
}

fn is_code(s: &str) -> bool {
    (2..=40).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// The shipped programme templates, by file name.
pub fn shipped() -> Vec<(String, String)> {
    vec![
        (
            "investai.toml".into(),
            include_str!("../../templates/programmes/investai.toml").into(),
        ),
        (
            "eurohpc-ai-factories.toml".into(),
            include_str!("../../templates/programmes/eurohpc-ai-factories.toml").into(),
        ),
    ]
}
