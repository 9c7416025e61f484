//! TypeScript declarations of every type that crosses the IPC boundary, generated from
//! the Rust types (ts-rs) into `ui/src/lib/bindings.ts`. A test fails when the committed
//! file is stale; `UPDATE_BINDINGS=1 cargo test bindings` rewrites it.

use crate::app::finance as appfin;
use crate::app::{
    BenchImport, BidCompute, BidDetail, BidRow, CallCompute, CallSummary, CountryPresence,
    DatabaseInfo, ExcludedRow, FileImport, ProgrammeSummary, ScalingReport, VerifyReport,
    YearCosts,
};
use crate::compute::estimate::{Basis, Estimate, EstimateParams, Figures};
use crate::compute::relative::{InferenceRow, InferenceTable, RelativeRow, RelativeTable};
use crate::compute::scaling::ScalingFit;
use crate::countries::Country;
use crate::eligibility::RuleOutcome;
use crate::error::{ErrorCode, ErrorPayload, Location, Problem};
use crate::evaluation as ev;
use crate::finance as fin;
use crate::model::*;
use crate::store::audit::ChainBreak;
use ts_rs::{Config, TS};

/// Path of the generated file, relative to the repository root.
pub const BINDINGS_PATH: &str = "ui/src/lib/bindings.ts";

macro_rules! declarations {
    ($cfg:expr; $($t:ty),* $(,)?) => {
        vec![$(<$t as TS>::decl($cfg)),*]
    };
}

