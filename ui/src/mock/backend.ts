// Browser tests only (mock.html): answers the app's IPC calls from fixtures that the test
// produced with the real `gigafund --json` CLI and put on `window.__GIGAFUND_FIXTURES__`.
// The one other module importing @tauri-apps, and it is never built into the app.
import { mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import type {
  BidDetail,
  BidRow,
  CallCompute,
  DatabaseInfo,
  ErrorPayload,
  Estimate,
  ProgrammeSummary,
  RelativeTable,
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
  /** Set after load_demo (first-run tests). */
  demo?: { info: DatabaseInfo };
}

declare global {
  interface Window {
    __GIGAFUND_FIXTURES__?: Fixtures;
    __GIGAFUND_CALLS__: { cmd: string; args: unknown }[];
  }
}

const fx = window.__GIGAFUND_FIXTURES__;
if (!fx) throw new Error("mock.html needs window.__GIGAFUND_FIXTURES__");
let info = fx.info;
window.__GIGAFUND_CALLS__ = [];

mockWindows("main");
mockIPC((cmd, args) => {
  window.__GIGAFUND_CALLS__.push({ cmd, args });
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
    default:
      throw { code: "Internal", message: `mock backend: no answer for ${cmd}`, problems: [] } satisfies ErrorPayload;
  }
});
