// Browser tests: the app's IPC answered live by the real `gigafund --json` CLI on a real
// database. The page's mock backend posts each command to /__gigafund on the Vite server;
// this plugin runs the CLI command that calls the same library function as the Tauri
// command, and answers with its JSON, or with the CLI's error payload.
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync, statSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

const scratch = mkdtempSync(join(tmpdir(), "gigafund-bridge-"));
// The CLI runs with a private HOME and XDG directories, never the user's.
const home = join(scratch, "home");
const cliEnv = {
  ...process.env,
  HOME: home,
  XDG_CONFIG_HOME: join(home, "config"),
  XDG_DATA_HOME: join(home, "data"),
  XDG_CACHE_HOME: join(home, "cache"),
};
delete cliEnv.GIGAFUND_DB;
let n = 0;
function tempFile(name, text) {
  const p = join(scratch, `${n++}-${name}`);
  writeFileSync(p, text);
  return p;
}

/** The app keeps one key per computer: the expert's new database finds the same key. */
function copyKey(from, to) {
  if (existsSync(keyOf(from)) && !existsSync(keyOf(to))) copyFileSync(keyOf(from), keyOf(to));
}

function run(bin, db, args) {
  return new Promise((resolve) => {
    execFile(bin, ["--db", db, "--json", ...args], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env: cliEnv }, (error, stdout) => {
      let doc = null;
      try {
        doc = JSON.parse(stdout);
      } catch {
        doc = null;
      }
      if (doc && typeof doc === "object" && !Array.isArray(doc) && doc.error) resolve({ err: doc.error });
      else if (doc !== null) resolve({ ok: doc });
      else resolve({ err: { code: "Internal", message: `gigafund ${args.join(" ")}: ${error?.message ?? "no JSON"}`, problems: [] } });
    });
  });
}

const kebab = (s) => String(s).replaceAll("_", "-");

/** The expert's key of a bridged page: beside its database (the app keeps it in the data dir). */
const keyOf = (db) => `${db}.key.json`;
/** The office's key of a bridged page, likewise. */
const officeKeyOf = (db) => `${db}.office-key.json`;

