// A whole call run by the programme office in the real desktop app (tauri-driver under
// Xvfb), from an empty database: the antenna call created from its template, its three
// bids' submission packages taken in, the roster imported, experts assigned, their keys
// registered and their packages exported; the experts score offline in their own
// databases (the CLI, as on their laptops) and return signed files; the returns are
// imported (one score edited at the office meanwhile, the conflict resolved), consensus
// drafted and approved, the panel's decision recorded for the tie, and the ESRs written.
// The same steps through the CLI alone must give the same ranking.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp, uiDir, repo, cliBin, appBin, shots } from "./driver.mjs";

const CALL = "EUROHPC-AIFA-2026-01";
const BIDS = ["DANUBE-ANT", "FJORD-ANT", "LIFFEY-ANT"];
// Scores every expert gives (and the consensus): two bids end equal on every rule.
const SCORE = { "LIFFEY-ANT": 4, "DANUBE-ANT": 4, "FJORD-ANT": 3.5 };
const COMMENT =
  "A considered view of the proposal: the link to its AI Factory, the national community it serves, the work plan, costs and risks.";
const ROSTER = `name,email,organisation,country,expertise
Dr. Ingrid Sørensen,ingrid.sorensen@dtu-hpc.example,Danish Institute of HPC,DK,hpc; energy
Prof. Łukasz Wiśniewski,l.wisniewski@agh-ai.example,AGH AI Lab,PL,ai-systems; hpc
Dr. Ioana Țurcanu,ioana.turcanu@upb-ai.example,Politehnica AI,RO,ai-systems; access-policy
Dr. Zsófia Kovács-Nagy,zsofia.kovacs@elte-inf.example,ELTE Informatics,HU,finance; public-funding
Giulia Ferraro,giulia.ferraro@polimi-energy.example,PoliMi Energy,IT,energy; access-policy
Ing. Tomáš Dvořák,tomas.dvorak@cvut-it.example,CVUT IT,CZ,hpc; smes
Marie-Hélène Dubois,mh.dubois@inria-eval.example,Inria Evaluation,FR,access-policy; public-sector
Prof. Ana Lúcia Marques,ana.marques@ist-ai.example,IST AI,PT,ai-systems; science
Dr. Jonas Ålund,jonas.alund@kth-pdc.example,KTH PDC,SE,hpc; energy
`;
const PANEL = ["DANUBE-ANT", "LIFFEY-ANT"];
const PANEL_REASON = "The panel favours the wider manufacturing reach of DANUBE-ANT.";

let tmp;
let app;

function cli(db, ...args) {
  return JSON.parse(execFileSync(cliBin, ["--db", db, "--json", ...args], { encoding: "utf8" }));
}
const passFor = (email) => `passphrase of ${email} for the antenna call`;
const keyPassFile = () => {
  const p = join(tmp, "key-pass");
  writeFileSync(p, "the expert's own key passphrase");
  return p;
};
const passFile = (email) => {
  const p = join(tmp, `pass-${email}`);
  writeFileSync(p, passFor(email));
  return p;
};

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "gigafund-call-"));
});
after(async () => {
  await app?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true, maxRetries: 60, retryDelay: 250 });
});

/** The applicants' side: the three antenna bids' submission packages, from their workbooks. */
function packages() {
  const applicant = join(tmp, "applicant.sqlite3");
  cli(applicant, "call", "new", "--template", "ai-factory-antenna.toml", "--code", CALL);
  const inbox = join(tmp, "inbox");
  for (const b of BIDS) {
    cli(applicant, "bid", "package", join(repo, "sample-data", "workbooks", `${b}.xlsx`), "--call", CALL, "--out", inbox);
  }
  writeFileSync(join(tmp, "roster.csv"), ROSTER);
  return inbox;
}

/** An expert on their own laptop: opens the package, scores, submits, writes the return. */
function expertScores(pkg, key, email, outDir) {
  const own = join(tmp, `expert-${email}-${outDir.length}-${Math.random()}.sqlite3`);
  const opened = cli(own, "eval", "package", "open", pkg, "--passphrase-file", passFile(email));
  for (const b of opened.bids) {
    for (const c of ["RELEVANCE", "IMPLEMENTATION", "IMPACT"]) {
      cli(own, "eval", "score", "--call", CALL, "--bid", b, "--criterion", c, "--score", String(SCORE[b]), "--comment", COMMENT);
    }
    cli(own, "eval", "submit", "--call", CALL, "--bid", b);
  }
  const ret = join(outDir, `${email}.gfreturn`);
  cli(own, "eval", "package", "return", "--key", key, "--out", ret, "--passphrase-file", passFile(email), "--key-passphrase-file", keyPassFile());
  return ret;
}

