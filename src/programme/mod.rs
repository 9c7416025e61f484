//! The programme after selection: the envelope by source and year, awards made from a
//! ranked call's main list, agreements and their append-only amendments, milestones with
//! evidence, and the EU contribution paid in tranches, each behind its gate.
//!
//! Every number here is a default of a **programme template** (`templates/programmes/`):
//! the caps, the payment rules, the milestone chain and its order, the tranches and their
//! gates, the tolerance for "at risk". The rules are pure functions of the template and
//! the stored state, checked again inside the write that changes that state.

pub mod monitoring;
pub mod portfolio;
pub mod risk;
pub mod template;

use crate::error::{Error, Location, Problem};
use crate::model::{CallKind, Eur};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use template::Template;

/// Where money comes from.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS,
)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    #[default]
    DigitalEurope,
    HorizonEurope,
    Cef,
    MemberState,
    Region,
    Private,
    EibLoan,
    InvesteuGuarantee,
}

impl Source {
    pub const ALL: [Source; 8] = [
        Source::DigitalEurope,
        Source::HorizonEurope,
        Source::Cef,
        Source::MemberState,
        Source::Region,
        Source::Private,
        Source::EibLoan,
        Source::InvesteuGuarantee,
    ];

    /// An EU budget line (paid through the tranches).
    pub fn is_eu(self) -> bool {
        matches!(
            self,
            Source::DigitalEurope | Source::HorizonEurope | Source::Cef
        )
    }
}

/// An award's money: the maximum EU contribution (split between acquisition and
/// operation for the caps), the host state's, the region's, private money and debt, and
/// what it pays for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(rename = "AwardFigures")]
pub struct Figures {
    /// The maximum EU contribution.
    pub eu: Eur,
    pub eu_acquisition: Eur,
    pub eu_operation: Eur,
    pub member_state: Eur,
    pub regional: Eur,
    /// Equity and other private money.
    pub private: Eur,
    /// Senior debt raised by the consortium.
    pub loan: Eur,
    /// The part of the debt a guarantee covers (not money paid in).
    pub guarantee: Eur,
    /// Acquisition (capital) cost and operating costs over the agreement.
    pub acquisition: Eur,
    pub operation: Eur,
}

impl Figures {
    pub fn public(&self) -> Eur {
        self.eu + self.member_state + self.regional
    }

    pub fn private_total(&self) -> Eur {
        self.private + self.loan
    }

    /// The total investment (total cost of ownership over the agreement).
    pub fn total(&self) -> Eur {
        self.acquisition + self.operation
    }

    /// Total investment ÷ EU contribution.
    pub fn leverage(&self) -> Option<f64> {
        (self.eu.0 > 0).then(|| self.total().0 as f64 / self.eu.0 as f64)
    }

    /// Private ÷ public money.
    pub fn private_to_public(&self) -> Option<f64> {
        let public = self.public();
        (public.0 > 0).then(|| self.private_total().0 as f64 / public.0 as f64)
    }

    /// The EU contribution split between acquisition and operation: as much on
    /// acquisition as its cap allows, the rest on operation.
    pub fn split_eu(&mut self, caps: &template::Caps) {
        let acq_cap = Eur((self.acquisition.0 as f64 * caps.eu_share_acquisition).floor() as i64);
        self.eu_acquisition = Eur(self.eu.0.min(acq_cap.0).max(0));
        self.eu_operation = self.eu - self.eu_acquisition;
    }

