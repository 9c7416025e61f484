// The only module that talks to Tauri. Every backend call goes through here, typed with
// the bindings generated from the Rust types (bindings.ts).
import { invoke } from "@tauri-apps/api/core";
import { open as openDialog, save as saveDialog } from "@tauri-apps/plugin-dialog";
import type {
  Warning,
  Deviation,
  DeviationRequest,
  RiskView,
  AmendRequest,
  AgreementKind,
  Agreement,
  Amendment,
  Award,
  AwardDetail,
  AwardRow,
  Commitment,
  Imported,
  MilestoneChange,
  MilestoneView,
  Portfolio,
  PortfolioCharts,
  ProgrammeDetail,
  ProgrammeRow,
  ProgrammeTable,
  TrancheAction,
  TrancheView,
  AssignmentRow,
  Checkpoint,
  Declared,
  BidScores,
  Call,
  CallRanking,
  ConsensusView,
  Evaluator,
  Score,
  ScoreInput,
  BidDetail,
  BidInputs,
  Comparison,
  GoalSeek,
  GoalSeekResult,
  Inputs,
  ModelView,
  MonteCarlo,
  MonteCarloStatus,
  Scenario,
  TornadoView,
  CallCompute,
  Estimate,
  BidRow,
  DatabaseInfo,
  ErrorCode,
  ErrorPayload,
  Problem,
  ProgrammeSummary,
  RelativeTable,
  VerifyReport,
  BatchStatus,
  ReportRequest,
  Change,
  CheckReport,
  ImportOutcome,
  PackageOutcome,
  VersionRow,
  CallTemplate,
  NewCall,
  EditCheck,
  CallVersion,
  CallChange,
  Intake,
  RosterRow,
  RosterImport,
  ConflictList,
  Organisation,
  Conflict,
  ConflictKind,
  AssignPlan,
  AssignmentMatrix,
  Assignment,
  PackageSummary,
  Exported,
  FileHeader,
  ReturnImport,
  ScoreConflictRow,
  ConsensusDraft,
  ConsensusScore,
  AuditFilter,
  AuditPage,
  AuditEntry,
  ReportCheck,
  KeyInfo,
  OpenedDatabase,
  ReturnSummary,
  Returned,
  BenchImport,
  PackageInspection,
  MonitoringView,
  MonitoringRead,
  ImportedReport,
  ImportedRun,
  RunKind,
  PortfolioMonitoring,
  Liabilities,
} from "./bindings";

/** A backend error as the UI shows it: a code to branch on and a message for people. */
export class ApiError extends Error {
  readonly code: ErrorCode | "Ipc";
  readonly problems: Problem[];

  constructor(payload: ErrorPayload | { code: "Ipc"; message: string; problems: Problem[] }) {
    super(payload.message);
    this.code = payload.code;
    this.problems = payload.problems;
  }
}

function isPayload(e: unknown): e is ErrorPayload {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    if (isPayload(e)) throw new ApiError({ ...e, problems: e.problems ?? [] });
    throw new ApiError({ code: "Ipc", message: String(e), problems: [] });
  }
}

/** Who the evaluation views act as; `locked_to` is set in a database opened from a package. */
export interface EvalIdentity {
  locked_to: number | null;
  evaluators: Evaluator[];
}

const call_ = <T>(command: string, args?: Record<string, unknown>) => call<T>(command, args);

