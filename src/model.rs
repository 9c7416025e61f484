//! Plain domain types. Nothing here touches the database or the file system.
//!
//! Every type that crosses the IPC boundary derives `TS`; `crate::bindings` writes their
//! TypeScript declarations to `ui/src/lib/bindings.ts`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use ts_rs::TS;

/// An amount of money in integer euro cents. Sums of `Eur` are exact; models compute in
/// f64 and convert back only when a figure is stored or shown.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS,
)]
#[ts(type = "number")]
pub struct Eur(pub i64);

impl Eur {
    pub const ZERO: Eur = Eur(0);

    pub fn from_cents(cents: i64) -> Eur {
        Eur(cents)
    }

    /// Whole euros to cents; `None` on overflow.
    pub fn from_euros(euros: i64) -> Option<Eur> {
        euros.checked_mul(100).map(Eur)
    }

    /// Euros given as a decimal number (as in a spreadsheet or TOML file), rounded to the
    /// cent; `None` when it is not finite or does not fit.
    pub fn from_euros_f64(euros: f64) -> Option<Eur> {
        let cents = (euros * 100.0).round();
        (cents.is_finite() && cents.abs() < 9.0e15).then_some(Eur(cents as i64))
    }

    pub fn cents(self) -> i64 {
        self.0
    }

    pub fn as_euros_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }

    pub fn checked_add(self, other: Eur) -> Option<Eur> {
        self.0.checked_add(other.0).map(Eur)
    }
}

impl std::iter::Sum for Eur {
    fn sum<I: Iterator<Item = Eur>>(iter: I) -> Eur {
        Eur(iter.map(|e| e.0).sum())
    }
}

impl std::ops::Add for Eur {
    type Output = Eur;
    fn add(self, rhs: Eur) -> Eur {
        Eur(self.0 + rhs.0)
    }
}

impl std::ops::Sub for Eur {
    type Output = Eur;
    fn sub(self, rhs: Eur) -> Eur {
        Eur(self.0 - rhs.0)
    }
}

/// `€1,234,567.89` — the CLI's neutral rendering; the UI formats for the user's locale.
impl fmt::Display for Eur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let euros = (abs / 100).to_string();
        let mut grouped = String::with_capacity(euros.len() + euros.len() / 3);
        for (i, c) in euros.chars().enumerate() {
            if i > 0 && (euros.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(f, "{sign}€{grouped}.{:02}", abs % 100)
    }
}

/// An ISO 3166-1 alpha-2 country code, upper case. Whether the code is known is checked
/// against `templates/countries.toml` by [`crate::countries`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[ts(type = "string")]
pub struct CountryCode(pub String);

impl CountryCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// ---------------------------------------------------------------------------------------
// Calls

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CallKind {
    AiGigafactory,
    AiFactory,
    AiFactoryAntenna,
}

/// Ordered rules that separate bids with equal weighted totals (EVALUATION.md, ex aequo).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum TieBreak {
    /// Bids covering a part of the call not covered by a higher-ranked bid.
    UncoveredScope,
    /// The score of one criterion, higher first.
    Criterion { code: String },
    /// Member States represented that do not already receive funds from higher bids.
    NewMemberStates,
    /// Lower requested EU contribution first.
    LowerRequestedBudget,
    /// A factor recorded by the panel (free text, kept in the trace).
    PanelDecision,
}

/// What happens when the next bid in rank order does not fit the remaining budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum BudgetLineRule {
    /// The main list stops at the first bid that does not fit (EU default).
    StopAtFirstMisfit,
    /// Later, smaller bids may still be funded.
    SkipToSmaller,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct EvaluationSettings {
    pub scale_min: f64,
    pub scale_max: f64,
    pub step: f64,
    pub min_evaluators_per_bid: u32,
    pub overall_threshold: f64,
    pub min_comment_chars: u32,
    pub tie_break: Vec<TieBreak>,
    pub budget_line: BudgetLineRule,
    /// Expertise tags a bid's panel should cover, matched against evaluators' tags.
    #[serde(default)]
    pub expertise: Vec<String>,
    /// How many bids above `ceil(total / experts)` an expert may receive (default 1).
    #[serde(default = "one")]
    pub max_extra_load: u32,
    /// Days after the deadline during which submissions are still accepted (0: none).
    #[serde(default)]
    pub grace_days: u32,
}