    /// Whether the caps hold: each broken cap is a problem with its figures.
    pub fn cap_problems(&self, caps: &template::Caps, at: &Location) -> Vec<Problem> {
        let mut out = Vec::new();
        let check = |part: Eur, base: Eur, share: f64, what: &str, field: &str| {
            let limit = base.0 as f64 * share;
            (part.0 as f64 > limit + 0.5).then(|| Problem {
                location: at.clone().with_field(field),
                rule: format!(
                    "the EU contribution to {what} is at most {:.0} % of it",
                    share * 100.0
                ),
                found: Some(format!(
                    "{} of {} ({:.1} %)",
                    part,
                    base,
                    if base.0 > 0 {
                        part.0 as f64 / base.0 as f64 * 100.0
                    } else {
                        100.0
                    }
                )),
            })
        };
        out.extend(check(
            self.eu_acquisition,
            self.acquisition,
            caps.eu_share_acquisition,
            "acquisition",
            "eu_acquisition",
        ));
        out.extend(check(
            self.eu_operation,
            self.operation,
            caps.eu_share_operation,
            "operation",
            "eu_operation",
        ));
        if self.eu_acquisition + self.eu_operation != self.eu {
            out.push(Problem {
                location: at.clone().with_field("eu"),
                rule: "the EU contribution is its acquisition part plus its operation part".into(),
                found: Some(format!(
                    "{} + {} ≠ {}",
                    self.eu_acquisition, self.eu_operation, self.eu
                )),
            });
        }
        for (field, v) in [
            ("eu", self.eu),
            ("member_state", self.member_state),
            ("regional", self.regional),
            ("private", self.private),
            ("loan", self.loan),
            ("guarantee", self.guarantee),
            ("acquisition", self.acquisition),
            ("operation", self.operation),
        ] {
            if v.0 < 0 {
                out.push(Problem {
                    location: at.clone().with_field(field),
                    rule: "an amount is not negative".into(),
                    found: Some(v.to_string()),
                });
            }
        }
        out
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AwardStatus {
    Active,
    Withdrawn,
    Terminated,
    Closed,
}

/// An award: a main-list bid of a ranked call (or an award recorded from public facts),
/// with its current figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Award {
    pub id: i64,
    pub programme: String,
    pub call_code: String,
    pub call_kind: CallKind,
    /// The bid it was made from; `None` for an award recorded from public facts.
    pub bid_id: Option<i64>,
    pub acronym: String,
    pub title: String,
    pub host: String,
    pub country: String,
    pub selected_on: NaiveDate,
    pub status: AwardStatus,
    /// Offered from the reserve list after a main-list award was withdrawn.
    pub from_reserve: bool,
    pub rank: Option<u32>,
    pub figures: Figures,
    /// Which figures are illustrative (not published), by field name.
    pub illustrative: Vec<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AgreementKind {
    Hosting,
    Grant,
    JointProcurement,
    ProcurementContract,
    Loan,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Agreement {
    pub kind: AgreementKind,
    pub version: u32,
    pub signed_on: NaiveDate,
    pub reference: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AmendmentKind {
    /// New amounts (the caps checked again).
    BudgetRevision,
    /// Milestone baselines moved (the agreement's duration extended).
    Extension,
    CoordinatorChange,
    SiteChange,
    /// The tranches' shares of the EU contribution (they still sum to 100 %).
    TrancheShares,
    Termination,
}

/// A typed, dated, append-only change of an award.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Amendment {
    pub id: i64,
    pub kind: AmendmentKind,
    pub dated: NaiveDate,
    #[ts(type = "unknown")]
    pub old_value: serde_json::Value,
    #[ts(type = "unknown")]
    pub new_value: serde_json::Value,
    pub asked_by: String,
    pub approved_by: String,
    pub reason: String,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneState {
    Planned,
    /// The forecast is later than the baseline by more than the template's tolerance.
    AtRisk,
    Achieved,
    Verified,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[ts(rename = "AwardMilestone")]
pub struct Milestone {
    pub code: String,
    pub position: u32,
    pub baseline: NaiveDate,
    pub forecast: NaiveDate,
    pub actual: Option<NaiveDate>,
    /// The evidence's file name and its SHA-256.
    pub evidence: Option<String>,
    pub evidence_sha256: Option<String>,
    pub verified_by: Option<String>,
    pub verified_on: Option<NaiveDate>,
}

impl Milestone {
    pub fn state(&self, tolerance_days: i64) -> MilestoneState {
        if self.verified_on.is_some() {
            MilestoneState::Verified
        } else if self.actual.is_some() {
            MilestoneState::Achieved
        } else if (self.forecast - self.baseline).num_days() > tolerance_days {
            MilestoneState::AtRisk
        } else {
            MilestoneState::Planned
        }
    }

    /// Days the forecast (or the actual date) is behind the baseline.
    pub fn slip_days(&self) -> i64 {
        (self.actual.unwrap_or(self.forecast) - self.baseline).num_days()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TrancheKind {
    PreFinancing,
    Interim,
    Final,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TrancheState {
    Planned,
    Requested,
    UnderReview,
    Approved,
    Paid,
    Suspended,
    RecoveryIssued,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Tranche {
    pub code: String,
    pub position: u32,
    pub kind: TrancheKind,
    /// Basis points of the maximum EU contribution (10,000 = 100 %).
    pub share_bp: u32,
    /// The milestone whose verification opens the tranche; `None`: the grant agreement
    /// signed.
    pub gate: Option<String>,
    pub due_days: u32,
    pub state: TrancheState,
    /// What the tranche pays (its share, less the retention on the pre-financing, plus the
    /// retention released with the final payment).
    pub amount: Eur,
    pub paid: Eur,
    pub requested_on: Option<NaiveDate>,
    pub approved_on: Option<NaiveDate>,
    pub paid_on: Option<NaiveDate>,
    pub note: String,
}

/// Amounts of each tranche from their shares: the shares of the maximum EU contribution,
/// the retention withheld from the pre-financing (or the first tranche) and released with
/// the final payment. The amounts sum to the maximum exactly.
pub fn tranche_amounts(eu: Eur, shares_bp: &[(TrancheKind, u32)], retention: f64) -> Vec<Eur> {
    let n = shares_bp.len();
    let mut amounts: Vec<i64> = shares_bp
        .iter()
        .map(|(_, bp)| (i128::from(eu.0) * i128::from(*bp) / 10_000) as i64)
        .collect();
    if n > 0 {
        let sum: i64 = amounts_sum(&amounts[..n - 1]);
        amounts[n - 1] = eu.0 - sum;
    }
    let retained = (eu.0 as f64 * retention).round() as i64;
    let first = shares_bp
        .iter()
        .position(|(k, _)| *k == TrancheKind::PreFinancing)
        .unwrap_or(0);
    let last = shares_bp
        .iter()
        .rposition(|(k, _)| *k == TrancheKind::Final)
        .unwrap_or(n.saturating_sub(1));
    if n > 1 && first != last {
        let r = retained.min(amounts[first]);
        amounts[first] -= r;
        amounts[last] += r;
    }
    amounts.into_iter().map(Eur).collect()
}

fn amounts_sum(a: &[i64]) -> i64 {
    a.iter().sum()
}

/// Problems with a set of tranche shares: they sum to 100 % exactly.
pub fn share_problems(shares_bp: &[u32], at: &Location) -> Vec<Problem> {
    let sum: u32 = shares_bp.iter().sum();
    if sum == 10_000 {
        return Vec::new();
    }
    vec![Problem {
        location: at.clone().with_field("share"),
        rule: "the tranches' shares of the EU contribution sum to 100 %".into(),
        found: Some(format!("{:.2} %", f64::from(sum) / 100.0)),
    }]
}

/// A refusal naming the rule, at the award.
pub(crate) fn refuse(
    award: &str,
    field: &str,
    rule: impl Into<String>,
    found: Option<String>,
) -> Error {
    Error::invalid(
        Location::default()
            .with_sheet(award.to_string())
            .with_field(field),
        rule,
        found,
    )
}

/// What a deviation is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DeviationKind {
    MilestoneAtRisk,
    KpiRed,
    BenchmarkShortfall,
    LateReport,
    Other,
}

/// The action decided on a deviation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DeviationAction {
    /// The time limit for paying is suspended: no tranche is paid until lifted.
    PaymentDeadlineSuspension,
    /// Payments are suspended: no tranche is requested, approved or paid until lifted.
    PaymentSuspension,
    Reduction,
    RecoveryOrder,
    Termination,
    /// Recorded, followed up, no measure.
    None,
}

impl DeviationAction {
    /// Whether, until lifted, it blocks the award's tranches.
    pub fn blocks_payments(self) -> bool {
        matches!(
            self,
            DeviationAction::PaymentDeadlineSuspension | DeviationAction::PaymentSuspension
        )
    }
}

/// A deviation of a funded award and its action, recorded with its reason and who
/// decided; a suspension is lifted once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Deviation {
    pub id: i64,
    pub kind: DeviationKind,
    pub subject: String,
    pub found: String,
    pub action: DeviationAction,
    /// The amount of a reduction or a recovery order.
    pub amount: Option<Eur>,
    pub reason: String,
    pub decided_by: String,
    pub dated: NaiveDate,
    pub lifted_on: Option<NaiveDate>,
    pub lifted_by: Option<String>,
    pub lift_reason: Option<String>,
}

impl Deviation {
    /// A suspension not lifted yet.
    pub fn blocking(&self) -> bool {
        self.action.blocks_payments() && self.lifted_on.is_none()
    }
}