/// The whole generated file.
pub fn typescript() -> String {
    let cfg = Config::new().with_large_int("number");
    let decls = declarations!(&cfg;
        Eur, CountryCode, CallKind, TieBreak, BudgetLineRule, EvaluationSettings, Criterion,
        EligibilityCheck, EligibilityRule, Call, OrganisationKind, Organisation, MemberRole,
        Member, Consortium, BidStatus, Site, HardwareLine, CapexCategory, OpexCategory,
        CostLine<CapexCategory>, GuaranteeKind, FinancingPlan, Bid, Accelerator, BenchmarkSuite,
        BenchmarkRun, Evaluator, ConflictKind, ConflictSource, Conflict, AssignmentRole,
        Assignment, ScoreStatus, Score, ConsensusStatus, ConsensusScore, AuditEntry,
        Location, Problem, ErrorCode, ErrorPayload, ChainBreak, Country, RuleOutcome,
        DatabaseInfo, crate::app::PackageDatabase, CallSummary, ProgrammeSummary, BidRow, CountryPresence, YearCosts,
        BidDetail, VerifyReport, ExcludedRow, FileImport, BenchImport, RelativeRow,
        RelativeTable, InferenceRow, InferenceTable, ScalingFit, ScalingReport, EstimateParams,
        Basis, Figures, Estimate, BidCompute, CallCompute,
        crate::report::charts::ComputePoint, crate::compute::plausibility::Plausibility,
        fin::inputs::GuaranteeType, fin::inputs::Guarantee, fin::inputs::OwnLines,
        fin::montecarlo::Distribution, fin::montecarlo::Correlation, fin::montecarlo::RiskSpec,
        fin::Inputs, fin::Metrics, fin::Year, fin::Outcome, fin::montecarlo::GuaranteeOutcome,
        fin::montecarlo::Histogram, fin::montecarlo::MonteCarlo, fin::sensitivity::GoalSeek,
        fin::sensitivity::GoalSeekResult, fin::sensitivity::TornadoBar, fin::sensitivity::Tornado,
        appfin::BidInputs, appfin::ModelView, appfin::TornadoView, appfin::MonteCarloView,
        crate::store::scenarios::Scenario, appfin::ScenarioHead, appfin::ComparedValue,
        appfin::Comparison, appfin::MonteCarloStatus,
        ev::Viewer, ev::conflicts::ConflictFinding, ev::assign::PlannedAssignment,
        ev::assign::Load, ev::assign::AssignPlan, ev::assign::AssignmentRow,
        ev::scoring::NamedScore, ev::scoring::BidScores, ev::scoring::ScoreInput,
        ev::scoring::ScoreImport, ev::consensus::Expert, ev::consensus::Individual,
        ev::consensus::CriterionConsensus, ev::consensus::ConsensusView,
        ev::consensus::ConsensusDraft, ev::ranking::List, ev::ranking::ThresholdCheck,
        ev::ranking::TieStep, ev::ranking::RankedBid, ev::ranking::TieGroup, ev::ranking::Ranking,
        ev::calibration::EvaluatorCalibration, ev::calibration::Move,
        ev::calibration::LeaveOneOut, ev::calibration::RankRow, ev::calibration::Calibration,
        ev::CallRanking, ev::package::Exported, ev::package::Opened, ev::package::Returned,
        crate::store::evaluation::ScoreConflict, crate::store::evaluation::PanelDecision,
        ev::package::ReturnImport, crate::app::evaluation::RosterImport,
        crate::app::evaluation::ConflictList, crate::app::reports::ReportCheck,
        crate::app::reports::BatchFile, crate::app::reports::BatchReport,
        crate::app::reports::BatchStatus, crate::app::reports::ReportRequest, Milestone,
        DeclaredAccelerator, crate::ingest::workbook::Severity, crate::ingest::workbook::Stage,
        crate::ingest::workbook::Finding, crate::store::bids::VersionRow,
        crate::app::applicant::Change, crate::app::applicant::CheckReport,
        crate::app::applicant::ImportOutcome, crate::app::applicant::ManifestFile,
        crate::app::applicant::Manifest, crate::app::applicant::PackageOutcome,
        crate::app::calls::CallTemplate, crate::app::calls::NewCall,
        crate::app::calls::ValueKind, crate::app::calls::CallChange,
        crate::app::calls::EditCheck, crate::store::calls::CallVersion,
        crate::app::intake::IntakeKind, crate::app::intake::Intake,
        crate::app::evaluation::RosterRow, crate::app::evaluation::PackageSummary,
        crate::app::evaluation::ScoreConflictRow, ev::package::FileHeader,
        ev::package::PublicKeyFile, ev::assign::MatrixBid, ev::assign::MatrixExpert,
        ev::assign::MatrixCell, ev::assign::AssignmentMatrix, crate::app::audit::AuditFilter,
        crate::app::audit::AuditRow, crate::app::audit::AuditPage,
        crate::keys::KeyRole,
        crate::programme::Source, crate::programme::Figures, crate::programme::AwardStatus,
        crate::programme::Award, crate::programme::AgreementKind, crate::programme::Agreement,
        crate::programme::AmendmentKind, crate::programme::Amendment,
        crate::programme::MilestoneState, crate::programme::Milestone,
        crate::programme::TrancheKind, crate::programme::TrancheState, crate::programme::Tranche,
        crate::programme::template::Caps, crate::programme::template::PaymentRules,
        crate::programme::template::EnvelopeLine, crate::programme::template::EuSource,
        crate::programme::template::MilestoneTemplate, crate::programme::template::TrancheTemplate,
        crate::programme::Template, crate::programme::portfolio::EnvelopeRow,
        crate::programme::portfolio::AwardLeverage, crate::programme::portfolio::Leverage,
        crate::programme::portfolio::ForecastRow, crate::programme::portfolio::CountryRow,
        crate::programme::portfolio::Portfolio, crate::store::programme::Commitment,
        crate::app::programme::ProgrammeRow, crate::app::programme::Imported,
        crate::app::programme::ProgrammeDetail, crate::app::programme::AwardRow,
        crate::app::programme::MilestoneView, crate::app::programme::TrancheView,
        crate::app::programme::AwardDetail, crate::app::programme::Change,
        crate::app::programme::AmendRequest, crate::app::programme::MilestoneChange,
        crate::app::programme::TrancheAction, crate::app::programme::PortfolioCharts,
        crate::app::programme::ProgrammeTable, crate::app::programme::HostStateGap,
        crate::programme::DeviationKind, crate::programme::DeviationAction,
        crate::programme::Deviation, crate::app::programme::DeviationRequest,
        crate::programme::template::ScheduleRisk, crate::programme::risk::AwardRisk,
        crate::programme::risk::YearRange, crate::programme::risk::ScheduleRisk,
        crate::app::programme::RiskView, crate::app::programme::WarningKind,
        crate::app::programme::Warning,
        crate::app::evaluation::Declared, ev::package::KeyInfo, crate::store::audit::LogHead, crate::store::audit::Checkpoint, crate::app::audit::CheckpointCheck, ev::conflicts::Suspension, ev::package::ReturnSummary, ev::package::ReturnBid,
        ev::package::ReturnCriterion, crate::app::expert::OpenedDatabase,
        crate::app::applicant::PackageInspection,
        crate::programme::template::Monitoring, crate::programme::template::KpiTarget,
        crate::programme::template::Shock, crate::programme::monitoring::Direction,
        crate::programme::monitoring::ClaimBasis, crate::programme::monitoring::Rag,
        crate::programme::monitoring::Claim, crate::programme::monitoring::ScoreRow,
        crate::programme::monitoring::AccessRow, crate::programme::monitoring::Instrument,
        crate::programme::monitoring::LiabilityYear, crate::programme::monitoring::Liability,
        crate::programme::monitoring::LiabilityTotal, crate::programme::monitoring::Liabilities,
        crate::ingest::monitoring::ReportedMilestone, crate::ingest::monitoring::ReportedCost,
        crate::ingest::monitoring::ReportData, crate::ingest::monitoring::MonitoringRead,
        crate::store::monitoring::StoredReport, crate::store::monitoring::RunKind,
        crate::store::monitoring::AwardRun, crate::app::monitoring::ImportedReport,
        crate::app::monitoring::ReportView, crate::app::monitoring::RerunView,
        crate::app::monitoring::ComputeIssue, crate::app::monitoring::DeliveredCompute,
        crate::app::monitoring::MonitoringView, crate::app::monitoring::ImportedRun,
        crate::app::monitoring::PortfolioScore, crate::app::monitoring::PortfolioMonitoring,
    );
    let mut out = String::from(
        "// Generated by `UPDATE_BINDINGS=1 cargo test bindings` from the Rust types (src/bindings.rs).\n\
         // Do not edit: a test fails when this file differs from what the Rust types declare.\n",
    );
    for d in decls {
        out.push('\n');
        out.push_str("export ");
        out.push_str(d.trim());
        out.push('\n');
    }
    out
}