fn one() -> u32 {
    1
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Criterion {
    pub code: String,
    pub name: String,
    pub description: String,
    pub weight: f64,
    pub threshold: f64,
    pub position: u32,
}

/// A named set of countries from `templates/countries.toml` (e.g. `eu`, `eurohpc`).
pub type CountryGroup = String;

/// One eligibility test of a call. The numbers are data of the call template.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum EligibilityCheck {
    /// The bid's accelerators (first generation) number strictly more than `value`.
    AcceleratorsMoreThan { value: u64 },
    /// The bid's accelerators (first generation) number at least `value`.
    AcceleratorsAtLeast { value: u64 },
    /// Every site is in a country of one of the groups.
    SitesIn { groups: Vec<CountryGroup> },
    /// The coordinator is established in a country of one of the groups.
    CoordinatorIn { groups: Vec<CountryGroup> },
    /// The hosting entity is established in a country of one of the groups.
    HostingEntityIn { groups: Vec<CountryGroup> },
    /// Every member is established in a country of one of the groups.
    MembersIn { groups: Vec<CountryGroup> },
    /// A Member-State contribution is requested (a co-financing commitment).
    MemberStateCofinancing,
    /// Requested EU contribution at most `share` of acquisition (capex) costs.
    MaxEuShareOfCapex { share: f64 },
    /// At least `value` members in the consortium.
    MinMembers { value: u32 },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct EligibilityRule {
    pub code: String,
    pub description: String,
    #[serde(flatten)]
    pub check: EligibilityCheck,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Call {
    pub id: i64,
    pub code: String,
    pub kind: CallKind,
    pub programme: String,
    pub title: String,
    pub budget: Eur,
    pub opens: NaiveDate,
    pub deadline: NaiveDate,
    pub settings: EvaluationSettings,
    pub criteria: Vec<Criterion>,
    pub eligibility: Vec<EligibilityRule>,
}

// ---------------------------------------------------------------------------------------
// Organisations, consortia, bids

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    LargeEnterprise,
    Sme,
    Research,
    PublicBody,
    Investor,
    HpcCentre,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub country: CountryCode,
    pub kind: OrganisationKind,
    pub email_domain: String,
    pub parent_group: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    Coordinator,
    HostingEntity,
    Partner,
    Investor,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Member {
    pub organisation: Organisation,
    pub role: MemberRole,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Consortium {
    pub id: i64,
    pub name: String,
    pub members: Vec<Member>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum BidStatus {
    Draft,
    Submitted,
    Withdrawn,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Site {
    pub name: String,
    pub country: CountryCode,
    pub region: String,
    pub it_mw: f64,
    pub pue: f64,
    /// Water usage effectiveness, litres per kWh of IT energy.
    pub wue: f64,
    /// Share of electricity from renewable sources, 0–1.
    pub renewable_share: f64,
    pub grid_connection: NaiveDate,
    pub go_live: NaiveDate,
}

/// Accelerators of one hardware generation (1 = the initial installation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct HardwareLine {
    pub generation: u32,
    /// `accelerator_key` of `hardware.csv` (e.g. `B200`), or a model not in the list.
    pub accelerator: String,
    pub count: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CapexCategory {
    LandAndBuilding,
    PowerAndCooling,
    GridConnection,
    ItHardware,
    Network,
    Storage,
    Software,
    Contingency,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OpexCategory {
    Electricity,
    Staff,
    Maintenance,
    Insurance,
    Connectivity,
    Software,
    Other,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct CostLine<C> {
    pub year: i32,
    pub category: C,
    pub description: String,
    pub amount: Eur,
}

pub type CapexLine = CostLine<CapexCategory>;
pub type OpexLine = CostLine<OpexCategory>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum GuaranteeKind {
    None,
    PariPassu,
    FirstLoss,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct FinancingPlan {
    pub eu_grant: Eur,
    pub member_state_grant: Eur,
    pub senior_debt: Eur,
    pub equity: Eur,
    pub guarantee_kind: GuaranteeKind,
    /// Amount of debt the requested guarantee would cover.
    pub guarantee_amount: Eur,
}

impl FinancingPlan {
    pub fn total(&self) -> Eur {
        self.eu_grant + self.member_state_grant + self.senior_debt + self.equity
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Bid {
    pub id: i64,
    pub call_code: String,
    pub consortium: Consortium,
    pub acronym: String,
    pub title: String,
    pub status: BidStatus,
    pub version: u32,
    pub submitted_at: Option<DateTime<Utc>>,
    /// Parts of the call the bid covers (used by the first ex-aequo rule).
    pub scope: Vec<String>,
    pub sites: Vec<Site>,
    pub hardware: Vec<HardwareLine>,
    pub requested_eu: Eur,
    pub requested_member_state: Eur,
    pub capex: Vec<CapexLine>,
    pub opex: Vec<OpexLine>,
    pub financing: FinancingPlan,
    /// The implementation plan's milestones, in the applicant's order.
    #[serde(default)]
    pub milestones: Vec<Milestone>,
}

/// An accelerator an applicant described because it is not in the hardware list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct DeclaredAccelerator {
    pub name: String,
    pub fp8_tflops: f64,
    pub bf16_tflops: f64,
    pub tdp_w: f64,
}

/// A milestone of the implementation plan (the applicant workbook's Milestones sheet).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Milestone {
    pub name: String,
    pub date: NaiveDate,
    pub description: String,
}

impl Bid {
    pub fn capex_total(&self) -> Eur {
        self.capex.iter().map(|l| l.amount).sum()
    }

    pub fn opex_total(&self) -> Eur {
        self.opex.iter().map(|l| l.amount).sum()
    }

    /// Accelerators of the first generation, the figure eligibility rules count.
    pub fn initial_accelerators(&self) -> u64 {
        let first = self
            .hardware
            .iter()
            .map(|h| h.generation)
            .min()
            .unwrap_or(1);
        self.hardware
            .iter()
            .filter(|h| h.generation == first)
            .map(|h| h.count)
            .sum()
    }

    pub fn it_mw(&self) -> f64 {
        self.sites.iter().map(|s| s.it_mw).sum()
    }

    pub fn coordinator(&self) -> Option<&Member> {
        self.consortium
            .members
            .iter()
            .find(|m| m.role == MemberRole::Coordinator)
    }
}

// ---------------------------------------------------------------------------------------
// Benchmarks

/// An accelerator of `hardware.csv` (Epoch AI, CC-BY 4.0).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Accelerator {
    pub key: String,
    pub name: String,
    pub vendor: String,
    pub release_date: Option<NaiveDate>,
    pub fp4_tflops: Option<f64>,
    pub fp8_tflops: Option<f64>,
    pub bf16_tflops: Option<f64>,
    pub memory_gb: Option<f64>,
    pub tdp_w: Option<f64>,
    pub list_price_usd: Option<f64>,
    pub source: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum BenchmarkSuite {
    Training,
    Inference,
}

/// One published benchmark result (MLPerf), as imported. Training: `score` is the
/// official time to train in minutes. Inference: `score` is the system's result in `unit`
/// (e.g. tokens/s) for `scenario`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct BenchmarkRun {
    pub suite: BenchmarkSuite,
    pub round: String,
    pub benchmark: String,
    pub scenario: Option<String>,
    pub submitter: String,
    pub system: String,
    pub accelerator: String,
    pub accelerator_count: u32,
    /// `fp4` or `fp8` when the run says so, else `None`.
    pub precision: Option<String>,
    pub score: Option<f64>,
    pub unit: String,
    pub energy_kj: Option<f64>,
    pub power_w: Option<f64>,
    pub joules_per_unit: Option<f64>,
    pub result_id: Option<String>,
    pub duplicate_of: Option<String>,
    /// Why the row is kept out of the statistics; `None` when it is used.
    pub excluded_reason: Option<String>,
    /// Repository @ commit : path of the result (unique).
    pub source: String,
    pub file: String,
    pub line: u32,
}

// ---------------------------------------------------------------------------------------
// Evaluation

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Evaluator {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub organisation: String,
    pub country: CountryCode,
    pub expertise: Vec<String>,
    /// The consortium organisation the evaluator works for, when there is one.
    pub organisation_id: Option<i64>,
    pub parent_group: Option<String>,
    /// The evaluator's ed25519 public key (hex) once registered: returns of offline
    /// packages are verified against it.
    #[serde(default)]
    pub public_key: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    Employment,
    Shareholding,
    AdvisoryRole,
    FamilyOrPersonal,
    RecentCollaboration,
    Competitor,
    Other,
    SameOrganisation,
    SameEmailDomain,
    SameParentGroup,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConflictSource {
    Declared,
    Detected,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Conflict {
    pub id: i64,
    pub evaluator_id: i64,
    /// The bid concerned; `None` when declared against an organisation.
    pub bid_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub kind: ConflictKind,
    pub source: ConflictSource,
    pub note: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentRole {
    Expert,
    Rapporteur,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Assignment {
    pub bid_id: i64,
    pub evaluator_id: i64,
    pub role: AssignmentRole,
    pub assigned_at: DateTime<Utc>,
    /// Why the assignment is suspended (a conflict of interest found after it was made);
    /// `None` while it stands.
    #[serde(default)]
    pub suspended: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ScoreStatus {
    Draft,
    Submitted,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Score {
    pub bid_id: i64,
    pub evaluator_id: i64,
    pub criterion: String,
    pub score: f64,
    pub comment: String,
    pub status: ScoreStatus,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConsensusStatus {
    Draft,
    Approved,
    /// No consensus: the majority view is recorded with the minority view beside it.
    MajorityView,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ConsensusScore {
    pub bid_id: i64,
    pub criterion: String,
    pub score: f64,
    pub comment: String,
    pub reconciliation_note: Option<String>,
    pub minority_view: Option<String>,
    pub status: ConsensusStatus,
    pub approved_by: Vec<i64>,
}

/// One entry of the append-only, hash-chained audit log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// Who makes a change, and when: passed into every write so that business logic never
/// reads the clock itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub at: DateTime<Utc>,
}

impl Actor {
    pub fn new(name: impl Into<String>, at: DateTime<Utc>) -> Actor {
        Actor {
            name: name.into(),
            at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eur_display_groups_thousands_and_keeps_cents() {
        assert_eq!(Eur(12_345_678_901).to_string(), "€123,456,789.01");
        assert_eq!(Eur(-5).to_string(), "-€0.05");
        assert_eq!(Eur(100_000).to_string(), "€1,000.00");
    }

    #[test]
    fn eur_from_decimal_euros_rounds_to_the_cent() {
        assert_eq!(Eur::from_euros_f64(0.125), Some(Eur(13)));
        assert_eq!(Eur::from_euros_f64(f64::NAN), None);
        assert_eq!(Eur::from_euros(i64::MAX), None);
    }
}