export const api = {
  workbookCheck: (path: string, call: string) => call_<CheckReport>("workbook_check", { path, call }),
  workbookImport: (path: string, call: string, submit: boolean) =>
    call_<ImportOutcome>("workbook_import", { path, call, submit }),
  workbookAnnotate: (path: string, call: string, out: string) =>
    call_<string>("workbook_annotate", { path, call, out }),
  workbookPackage: (path: string, call: string, dir: string) =>
    call_<PackageOutcome>("workbook_package", { path, call, dir }),
  bidVersions: (call: string, acronym: string) => call_<VersionRow[]>("bid_versions", { call, acronym }),
  bidVersionDiff: (call: string, acronym: string, from: number, to: number) =>
    call_<Change[]>("bid_version_diff", { call, acronym, from, to }),
  evalIdentity: () => call<EvalIdentity>("eval_identity"),
  evalCall: (code: string) => call<Call>("eval_call", { call: code }),
  evalRank: (code: string) => call<CallRanking>("eval_rank", { call: code }),
  evalAssignments: (code: string, evaluator: number | null) =>
    call<AssignmentRow[]>("eval_assignments", { call: code, evaluator }),
  evalScores: (bid: number, evaluator: number | null) => call<BidScores>("eval_scores", { bid, evaluator }),
  evalScoreSet: (code: string, input: ScoreInput) => call<Score>("eval_score_set", { call: code, input }),
  evalSubmit: (code: string, bid: number, evaluator: number) =>
    call<BidScores>("eval_submit", { call: code, bid, evaluator }),
  evalConsensus: (code: string, bid: number, evaluator: number | null) =>
    call<ConsensusView>("eval_consensus", { call: code, bid, evaluator }),
  callTemplates: () => call<CallTemplate[]>("call_templates"),
  callCreate: (c: NewCall) => call<Call>("call_create", { call: c }),
  callCheckEdit: (code: string, c: Call) => call<EditCheck>("call_check_edit", { code, call: c }),
  callUpdate: (code: string, c: Call, reason: string | null) => call<CallVersion>("call_update", { code, call: c, reason }),
  callVersions: (code: string) => call<CallVersion[]>("call_versions", { code }),
  callVersionChanges: (code: string, version: number) => call<CallChange[]>("call_version_changes", { code, version }),
  callWorkbookSave: (code: string, path: string) => call<number>("call_workbook_save", { code, path }),
  intakeFiles: (dir: string) => call<string[]>("intake_files", { dir }),
  intakeFile: (path: string, callCode: string | null, submit: boolean) =>
    call<Intake>("intake_file", { path, call: callCode, submit }),
  rosterList: () => call<RosterRow[]>("roster_list"),
  rosterImport: (path: string) => call<RosterImport>("roster_import", { path }),
  conflictsList: (code: string) => call<ConflictList>("conflicts_list", { call: code }),
  callOrganisations: (code: string) => call<Organisation[]>("call_organisations", { call: code }),
  conflictDeclare: (a: { evaluatorId: number; call: string; bidId: number | null; organisation: string | null; kind: ConflictKind; note: string }) =>
    call<Declared>("conflict_declare", a),
  assignAuto: (code: string) => call<AssignPlan>("assign_auto", { call: code }),
  assignMatrix: (code: string) => call<AssignmentMatrix>("assign_matrix", { call: code }),
  assignAdd: (code: string, bidId: number, evaluatorId: number, rapporteur: boolean) =>
    call<Assignment>("assign_add", { call: code, bidId, evaluatorId, rapporteur }),
  assignRemove: (code: string, bidId: number, evaluatorId: number) =>
    call<null>("assign_remove", { call: code, bidId, evaluatorId }),
  assignRapporteur: (code: string, bidId: number, evaluatorId: number) =>
    call<null>("assign_rapporteur", { call: code, bidId, evaluatorId }),
  keyRegister: (evaluatorId: number, text: string | null, path: string | null) =>
    call<RosterRow>("key_register", { evaluatorId, text, path }),
  packagesList: (code: string) => call<PackageSummary[]>("packages_list", { call: code }),
  packageExport: (code: string, evaluatorId: number, passphrase: string, dir: string, officePassphrase: string | null = null) =>
    call<Exported>("package_export", { call: code, evaluatorId, passphrase, dir, officePassphrase }),
  officeKey: () => call<KeyInfo | null>("office_key"),
  officeKeyCreate: (passphrase: string, confirm: string) => call<KeyInfo>("office_key_create", { passphrase, confirm }),
  officePublicKeySave: (path: string) => call<null>("office_public_key_save", { path }),
  auditCheckpoint: (passphrase: string, saveTo: string | null) => call<Checkpoint>("audit_checkpoint", { passphrase, saveTo }),
  verifyDatabaseFull: (checkpointFiles: string[]) => call<VerifyReport>("verify_database_full", { checkpointFiles }),
  packagePeek: (path: string) => call<FileHeader>("package_peek", { path }),
  returnImport: (path: string, passphrase: string) => call<ReturnImport>("return_import", { path, passphrase }),
  scoreConflicts: (code: string) => call<ScoreConflictRow[]>("score_conflicts", { call: code }),
  scoreConflictResolve: (code: string, conflict: number, keepReturn: boolean) =>
    call<string | null>("score_conflict_resolve", { call: code, conflict, keepReturn }),
  consensusDraft: (code: string, bid: number, evaluator: number | null, draft: ConsensusDraft) =>
    call<ConsensusScore>("consensus_draft", { call: code, bid, evaluator, draft }),
  consensusApprove: (code: string, bid: number, evaluator: number) =>
    call<ConsensusView>("consensus_approve", { call: code, bid, evaluator }),
  panelDecide: (code: string, bidId: number, position: number, reason: string) =>
    call<null>("panel_decide", { call: code, bidId, position, reason }),
  auditQuery: (filter: AuditFilter, offset: number, limit: number) =>
    call<AuditPage>("audit_query", { filter, offset, limit }),
  auditActions: () => call<string[]>("audit_actions"),
  scoreHistory: (bid: number, evaluatorId: number, criterion: string, viewerId: number | null) =>
    call<AuditEntry[]>("score_history", { bid, evaluatorId, criterion, viewerId }),
  reportVerify: (path: string) => call<ReportCheck>("report_verify", { path }),
  startupFile: () => call<string | null>("startup_file"),
  expertKey: () => call<KeyInfo | null>("expert_key"),
  expertKeyCreate: (passphrase: string, confirm: string) => call<KeyInfo>("expert_key_create", { passphrase, confirm }),
  expertPublicKeySave: (path: string, email: string | null) => call<string>("expert_public_key_save", { path, email }),
  packageOpen: (path: string, passphrase: string) => call<OpenedDatabase>("package_open", { path, passphrase }),
  returnSummary: () => call<ReturnSummary>("return_summary"),
  returnWrite: (keyPassphrase: string, passphrase: string, path: string) =>
    call<Returned>("return_write", { keyPassphrase, passphrase, path }),
  returnFileName: () => call<string>("return_file_name"),
  benchImport: (paths: string[]) => call<BenchImport>("bench_import", { paths }),
  scenarioExportXlsx: (id: number, lang: string, path: string) => call<number>("scenario_export_xlsx", { id, lang, path }),
  submissionInspect: (path: string) => call<PackageInspection>("submission_inspect", { path }),
  submissionImport: (path: string) => call<ImportOutcome>("submission_import", { path }),
  databaseInfo: () => call<DatabaseInfo>("database_info"),
  openDatabase: (path: string) => call<DatabaseInfo>("open_database", { path }),
  loadDemo: () => call<ProgrammeSummary>("load_demo"),
  programmeSummary: () => call<ProgrammeSummary>("programme_summary"),
  listBids: (callCode: string | null = null) => call<BidRow[]>("list_bids", { call: callCode }),
  bidDetail: (id: number) => call<BidDetail>("bid_detail", { id }),
  verifyDatabase: () => call<VerifyReport>("verify_database"),
  computeCall: (callCode: string, round: string, lang: string) =>
    call<CallCompute>("compute_call", { call: callCode, round, lang }),
  computeBid: (id: number, round: string) => call<Estimate>("compute_bid", { id, round }),
  computeRelative: (round: string) => call<RelativeTable>("compute_relative", { round }),
  modelReferenceInputs: () => call<Inputs>("model_reference_inputs"),
  modelBidInputs: (bidId: number) => call<BidInputs>("model_bid_inputs", { bidId }),
  modelView: (inputs: Inputs, lang: string) => call<ModelView>("model_view", { inputs, lang }),
  modelGoalSeek: (inputs: Inputs, request: GoalSeek) => call<GoalSeekResult>("model_goal_seek", { inputs, request }),
  modelTornado: (inputs: Inputs, metric: string, change: number, lang: string) =>
    call<TornadoView>("model_tornado", { inputs, metric, change, lang }),
  modelMcStart: (inputs: Inputs, paths: number, seed: number, lang: string) =>
    call<null>("model_mc_start", { inputs, paths, seed, lang }),
  modelMcStatus: () => call<MonteCarloStatus>("model_mc_status"),
  modelMcCancel: () => call<null>("model_mc_cancel"),
  scenarioSave: (bidId: number | null, name: string, note: string, inputs: Inputs, monteCarlo: MonteCarlo | null) =>
    call<Scenario>("scenario_save", { bidId, name, note, inputs, monteCarlo }),
  scenarioList: (bidId: number | null) => call<Scenario[]>("scenario_list", { bidId }),
  scenarioCompare: (ids: number[]) => call<Comparison>("scenario_compare", { ids }),
  // The programme after selection.
  programmeList: () => call<ProgrammeRow[]>("programme_list"),
  programmeTemplates: () => call<string[]>("programme_templates"),
  programmeImport: (path: string) => call<Imported>("programme_import", { path }),
  programmeShow: (code: string) => call<ProgrammeDetail>("programme_show", { code }),
  programmePortfolio: (code: string) => call<Portfolio>("programme_portfolio", { code }),
  programmeCharts: (code: string, lang: string) => call<PortfolioCharts>("programme_charts", { code, lang }),
  programmeCommitment: (programme: string, commitment: Commitment) =>
    call<Commitment>("programme_commitment", { programme, commitment }),
  programmeExport: (code: string, table: ProgrammeTable, lang: string, path: string) =>
    call<number>("programme_export", { code, table, lang, path }),
  awardList: (programme: string | null) => call<AwardRow[]>("award_list", { programme }),
  awardShow: (id: number, lang: string) => call<AwardDetail>("award_show", { id, lang }),
  awardChart: (id: number, lang: string) => call<string>("award_chart", { id, lang }),
  awardCreate: (callCode: string, bid: string) => call<AwardDetail>("award_create", { call: callCode, bid }),
  awardWithdraw: (id: number, reason: string) => call<Award>("award_withdraw", { id, reason }),
  awardAgreement: (id: number, kind: AgreementKind, signedOn: string, reference: string) =>
    call<Agreement>("award_agreement", { id, kind, signedOn, reference }),
  awardAmend: (id: number, request: AmendRequest) => call<Amendment>("award_amend", { id, request }),
  milestoneUpdate: (award: number, milestone: string, change: MilestoneChange) =>
    call<MilestoneView>("milestone_update", { award, milestone, change }),
  milestoneVerify: (award: number, milestone: string) => call<MilestoneView>("milestone_verify", { award, milestone }),
  trancheAction: (award: number, tranche: string, action: TrancheAction, note: string) =>
    call<TrancheView>("tranche_action", { award, tranche, action, note }),
  deviationAdd: (award: number, request: DeviationRequest) => call<Deviation>("deviation_add", { award, request }),
  deviationLift: (award: number, deviation: number, by: string, reason: string) =>
    call<Deviation>("deviation_lift", { award, deviation, by, reason }),
  programmeWarnings: (code: string, lang: string) => call<Warning[]>("programme_warnings", { code, lang }),
  programmeRisk: (code: string, paths: number, seed: number, lang: string) =>
    call<RiskView>("programme_risk", { code, paths, seed, lang }),
  // Monitoring of funded awards.
  monitoringView: (id: number, lang: string) => call<MonitoringView>("monitoring_view", { id, lang }),
  monitoringTemplate: (id: number, year: number, path: string) => call<number>("monitoring_template", { id, year, path }),
  monitoringCheck: (id: number, path: string) => call<MonitoringRead>("monitoring_check", { id, path }),
  monitoringImport: (id: number, path: string) => call<ImportedReport>("monitoring_import", { id, path }),
  monitoringRun: (id: number, path: string, kind: RunKind, on: string) =>
    call<ImportedRun>("monitoring_run", { id, path, kind, on }),
  monitoringPortfolio: (code: string, lang: string) => call<PortfolioMonitoring>("monitoring_portfolio", { code, lang }),
  programmeLiabilities: (code: string) => call<Liabilities>("programme_liabilities", { code }),
  /** The PDF bytes of a report, for the preview. */
  reportPdf: (request: ReportRequest, lang: string) => call<ArrayBuffer>("report_pdf", { request, lang }),
  reportSave: (request: ReportRequest, lang: string, path: string) =>
    call<number>("report_save", { request, lang, path }),
  reportBatchStart: (code: string, lang: string, dir: string) =>
    call<null>("report_batch_start", { call: code, lang, dir }),
  reportBatchStatus: () => call<BatchStatus>("report_batch_status"),
  reportBatchCancel: () => call<null>("report_batch_cancel"),
};