/** The office edits one score of LIFFEY-ANT while the packages are out (a phone call). */
function officeEdit(db) {
  const row = cli(db, "eval", "assignments", "--call", CALL).find((r) => r.acronym === "LIFFEY-ANT");
  cli(db, "eval", "score", "--call", CALL, "--bid", "LIFFEY-ANT", "--criterion", "RELEVANCE", "--score", "3", "--comment", "Phoned in by the expert.", "--as", String(row.evaluator_id));
  return row;
}

/** The same call, run with the CLI alone. */
function cliPath(inbox) {
  const db = join(tmp, "cli-office.sqlite3");
  cli(db, "call", "new", "--template", "ai-factory-antenna.toml", "--code", CALL);
  const call = cli(db, "call", "show", CALL);
  call.settings.tie_break = call.settings.tie_break.filter((t) => ["criterion", "panel_decision"].includes(t.rule));
  const file = join(tmp, "call.json");
  writeFileSync(file, JSON.stringify(call));
  cli(db, "call", "update", CALL, file);
  cli(db, "bid", "intake", inbox);
  cli(db, "eval", "roster", "import", join(tmp, "roster.csv"));
  cli(db, "eval", "assign", "--call", CALL);
  const experts = [...new Set(cli(db, "eval", "assignments", "--call", CALL).map((r) => r.evaluator_id))];
  const roster = cli(db, "eval", "roster", "list");
  const returns = join(tmp, "cli-returns");
  mkdirSync(returns);
  const files = [];
  for (const id of experts) {
    const email = roster.find((e) => e.id === id).email;
    const key = join(tmp, `cli-key-${id}.json`);
    const pub = cli(db, "eval", "key", "new", "--out", key, "--key-passphrase-file", keyPassFile()).public_key;
    cli(db, "eval", "key", "register", "--evaluator", email, "--public", pub);
    const pkg = cli(db, "eval", "package", "export", "--call", CALL, "--evaluator", email, "--out", returns, "--passphrase-file", passFile(email)).file;
    files.push([email, expertScores(pkg, key, email, returns)]);
  }
  officeEdit(db);
  for (const [email, ret] of files) cli(db, "eval", "package", "import", ret, "--passphrase-file", passFile(email));
  for (const c of cli(db, "eval", "package", "conflicts", "--call", CALL)) {
    cli(db, "eval", "package", "resolve", "--call", CALL, "--conflict", String(c.id), "--keep", "return");
  }
  for (const b of BIDS) {
    for (const c of ["RELEVANCE", "IMPLEMENTATION", "IMPACT"]) {
      cli(db, "eval", "consensus", "set", "--call", CALL, "--bid", b, "--criterion", c, "--score", String(SCORE[b]), "--comment", COMMENT);
    }
    for (const r of cli(db, "eval", "assignments", "--call", CALL).filter((r) => r.acronym === b)) {
      cli(db, "eval", "consensus", "approve", "--call", CALL, "--bid", b, "--as", String(r.evaluator_id));
    }
  }
  PANEL.forEach((b, i) => cli(db, "eval", "panel", "--call", CALL, "--bid", b, "--position", String(i + 1), "--reason", PANEL_REASON));
  return cli(db, "rank", "--call", CALL);
}

