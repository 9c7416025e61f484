// Browser tests only (mock.html): answers the app's IPC calls from fixtures that the test
// produced with the real `gigafund --json` CLI and put on `window.__GIGAFUND_FIXTURES__`.
// The one other module importing @tauri-apps, and it is never built into the app.
import { mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import type {
  AssignmentRow,
  BidScores,
  Call,
  CallRanking,
  ConsensusView,
  Evaluator,
  ScoreInput,
  BidDetail,
  BidInputs,
  Comparison,
  GoalSeekResult,
  Inputs,
  ModelView,
  MonteCarloView,
  Scenario,
  TornadoView,
  BidRow,
  CallCompute,
  DatabaseInfo,
  ErrorPayload,
  Estimate,
  ProgrammeSummary,
  RelativeTable,
  Change,
  CheckReport,
  ImportOutcome,
  VersionRow,
} from "../lib/bindings";

interface Fixtures {
  info: DatabaseInfo;
  summary: ProgrammeSummary;
  bids: BidRow[];
  details: Record<string, BidDetail>;
  /** By call code, then language. */
  compute: Record<string, Record<string, CallCompute>>;
  estimates: Record<string, Estimate>;
  relative: RelativeTable;
  /** Commands that fail, with the payload the backend would send. */
  failures?: Record<string, ErrorPayload>;
  /** The finance model, from `gigafund model … --json --view`. */
  model?: {
    view: Record<string, ModelView>;
    bidView: ModelView;
    bidInputs: Record<string, BidInputs>;
    invalid: ErrorPayload;
    mc: MonteCarloView;
    tornado: TornadoView;
    seek: GoalSeekResult;
    scenarios: Scenario[];
    comparison: Comparison;
  };
  /** The evaluation, from `gigafund rank|eval … --json`. */
  evaluation?: {
    identity: { locked_to: number | null; evaluators: Evaluator[] };
    calls: Record<string, Call>;
    rank: Record<string, CallRanking>;
    assignments: Record<string, AssignmentRow[]>;
    drafting: AssignmentRow;
    scores: BidScores;
    consensus: ConsensusView;
  };
  /** Real PDFs from `gigafund report …`, base64, by kind then language. */
  reports?: Record<string, Record<string, string>>;
  /** The import screen, from `gigafund bid check|import|versions|diff --json`. */
  importing?: {
    revisedPath: string;
    brokenPath: string;
    checks: Record<string, CheckReport>;
    outcome: ImportOutcome;
    versions: VersionRow[];
    diff: Change[];
  };
  /** Set after load_demo (first-run tests). */
  demo?: { info: DatabaseInfo };
}

declare global {
  interface Window {
    /** Set to a database path: commands are answered live by the real CLI on it. */
    __GIGAFUND_BRIDGE__?: string;
    /** When each bridged command was asked and answered (benchmarks). */
    __GIGAFUND_TIMINGS__?: { cmd: string; start: number; end: number }[];
    /** What the next native dialogs return, in order (bridge mode). */
    __GIGAFUND_PICKS__?: (string | string[] | null)[];
    __GIGAFUND_FIXTURES__?: Fixtures;
    __GIGAFUND_CALLS__: { cmd: string; args: unknown }[];
    /** The file the next "open" dialog for a workbook returns (tests set it). */
    __GIGAFUND_PICK__?: string;
  }
}

const fx = window.__GIGAFUND_FIXTURES__ ?? ({} as Fixtures);
if (!window.__GIGAFUND_FIXTURES__ && !window.__GIGAFUND_BRIDGE__)
  throw new Error("mock.html needs window.__GIGAFUND_FIXTURES__ or window.__GIGAFUND_BRIDGE__");
let info = fx.info;
// Report batches: two polls running, then done.
let batchPolls = 0;
let batchTotal = 0;

// Monte Carlo: the first status poll reports half the paths, the next one the result.
let mcPolls = -1;
let mcCancelled = false;
let mcTotal = 0;
const scenarios: Scenario[] = [...(fx.model?.scenarios ?? [])];
window.__GIGAFUND_CALLS__ = [];

/** Bridge mode: the dialogs answer from the test's queue, everything else from the CLI. */
async function bridged(cmd: string, args: unknown): Promise<unknown> {
  if (cmd === "plugin:dialog|open" || cmd === "plugin:dialog|save" || cmd === "plugin:dialog|message") {
    return (window.__GIGAFUND_PICKS__ ?? []).shift() ?? null;
  }
  const start = performance.now();
  const res = await fetch("/__gigafund", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ db: window.__GIGAFUND_BRIDGE__, cmd, args }),
  });
  const answer = (await res.json()) as { ok?: unknown; err?: ErrorPayload };
  (window.__GIGAFUND_TIMINGS__ ??= []).push({ cmd, start, end: performance.now() });
  if (answer.err) throw answer.err;
  // The app switches databases: so does the bridge.
  if (cmd === "package_open") window.__GIGAFUND_BRIDGE__ = (answer.ok as { database: string }).database;
  if (cmd === "open_database") window.__GIGAFUND_BRIDGE__ = String((args as { path: string }).path);
  if (cmd === "report_pdf") {
    const b64 = (answer.ok as { pdf_base64: string }).pdf_base64;
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer;
  }
  return answer.ok;
}