const databaseFilters = [{ name: "Gigafund database", extensions: ["sqlite3", "sqlite", "db"] }];

declare global {
  interface Window {
    __GIGAFUND_PICKS__?: (string | string[] | null)[];
  }
}

/**
 * End-to-end tests drive the real app through WebDriver, which cannot reach the native
 * file dialogs: when a test has set a queue on the window, the next dialog answers from it
 * instead. Only the page's own script can set it (the app loads no remote content).
 */
function queued(): { answer: string | string[] | null } | null {
  const q = globalThis.window?.__GIGAFUND_PICKS__;
  return Array.isArray(q) ? { answer: q.length ? (q.shift() ?? null) : null } : null;
}
const one = (a: string | string[] | null) => (Array.isArray(a) ? (a[0] ?? null) : a);

/** Native dialog: an existing database to open, or null when the user cancels. */
export async function pickDatabase(title: string): Promise<string | null> {
  const q = queued();
  if (q) return one(q.answer);
  const chosen = await openDialog({ title, multiple: false, directory: false, filters: databaseFilters });
  return typeof chosen === "string" ? chosen : null;
}

/** Native dialog: where to create a new database, or null when the user cancels. */
export async function pickNewDatabase(title: string): Promise<string | null> {
  const q = queued();
  if (q) return one(q.answer);
  return await saveDialog({ title, defaultPath: "gigafund.sqlite3", filters: databaseFilters });
}