test("the programme office runs a whole call in the real app, and ranks it as the CLI does", async () => {
  const inbox = packages();
  const db = join(tmp, "office.sqlite3");
  cli(db, "init");
  app = await startApp({ appBin, db, home: join(tmp, "home"), shots });
  await app.patchDialogs();

  // 1. The call, from its template; the tie-break order set so that the panel decides
  //    between bids the criteria leave equal.
  await app.clickCss("[data-testid=first-run-call]");
  await app.clickCss("[data-testid=call-new]");
  await app.select("[data-testid=nc-template]", "ai-factory-antenna.toml");
  await app.clickCss("[data-testid=nc-create]");
  await app.find("[data-testid=call-form]");
  for (const rule of ["uncovered_scope", "new_member_states", "lower_requested_budget"]) {
    const li = await app.find(`[data-testid=cf-ties] li[data-rule=${rule}]`);
    await app.click(await app.within(li, "button[aria-label=Remove]"));
  }
  await app.clickCss("[data-testid=call-save]");
  await app.find("[data-testid=call-review]");
  await app.clickCss("[data-testid=call-confirm]");
  await app.waitText("[data-testid=call-saved]", /version 2/);

  // 2. The three submission packages, from a folder.
  await app.clickCss("[data-testid=call-tab-submissions]");
  await app.pick(inbox);
  await app.clickCss("[data-testid=intake-folder]");
  await app.waitText("[data-testid=intake-progress]", /3 files imported, 0 refused/);
  await app.screenshot("call-intake");

  // 3. The roster.
  await app.clickCss("[data-testid=nav-experts]");
  await app.pick([join(tmp, "roster.csv")]);
  await app.clickCss("[data-testid=roster-import]");
  await app.waitText("[data-testid=roster-imported]", /9 added/);

  // 4. Assignment.
  await app.exec(`location.hash = "#/evaluation?call=${CALL}&tab=assignment"; return 1;`);
  await app.clickCss("[data-testid=assign-auto]");
  await app.waitText("[data-testid=assign-summary]", /3 of 3 bids have their 3 experts and a rapporteur/);
  await app.screenshot("call-matrix");

  // 5. Each assigned expert sends their public key; the office registers it.
  const roster = cli(db, "eval", "roster", "list");
  const experts = [...new Set(cli(db, "eval", "assignments", "--call", CALL).map((r) => r.evaluator_id))].map((id) =>
    roster.find((e) => e.id === id),
  );
  const keys = {};
  await app.exec(`location.hash = "#/experts"; return 1;`);
  for (const e of experts) {
    keys[e.email] = join(tmp, `key-${e.id}.json`);
    const pub = cli(join(tmp, "scratch.sqlite3"), "eval", "key", "new", "--out", keys[e.email], "--key-passphrase-file", keyPassFile()).public_key;
    const row = await app.find(`[data-testid=roster] tr[data-email="${e.email}"]`);
    await app.click(await app.within(row, "[data-testid=key-register]"));
    await app.fill("[data-testid=key-text]", pub);
    await app.clickCss("[data-testid=key-save]");
    await app.waitText("[data-testid=key-done]", /Fingerprint/);
    await app.clickCss("[data-testid=key-dialog] button.close");
  }

  // 6. Their packages, each with its passphrase.
  const outbox = join(tmp, "outbox");
  mkdirSync(outbox);
  await app.exec(`location.hash = "#/evaluation?call=${CALL}&tab=packages"; return 1;`);
  await app.clickCss("[data-testid=pk-export]");
  await app.pick(outbox);
  await app.clickCss("[data-testid=pk-folder]");
  await app.waitText("[data-testid=pk-folder-path]", /outbox/);
  for (const e of experts) await app.fill(`[data-testid=pk-pass][data-email="${e.email}"]`, passFor(e.email));
  await app.clickCss("[data-testid=pk-export-go]");
  await app.waitText("[data-testid=pk-export-dialog]", new RegExp(`${experts.length} of ${experts.length} written`));
  await app.clickCss("[data-testid=pk-export-dialog] button.close");
  const exported = readdirSync(outbox).filter((f) => f.endsWith(".gfpackage"));
  assert.equal(exported.length, experts.length, "one package per expert");

  // 7. The experts score offline and return; the office edits one score meanwhile.
  const returns = join(tmp, "returns");
  mkdirSync(returns);
  const files = experts.map((e) => {
    const pkg = join(outbox, exported.find((f) => f.includes(e.email.split("@")[0].replace(/[^A-Za-z0-9-]/g, "-"))));
    return [e.email, expertScores(pkg, keys[e.email], e.email, returns)];
  });
  const edited = officeEdit(db);

  // 8. The returns, imported together; the conflict, resolved for the return.
  await app.pick(files.map(([, f]) => f));
  await app.clickCss("[data-testid=pk-returns]");
  for (const [email] of files) {
    const row = await app.find(`[data-testid=pk-returns-dialog] tr[data-file="${email}.gfreturn"]`);
    const input = await app.within(row, "[data-testid=pk-rpass]");
    await app.wd("POST", app.s(`/element/${input}/value`), { text: passFor(email) });
  }
  await app.clickCss("[data-testid=pk-returns-go]");
  await app.waitCount("[data-testid=pk-return-ok]", files.length);
  await app.waitText("[data-testid=pk-returns-dialog]", /1 conflict/);
  await app.clickCss("[data-testid=pk-returns-dialog] button.close");
  await app.screenshot("call-returns");
  await app.clickCss("[data-testid=pk-keep-return]");
  await app.waitText("[data-testid=pk-made]", /LIFFEY-ANT/);
  const liffey = cli(db, "eval", "scores", "--call", CALL, "--bid", "LIFFEY-ANT", "--as", String(edited.evaluator_id));
  assert.equal(liffey.submitted, true, "the held submission was made");
  assert.equal(liffey.own.find((s) => s.criterion === "RELEVANCE").score, 4, "the return's value, chosen");

  // 9. Consensus, drafted and approved by every expert of each bid.
  await app.exec(`location.hash = "#/evaluation?call=${CALL}&tab=consensus"; return 1;`);
  const bids = cli(db, "bid", "list", "--call", CALL);
  for (const b of BIDS) {
    const id = bids.find((x) => x.acronym === b).id;
    await app.select("[data-testid=co-bid]", String(id));
    await app.find("[data-testid=co-approval]");
    for (const c of ["RELEVANCE", "IMPLEMENTATION", "IMPACT"]) {
      await app.select(`[data-testid=co-score-${c}]`, String(SCORE[b]));
      await app.fill(`[data-testid=co-comment-${c}]`, COMMENT);
      await app.clickCss(`[data-testid=co-save-${c}]`);
      await app.waitText(`section[data-criterion=${c}]`, /Saved/);
    }
    for (let left = 3; left > 0; left--) {
      await app.waitCount("[data-testid=co-approve]", left);
      await app.clickCss("[data-testid=co-approve]");
    }
    await app.waitText("[data-testid=co-complete]", /can be ranked/);
  }
  await app.screenshot("call-consensus");

  // 10. The panel's decision for the tie the criteria leave open.
  await app.clickCss("[data-testid=ev-tab-ranking]");
  await app.waitText("[data-testid=ev-ties]", /Unresolved/);
  await app.clickCss("[data-testid=ev-panel]");
  const order = await app.exec(`return [...document.querySelectorAll(".panel-order li span")].map((s) => s.textContent);`);
  if (order[0] !== PANEL[0]) await app.clickCss(".panel-order li:nth-child(2) button[aria-label='Move up']");
  await app.fill("[data-testid=panel-reason]", PANEL_REASON);
  await app.clickCss("[data-testid=panel-save]");
  await app.waitText("[data-testid=ev-ranking]", /DANUBE-ANT[\s\S]*LIFFEY-ANT[\s\S]*FJORD-ANT/);
  await app.screenshot("call-ranking");

  // 11. Every ESR of the call.
  const esrs = join(tmp, "esr");
  await app.pick(esrs);
  await app.clickCss("[data-testid=report-all]");
  await app.waitText("[data-testid=report-batch-done]", /3 ESRs written/, 60);
  assert.deepEqual(readdirSync(esrs).sort(), BIDS.map((b) => `ESR-${CALL}-${b}-en.pdf`).sort());

  // The same inputs through the CLI alone give the same ranking.
  const viaApp = cli(db, "rank", "--call", CALL).ranking;
  const viaCli = cliPath(inbox).ranking;
  const shape = (r) => r.bids.map((b) => [b.acronym, b.rank, b.list, b.weighted_total]);
  assert.deepEqual(shape(viaApp), shape(viaCli));
  assert.deepEqual(shape(viaApp).map((x) => x[0]), ["DANUBE-ANT", "LIFFEY-ANT", "FJORD-ANT"]);
  assert.ok(viaApp.ties.every((t) => !t.unresolved), "the panel's decision closed the tie");
  assert.ok(existsSync(join(esrs, `ESR-${CALL}-DANUBE-ANT-en.pdf`)));
  assert.equal(cli(db, "verify").ok, true, "the audit chain holds");
});