mockWindows("main");
mockIPC((cmd, args) => {
  window.__GIGAFUND_CALLS__.push({ cmd, args });
  if (window.__GIGAFUND_BRIDGE__) return bridged(cmd, args);
  const failure = fx.failures?.[cmd];
  if (failure) throw failure;
  const a = (args ?? {}) as Record<string, unknown>;
  switch (cmd) {
    case "database_info":
      return info;
    case "load_demo":
      if (fx.demo) info = fx.demo.info;
      return fx.summary;
    case "programme_summary":
      return fx.summary;
    case "list_bids":
      return a.call ? fx.bids.filter((b) => b.call_code === a.call) : fx.bids;
    case "bid_detail": {
      const d = fx.details[String(a.id)];
      if (!d) throw { code: "NotFound", message: `bid '${String(a.id)}' not found`, problems: [] } satisfies ErrorPayload;
      return d;
    }
    case "compute_call": {
      const c = fx.compute[String(a.call)]?.[String(a.lang)];
      if (!c) throw { code: "NotFound", message: `call '${String(a.call)}' not found`, problems: [] } satisfies ErrorPayload;
      return c;
    }
    case "compute_relative":
      return fx.relative;
    case "compute_bid": {
      const e = fx.estimates[String(a.id)];
      if (!e) throw { code: "NotFound", message: `no estimate for bid ${String(a.id)}`, problems: [] } satisfies ErrorPayload;
      return e;
    }
    case "model_reference_inputs":
      return fx.model?.view.en?.inputs;
    case "model_bid_inputs": {
      const b = fx.model?.bidInputs[String(a.bidId)];
      if (!b) throw { code: "NotFound", message: `bid '${String(a.bidId)}' not found`, problems: [] } satisfies ErrorPayload;
      return b;
    }
    case "model_view": {
      const inputs = a.inputs as Inputs;
      if (inputs.util > 1) throw fx.model?.invalid;
      if (inputs.own_lines) return fx.model?.bidView;
      return fx.model?.view[String(a.lang)];
    }
    case "model_mc_start":
      mcPolls = 0;
      mcCancelled = false;
      mcTotal = Number(a.paths);
      return null;
    case "model_mc_status": {
      mcPolls += 1;
      if (mcCancelled)
        return { running: false, done: mcTotal / 2, total: mcTotal, result: null, error: { code: "Cancelled", message: "cancelled", problems: [] } };
      if (mcPolls < 3) return { running: true, done: (mcTotal * mcPolls) / 3, total: mcTotal, result: null, error: null };
      return { running: false, done: mcTotal, total: mcTotal, result: fx.model?.mc, error: null };
    }
    case "model_mc_cancel":
      mcCancelled = true;
      return null;
    case "model_tornado":
      return fx.model?.tornado;
    case "model_goal_seek":
      return fx.model?.seek;
    case "scenario_list":
      return scenarios.filter((s) => s.bid_id === (a.bidId ?? null));
    case "scenario_save": {
      const base = fx.model?.scenarios[0];
      if (!base) throw { code: "Internal", message: "no scenario fixture", problems: [] } satisfies ErrorPayload;
      const same = scenarios.filter((s) => s.name === a.name && s.bid_id === (a.bidId ?? null));
      const s: Scenario = {
        ...base,
        id: 100 + scenarios.length,
        bid_id: (a.bidId as number | null) ?? null,
        name: String(a.name),
        note: String(a.note),
        version: same.length + 1,
        monte_carlo: (a.monteCarlo as Scenario["monte_carlo"]) ?? null,
      };
      scenarios.push(s);
      return s;
    }
    case "scenario_compare":
      return fx.model?.comparison;
    case "plugin:dialog|save":
      return "/home/analyst/derisking-reference-v1.pdf";
    case "plugin:dialog|open": {
      const options = (a.options ?? {}) as { filters?: { extensions: string[] }[] };
      if (options.filters?.some((f) => f.extensions.includes("xlsx"))) return window.__GIGAFUND_PICK__ ?? null;
      return "/home/evaluator/esr";
    }
    case "workbook_check": {
      const r = fx.importing?.checks[String(a.path)];
      if (!r) throw { code: "NotFound", message: `no check fixture for ${String(a.path)}`, problems: [] } satisfies ErrorPayload;
      return r;
    }
    case "workbook_import":
      return fx.importing?.outcome;
    case "bid_versions":
      return fx.importing?.versions;
    case "bid_version_diff":
      return fx.importing?.diff;
    case "report_pdf":
    case "report_save": {
      const req = a.request as { kind: string };
      const byLang = fx.reports?.[req.kind];
      const b64 = byLang?.[String(a.lang)] ?? byLang?.en;
      if (!b64) throw { code: "NotFound", message: `no ${req.kind} report`, problems: [] } satisfies ErrorPayload;
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      return cmd === "report_save" ? bytes.length : bytes.buffer;
    }
    case "report_batch_start":
      batchPolls = 0;
      batchTotal = fx.evaluation?.rank[String(a.call)]?.ranking.bids.length ?? 0;
      return null;
    case "report_batch_status": {
      batchPolls += 1;
      const acronyms = (fx.evaluation?.rank["INVESTAI-AIGF-2026"]?.ranking.bids ?? []).map((b) => b.acronym);
      if (batchPolls < 3)
        return { running: true, done: batchPolls, total: batchTotal, current: acronyms[batchPolls - 1] ?? "", result: null, error: null };
      return {
        running: false,
        done: batchTotal,
        total: batchTotal,
        current: acronyms.at(-1) ?? "",
        result: {
          call: "INVESTAI-AIGF-2026",
          dir: "/home/evaluator/esr",
          files: acronyms.map((x) => ({ acronym: x, file: `/home/evaluator/esr/ESR-${x}-en.pdf`, bytes: 75000, millis: 20 })),
          millis: 420,
        },
        error: null,
      };
    }
    case "report_batch_cancel":
      return null;
    case "eval_identity":
      return fx.evaluation?.identity;
    case "eval_call":
      return fx.evaluation?.calls[String(a.call)];
    case "eval_rank": {
      const r = fx.evaluation?.rank[String(a.call)];
      if (!r) throw { code: "NotFound", message: `call '${String(a.call)}' not found`, problems: [] } satisfies ErrorPayload;
      return r;
    }
    case "eval_assignments": {
      const rows = fx.evaluation?.assignments[String(a.call)] ?? [];
      return a.evaluator == null ? rows : rows.filter((r) => r.evaluator_id === a.evaluator);
    }
    case "eval_scores":
      return fx.evaluation?.scores;
    case "eval_score_set": {
      const i = a.input as ScoreInput;
      return { ...i, status: "draft", updated_at: "2026-11-21T10:00:00Z" };
    }
    case "eval_submit": {
      const s = fx.evaluation?.scores;
      return s ? { ...s, submitted: true, hidden: null, others: [] } : null;
    }
    case "eval_consensus":
      return fx.evaluation?.consensus;
    default:
      throw { code: "Internal", message: `mock backend: no answer for ${cmd}`, problems: [] } satisfies ErrorPayload;
  }
});