/** Native dialog: where to save a PDF report, or null when the user cancels. */
export async function pickPdf(title: string, defaultPath: string): Promise<string | null> {
  const q = queued();
  if (q) return one(q.answer);
  return await saveDialog({ title, defaultPath, filters: [{ name: "PDF", extensions: ["pdf"] }] });
}

/** Native dialog: an applicant workbook to read, or null when the user cancels. */
export async function pickWorkbook(title: string): Promise<string | null> {
  const q = queued();
  if (q) return one(q.answer);
  const chosen = await openDialog({
    title,
    multiple: false,
    directory: false,
    filters: [{ name: "Workbook", extensions: ["xlsx", "xlsm", "xls", "ods"] }],
  });
  return typeof chosen === "string" ? chosen : null;
}

/** Native dialog: where to save the annotated copy of a workbook. */
export async function pickXlsx(title: string, defaultPath: string): Promise<string | null> {
  const q = queued();
  if (q) return one(q.answer);
  return await saveDialog({ title, defaultPath, filters: [{ name: "Excel", extensions: ["xlsx"] }] });
}

/** Files dropped on the window (paths), for the import screen; returns the unsubscribe. */
export async function onFileDrop(handler: (paths: string[]) => void): Promise<() => void> {
  try {
    const { getCurrentWebview } = await import("@tauri-apps/api/webview");
    return await getCurrentWebview().onDragDropEvent((event) => {
      if (event.payload.type === "drop") handler(event.payload.paths);
    });
  } catch {
    // No native window (the browser tests): dropping files is not available.
    return () => {};
  }
}

/** Native dialog: one or more files to read (null when the user cancels). */
export async function pickFiles(
  title: string,
  filters: { name: string; extensions: string[] }[],
  multiple = true,
): Promise<string[] | null> {
  const q = queued();
  if (q) return q.answer === null ? null : Array.isArray(q.answer) ? q.answer : [q.answer];
  const chosen = await openDialog({ title, multiple, directory: false, filters });
  if (chosen === null) return null;
  return Array.isArray(chosen) ? chosen : [chosen];
}

/** Native dialog: where to save a file of the given kind, or null when the user cancels. */
export async function pickSave(
  title: string,
  defaultPath: string,
  filters: { name: string; extensions: string[] }[],
): Promise<string | null> {
  const q = queued();
  if (q) return one(q.answer);
  return await saveDialog({ title, defaultPath, filters });
}

/** Native dialog: a folder to write documents into, or null when the user cancels. */
export async function pickFolder(title: string): Promise<string | null> {
  const q = queued();
  if (q) return one(q.answer);
  const chosen = await openDialog({ title, multiple: false, directory: true });
  return typeof chosen === "string" ? chosen : null;
}