/** The CLI arguments of one IPC command, or a function composing several CLI calls. */
function translate(cmd, a, cli, db, cliOn) {
  const opt = (flag, v) => (v === null || v === undefined || v === "" ? [] : [flag, String(v)]);
  switch (cmd) {
    case "database_info":
      return ["init"];
    case "programme_summary":
      return ["summary"];
    case "list_bids":
      return ["bid", "list", ...opt("--call", a.call)];
    case "bid_detail":
      return ["bid", "show", String(a.id)];
    case "eval_identity":
      return async () => {
        const r = await cli(["eval", "roster", "list"]);
        return r.err ? r : { ok: { locked_to: null, evaluators: r.ok } };
      };
    case "eval_call":
      return ["call", "show", a.call];
    case "eval_rank":
      return ["rank", "--call", a.call, "--calibration"];
    case "eval_assignments":
      return ["eval", "assignments", "--call", a.call, ...opt("--as", a.evaluator)];
    case "eval_scores":
      return async () => {
        const bid = await cli(["bid", "show", String(a.bid)]);
        if (bid.err) return bid;
        return cli(["eval", "scores", "--call", bid.ok.bid.call_code, "--bid", String(a.bid), ...opt("--as", a.evaluator)]);
      };
    case "eval_score_set": {
      const i = a.input;
      return ["eval", "score", "--call", a.call, "--bid", String(i.bid_id), "--criterion", i.criterion, "--score", String(i.score), "--comment", i.comment, "--as", String(i.evaluator_id)];
    }
    case "eval_submit":
      return ["eval", "submit", "--call", a.call, "--bid", String(a.bid), "--as", String(a.evaluator)];
    case "eval_consensus":
      return ["eval", "consensus", "show", "--call", a.call, "--bid", String(a.bid), ...opt("--as", a.evaluator)];
    case "call_templates":
      return ["call", "templates"];
    case "call_create": {
      const c = a.call;
      return ["call", "new", "--template", c.template, "--code", c.code, "--title", c.title, "--opens", c.opens, "--deadline", c.deadline, "--budget", String(c.budget / 100)];
    }
    case "call_check_edit":
      return ["call", "update", a.code, tempFile("call.json", JSON.stringify(a.call)), "--dry-run"];
    case "call_update":
      return ["call", "update", a.code, tempFile("call.json", JSON.stringify(a.call)), ...opt("--reason", a.reason)];
    case "call_versions":
      return ["call", "versions", a.code];
    case "call_version_changes":
      return ["call", "diff", a.code, "--version", String(a.version)];
    case "call_workbook_save":
      return async () => {
        const r = await cli(["template", "--call", a.code, "--out", a.path]);
        return r.err ? r : { ok: statSync(a.path).size };
      };
    case "intake_files":
      return ["bid", "intake", a.dir, "--list"];
    case "intake_file":
      return async () => {
        const r = await cli(["bid", "intake", a.path, ...opt("--call", a.call), ...(a.submit ? [] : ["--draft"])]);
        return r.err ? r : { ok: r.ok[0] };
      };
    case "roster_list":
      return ["eval", "roster", "list"];
    case "roster_import":
      return ["eval", "roster", "import", a.path];
    case "conflicts_list":
      return ["eval", "conflicts", "--call", a.call];
    case "call_organisations":
      return ["eval", "organisations", "--call", a.call];
    case "conflict_declare":
      return [
        "eval", "declare", "--evaluator", String(a.evaluatorId),
        ...(a.bidId !== null ? ["--call", a.call, "--bid", String(a.bidId)] : ["--organisation", a.organisation]),
        "--kind", kebab(a.kind), "--note", a.note ?? "",
      ];
    case "assign_auto":
      return ["eval", "assign", "--call", a.call];
    case "assign_matrix":
      return ["eval", "matrix", "--call", a.call];
    case "assign_add":
      return ["eval", "assign", "--call", a.call, "--bid", String(a.bidId), "--evaluator", String(a.evaluatorId), ...(a.rapporteur ? ["--rapporteur"] : [])];
    case "assign_remove":
      return ["eval", "unassign", "--call", a.call, "--bid", String(a.bidId), "--evaluator", String(a.evaluatorId)];
    case "assign_rapporteur":
      return ["eval", "rapporteur", "--call", a.call, "--bid", String(a.bidId), "--evaluator", String(a.evaluatorId)];
    case "key_register":
      return ["eval", "key", "register", "--evaluator", String(a.evaluatorId), ...(a.text !== null ? ["--public", a.text] : ["--file", a.path])];
    case "packages_list":
      return ["eval", "package", "list", "--call", a.call];
    case "package_export":
      return [
        "eval", "package", "export", "--call", a.call, "--evaluator", String(a.evaluatorId), "--out", a.dir, "--passphrase-file", tempFile("pass", a.passphrase),
        ...(a.officePassphrase ? ["--office-key", officeKeyOf(db), "--office-key-passphrase-file", tempFile("okp", a.officePassphrase)] : []),
      ];
    case "office_key":
      return async () => (existsSync(officeKeyOf(db)) ? cli(["office", "key", "show", "--key", officeKeyOf(db)]) : { ok: null });
    case "office_key_create":
      return async () => {
        const r = await cli(["office", "key", "new", "--out", officeKeyOf(db), "--key-passphrase-file", tempFile("okp", a.passphrase), "--confirm-file", tempFile("okc", a.confirm)]);
        return r.err ? r : cli(["office", "key", "show", "--key", officeKeyOf(db)]);
      };
    case "office_public_key_save":
      return async () => {
        const r = await cli(["office", "key", "public", "--key", officeKeyOf(db), "--out", a.path]);
        return r.err ? r : { ok: null };
      };
    case "audit_checkpoint":
      return ["office", "checkpoint", "--key", officeKeyOf(db), "--key-passphrase-file", tempFile("okp", a.passphrase), ...opt("--out", a.saveTo)];
    case "verify_database_full":
      return [
        "verify", ...(existsSync(officeKeyOf(db)) ? ["--office-key", officeKeyOf(db)] : []),
        ...a.checkpointFiles.flatMap((f) => ["--checkpoint", f]),
      ];
    case "package_peek":
      return ["eval", "package", "peek", a.path];
    case "return_import":
      return ["eval", "package", "import", a.path, "--passphrase-file", tempFile("pass", a.passphrase)];
    case "score_conflicts":
      return ["eval", "package", "conflicts", "--call", a.call];
    case "score_conflict_resolve":
      return ["eval", "package", "resolve", "--call", a.call, "--conflict", String(a.conflict), "--keep", a.keepReturn ? "return" : "office"];
    case "consensus_draft": {
      const d = a.draft;
      return [
        "eval", "consensus", "set", "--call", a.call, "--bid", String(a.bid), "--criterion", d.criterion,
        "--score", String(d.score), "--comment", d.comment, ...opt("--note", d.reconciliation_note),
        ...opt("--minority", d.minority_view), ...opt("--as", a.evaluator),
      ];
    }
    case "consensus_approve":
      return ["eval", "consensus", "approve", "--call", a.call, "--bid", String(a.bid), "--as", String(a.evaluator)];
    case "panel_decide":
      return ["eval", "panel", "--call", a.call, "--bid", String(a.bidId), "--position", String(a.position), "--reason", a.reason];
    case "audit_query": {
      const f = a.filter;
      return [
        "audit", ...opt("--call", f.call), ...opt("--bid", f.bid_id), ...opt("--evaluator", f.evaluator_id),
        ...opt("--action", f.action), ...opt("--from", f.from), ...opt("--to", f.to),
        "--limit", String(a.limit), "--offset", String(a.offset),
      ];
    }
    case "audit_actions":
      return ["audit", "--kinds"];
    case "score_history":
      return async () => {
        const bid = await cli(["bid", "show", String(a.bid)]);
        if (bid.err) return bid;
        return cli(["eval", "history", "--call", bid.ok.bid.call_code, "--bid", String(a.bid), "--evaluator", String(a.evaluatorId), "--criterion", a.criterion]);
      };
    case "report_verify":
      return ["report", "verify", a.path];
    case "verify_database":
      return ["verify"];
    case "open_database":
      return async () => {
        copyKey(db, a.path);
        return cliOn(a.path, ["init"]);
      };
    case "compute_bid":
      return ["compute", "estimate", "--bid", String(a.id), "--round", a.round];
    case "compute_call":
      return ["compute", "call", a.call, "--round", a.round, "--lang", a.lang];
    case "compute_relative":
      return ["compute", "relative", "--round", a.round];
    case "model_reference_inputs":
      return ["model", "inputs", "--reference"];
    case "model_bid_inputs":
      return ["model", "inputs", "--bid", String(a.bidId)];
    case "model_view":
      return ["model", "run", tempFile("inputs.json", JSON.stringify(a.inputs)), "--view", "--lang", a.lang];
    case "scenario_list":
      return async () => {
        const r = await cli(["model", "scenarios", ...opt("--bid", a.bidId)]);
        return r.err || a.bidId !== null ? r : { ok: r.ok.filter((x) => x.bid_id === null) };
      };
    case "scenario_compare":
      return ["model", "compare", ...a.ids.map(String)];
    case "startup_file":
      return async () => ({ ok: null });
    case "expert_key":
      return async () => (existsSync(keyOf(db)) ? cli(["eval", "key", "show", "--key", keyOf(db)]) : { ok: null });
    case "expert_key_create":
      return async () => {
        const r = await cli(["eval", "key", "new", "--out", keyOf(db), "--key-passphrase-file", tempFile("kp", a.passphrase), "--confirm-file", tempFile("kc", a.confirm)]);
        return r.err ? r : cli(["eval", "key", "show", "--key", keyOf(db)]);
      };
    case "expert_public_key_save":
      return async () => {
        const r = await cli(["eval", "key", "public", "--key", keyOf(db), "--out", a.path, ...opt("--email", a.email)]);
        return r.err ? r : { ok: a.path };
      };
    case "package_open":
      return async () => {
        const r = await cli(["eval", "package", "open", a.path, "--passphrase-file", tempFile("pp", a.passphrase), "--dir", join(dirname(db), "evaluations")]);
        if (r.ok) copyKey(db, r.ok.database);
        return r;
      };
    case "return_summary":
      return ["eval", "package", "summary"];
    case "return_file_name":
      return async () => {
        const r = await cli(["eval", "package", "summary"]);
        return r.err ? r : { ok: r.ok.default_file_name };
      };
    case "return_write":
      return ["eval", "package", "return", "--key", keyOf(db), "--out", a.path, "--passphrase-file", tempFile("pp", a.passphrase), "--key-passphrase-file", tempFile("kp", a.keyPassphrase)];
    case "bench_import":
      return ["bench", "import", ...a.paths];
    case "scenario_export_xlsx":
      return async () => {
        const r = await cli(["model", "export", "--scenario", String(a.id), "--out", a.path, "--lang", a.lang]);
        return r.err ? r : { ok: r.ok.bytes };
      };
    case "submission_inspect":
      return ["bid", "inspect-package", a.path];
    case "submission_import":
      return ["bid", "import-package", a.path];
    // The programme after selection.
    case "programme_list":
      return ["programme", "list"];
    case "programme_templates":
      return async () => {
        const r = await cli(["programme", "templates"]);
        return r.err ? r : { ok: r.ok.map((t) => t.file) };
      };
    case "programme_import":
      // A shipped template is named by its file name, as the app's command takes it.
      return ["programme", "import", a.path.includes("/") ? a.path : join(repo, "templates", "programmes", a.path)];
    case "programme_show":
      return ["programme", "show", a.code];
    case "programme_portfolio":
      return ["programme", "portfolio", a.code];
    case "programme_charts":
      return ["programme", "charts", a.code, "--lang", a.lang];
    case "programme_commitment": {
      const c = a.commitment;
      return ["programme", "commitment", "--programme", a.programme, "--country", c.country, "--amount", String(c.amount / 100), "--dated", c.dated, ...opt("--call", c.call_code), "--conditions", c.conditions];
    }
    case "programme_export":
      return async () => {
        const r = await cli(["programme", "export", a.code, "--table", a.table, "--out", a.path, "--lang", a.lang, "--replace"]);
        return r.err ? r : { ok: r.ok.rows };
      };
    case "award_list":
      return ["award", "list", ...opt("--programme", a.programme)];
    case "award_show":
      return ["award", "show", String(a.id), "--lang", a.lang];
    case "award_chart":
      return ["award", "chart", String(a.id), "--lang", a.lang];
    case "award_create":
      return ["award", "create", "--call", a.call, "--bid", a.bid];
    case "award_withdraw":
      return ["award", "withdraw", String(a.id), "--reason", a.reason];
    case "award_agreement":
      return ["award", "agreement", String(a.id), "--kind", kebab(a.kind), "--signed", a.signedOn, "--reference", a.reference];
    case "award_amend": {
      const r = a.request;
      const c = r.change;
      const eur = (flag, v) => (v === null || v === undefined ? [] : [flag, String(v / 100)]);
      const args = ["award", "amend", String(a.id), "--kind", kebab(c.kind), "--dated", r.dated, "--asked-by", r.asked_by, "--approved-by", r.approved_by, "--reason", r.reason];
      if (c.kind === "budget_revision")
        for (const k of ["eu", "member_state", "regional", "private", "loan", "acquisition", "operation"]) args.push(...eur(`--${kebab(k)}`, c[k]));
      if (c.kind === "extension") args.push("--days", String(c.days));
      if (c.kind === "coordinator_change") args.push("--host", c.host);
      if (c.kind === "site_change") args.push("--country", c.country);
      if (c.kind === "tranche_shares") for (const [code, bp] of c.shares) args.push("--share", `${code}=${bp / 100}`);
      return args;
    }
    case "milestone_update":
      return a.change.kind === "forecast"
        ? ["milestone", "update", "--award", String(a.award), "--milestone", a.milestone, "--forecast", a.change.date]
        : ["milestone", "update", "--award", String(a.award), "--milestone", a.milestone, "--actual", a.change.date, "--evidence", a.change.evidence];
    case "milestone_verify":
      return ["milestone", "verify", "--award", String(a.award), "--milestone", a.milestone];
    case "tranche_action":
      return ["tranche", "do", a.action, "--award", String(a.award), "--tranche", a.tranche, "--note", a.note];
    case "deviation_add": {
      const r = a.request;
      return ["deviation", "add", "--award", String(a.award), "--kind", kebab(r.kind), "--subject", r.subject, "--found", r.found,
        "--action", kebab(r.action), ...(r.amount === null ? [] : ["--amount", String(r.amount / 100)]),
        "--reason", r.reason, "--decided-by", r.decided_by, "--dated", r.dated];
    }
    case "deviation_lift":
      return ["deviation", "lift", "--award", String(a.award), "--deviation", String(a.deviation), "--by", a.by, "--reason", a.reason];
    case "programme_warnings":
      return ["programme", "warnings", a.code, "--lang", a.lang];
    case "programme_risk":
      return ["programme", "risk", a.code, "--paths", String(a.paths), "--seed", String(a.seed), "--view", a.lang];
    // Monitoring of funded awards.
    case "monitoring_view":
      return ["monitoring", "show", "--award", String(a.id), "--lang", a.lang];
    case "monitoring_template":
      return async () => {
        const w = await cli(["monitoring", "template", "--award", String(a.id), "--year", String(a.year), "--out", a.path, "--replace"]);
        return w.err ? w : { ok: w.ok.bytes };
      };
    case "monitoring_check":
      // Exits 1 when refused, with the read (findings) still printed as JSON.
      return ["monitoring", "check", a.path, "--award", String(a.id)];
    case "monitoring_import":
      return ["monitoring", "import", a.path, "--award", String(a.id)];
    case "monitoring_run":
      return ["monitoring", "run", a.path, "--award", String(a.id), "--kind", a.kind, "--on", a.on];
    case "monitoring_portfolio":
      return ["monitoring", "portfolio", a.code, "--lang", a.lang];
    case "programme_liabilities":
      return ["monitoring", "liabilities", a.code];
    case "report_pdf":
      // The PDF's bytes, base64 (the page's bridge turns them back into bytes).
      return async () => {
        const out = tempFile("report.pdf", "");
        const r = a.request;
        const which =
          r.kind === "portfolio" ? ["portfolio", "--programme", r.programme]
          : r.kind === "award" ? ["award", "--award", String(r.award_id)]
          : r.kind === "ranking" ? ["ranking", "--call", r.call]
          : r.kind === "derisking" ? ["derisking", "--scenario", String(r.scenario_id)]
          : [r.kind, "--bid", String(r.bid_id)];
        const w = await cli(["report", ...which, "--out", out, "--lang", a.lang]);
        return w.err ? w : { ok: { pdf_base64: readFileSync(out).toString("base64") } };
      };
    default:
      return null;
  }
}

/** The Vite plugin: POST /__gigafund {db, cmd, args} → {ok} | {err}. */
export function cliBridge(bin) {
  return {
    name: "gigafund-cli-bridge",
    configureServer(server) {
      server.middlewares.use("/__gigafund", (req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", async () => {
          const { db, cmd, args } = JSON.parse(body);
          const cli = (argv) => run(bin, db, argv);
          const t = translate(cmd, args ?? {}, cli, db, (other, argv) => run(bin, other, argv));
          const answer = t === null
            ? { err: { code: "Internal", message: `the CLI bridge has no command for ${cmd}`, problems: [] } }
            : typeof t === "function" ? await t() : await cli(t);
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify(answer));
        });
      });
    },
  };
}

export function cleanBridge() {
  rmSync(scratch, { recursive: true, force: true });
}
