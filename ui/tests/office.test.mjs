// The programme office's views in a real headless Chromium, every command answered live
// by the real `gigafund --json` CLI on a real database (tests/cli-bridge.mjs): calls and
// their settings, submissions taken in many at a time, the roster, the assignment matrix,
// consensus, offline packages and the audit log — and each form's refusals as the CLI
// gives them, shown where they belong.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer } from "vite";
import { chromium } from "playwright-core";
import { cliBridge, cleanBridge } from "./cli-bridge.mjs";

const uiDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const repo = join(uiDir, "..");
const shots = join(uiDir, "test-results");
const bin =
  process.env.GIGAFUND_BIN ??
  join(process.env.CARGO_TARGET_DIR ?? join(repo, "target"), "release", "gigafund");
const ANTENNA = "EUROHPC-AIFA-2026-01";
const OFFICE_PASS = "the office's key passphrase";
const PASS = "a passphrase long enough";

let server;
let browser;
let baseUrl;
let tmp;
let k = 0;

function cli(db, ...args) {
  return JSON.parse(execFileSync(bin, ["--db", db, "--json", ...args], { encoding: "utf8" }));
}
function cliAny(db, ...args) {
  try {
    return cli(db, ...args);
  } catch (e) {
    return JSON.parse(e.stdout);
  }
}
const fresh = (name) => join(tmp, `${k++}-${name}.sqlite3`);
function demo() {
  const db = fresh("demo");
  cli(db, "demo");
  return db;
}
/** The demo programme without its evaluation: calls, bids, the roster, no assignment. */
function programme() {
  const root = join(tmp, `programme-${k++}`);
  cpSync(join(repo, "templates"), join(root, "templates"), { recursive: true });
  cpSync(join(repo, "sample-data"), join(root, "sample-data"), { recursive: true });
  rmSync(join(root, "sample-data", "evaluation.toml"));
  const db = fresh("programme");
  cli(db, "demo", "--from", root);
  return db;
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "gigafund-office-"));
  mkdirSync(shots, { recursive: true });
  server = await createServer({
    root: uiDir,
    logLevel: "error",
    plugins: [cliBridge(bin)],
    server: { port: 0, strictPort: false, host: "127.0.0.1" },
  });
  await server.listen();
  baseUrl = server.resolvedUrls.local[0];
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic"],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
  cleanBridge();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A page of the app on `db`, the CLI answering; `picks` are what the native dialogs return. */
async function open(db, { lang = "en", hash = "#/", picks = [], size = { width: 1280, height: 800 } } = {}) {
  const context = await browser.newContext({ viewport: size, locale: lang === "fr" ? "fr-FR" : "en-GB" });
  const page = await context.newPage();
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  await page.addInitScript(
    ([d, l, p]) => {
      window.__GIGAFUND_BRIDGE__ = d;
      window.__GIGAFUND_PICKS__ = p;
      localStorage.setItem("gigafund.lang", l);
    },
    [db, lang, picks],
  );
  await page.goto(`${baseUrl}mock.html${hash}`);
  return { page, context, requests, pageErrors };
}
const pick = (page, ...values) => page.evaluate((v) => window.__GIGAFUND_PICKS__.push(...v), values);
const shot = (page, name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

/** Types into a locale-aware number input and commits it. */
async function typeNumber(locator, text) {
  await locator.fill(text);
  await locator.blur();
}

test("from an empty database a call is created from a template, and its form refuses bad settings beside their fields", async () => {
  const db = fresh("empty");
  cli(db, "init");
  const { page, context, requests, pageErrors } = await open(db);
  await page.getByTestId("first-run-call").click();
  await page.getByTestId("call-new").click();
  const dialog = page.getByTestId("call-new-dialog");
  await dialog.waitFor();
  await page.getByTestId("nc-template").selectOption("ai-factory-antenna.toml");
  assert.equal(await page.getByTestId("nc-code").inputValue(), ANTENNA);
  await page.getByTestId("nc-code").fill("bad code");
  await page.getByTestId("nc-create").click();
  await dialog.locator(".field-error").first().waitFor();
  assert.match(await dialog.locator(".field-error").first().textContent(), /upper-case letters/, "the refusal sits under the code");
  await page.getByTestId("nc-code").fill(ANTENNA);
  await page.getByTestId("nc-create").click();
  await page.getByTestId("call-form").waitFor();
  assert.match(page.url(), /#\/calls\/EUROHPC-AIFA-2026-01$/);
  await shot(page, "office-call-settings");

  // A weight of 0 and a threshold off the scale: both refused, each beside its input.
  await typeNumber(page.getByTestId("cf-weight-2"), "0");
  await typeNumber(page.getByTestId("cf-threshold-3"), "7");
  await page.getByTestId("call-save").click();
  const weightRow = page.locator("tr[data-criterion=IMPLEMENTATION]");
  await weightRow.locator(".field-error").first().waitFor();
  assert.match(await weightRow.textContent(), /the weight is positive/);
  assert.match(await page.locator("tr[data-criterion=IMPACT]").textContent(), /the threshold lies on the call's scale/);
  assert.match(await page.getByTestId("call-errors").textContent(), /2 problems/);
  await shot(page, "office-call-refused");

  await typeNumber(page.getByTestId("cf-weight-2"), "1.25");
  await typeNumber(page.getByTestId("cf-threshold-3"), "3");
  await typeNumber(page.getByTestId("cf-budget"), "45,000,000");
  await page.getByTestId("call-save").click();
  const review = page.getByTestId("call-review");
  await review.waitFor();
  const changes = await review.getByTestId("call-changes").textContent();
  assert.match(changes, /Budget.*€40,000,000.*€45,000,000/s);
  assert.match(changes, /Weight — IMPLEMENTATION/);
  assert.equal(await review.getByTestId("call-needs-reason").count(), 0, "nothing is scored yet: no reason needed");
  await page.getByTestId("call-confirm").click();
  await page.getByTestId("call-saved").waitFor();
  assert.match(await page.getByTestId("call-saved").textContent(), /version 2/);
  const stored = cli(db, "call", "show", ANTENNA);
  assert.equal(stored.budget, 4_500_000_000);
  assert.equal(stored.criteria[1].weight, 1.25);
  await page.getByTestId("call-tab-versions").click();
  // The versions load after the tab opens: wait for the second row before counting.
  const versions = page.getByTestId("call-versions").locator("tbody tr");
  await versions.nth(1).waitFor();
  assert.equal(await versions.count(), 2);
  assert.deepEqual(requests.filter((u) => !u.startsWith(baseUrl)), [], "no request leaves the machine");
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("once scoring has started, a change to a ranking rule asks for its reason, which is recorded", async () => {
  const db = demo();
  const { page, context } = await open(db, { hash: `#/calls/${ANTENNA}` });
  await page.getByTestId("call-form").waitFor();
  await typeNumber(page.getByTestId("cf-overall"), "11");
  await page.getByTestId("call-save").click();
  const review = page.getByTestId("call-review");
  await review.getByTestId("call-needs-reason").waitFor();
  assert.equal(await page.getByTestId("call-confirm").isDisabled(), true, "no confirmation without a reason");
  await page.getByTestId("cf-reason").fill("The panel raised the overall threshold on 2 December.");
  await page.getByTestId("call-confirm").click();
  await page.getByTestId("call-saved").waitFor();
  const versions = cli(db, "call", "versions", ANTENNA);
  assert.equal(versions.at(-1).reason, "The panel raised the overall threshold on 2 December.");
  assert.equal(versions.at(-1).call.settings.overall_threshold, 11);
  await context.close();
});

test("submissions are taken in many at a time: each refused file lists its problems and stores nothing", async () => {
  // The applicants' side: submission packages of the three antenna bids.
  const applicant = fresh("applicant");
  cli(applicant, "call", "new", "--template", "ai-factory-antenna.toml", "--code", ANTENNA);
  const inbox = join(tmp, `inbox-${k++}`);
  for (const acronym of ["LIFFEY-ANT", "DANUBE-ANT", "FJORD-ANT"]) {
    cli(applicant, "bid", "package", join(repo, "sample-data", "workbooks", `${acronym}.xlsx`), "--call", ANTENNA, "--out", join(inbox, acronym));
  }
  cpSync(join(repo, "sample-data", "workbooks", "broken", "wrong-types.xlsx"), join(inbox, "wrong-types.xlsx"));
  const db = fresh("office");
  cli(db, "call", "new", "--template", "ai-factory-antenna.toml", "--code", ANTENNA);
  const { page, context } = await open(db, { hash: `#/calls/${ANTENNA}?tab=submissions`, picks: [inbox] });
  await page.getByTestId("intake-folder").click();
  const results = page.getByTestId("intake-results");
  await results.locator("tbody tr").nth(3).waitFor();
  await page.getByTestId("intake-progress").getByText(/3 files imported, 1 refused/).waitFor();
  const refused = results.locator("tr.refused");
  assert.equal(await refused.count(), 1);
  await refused.getByRole("button").click();
  const problems = await refused.getByTestId("intake-problems").textContent();
  assert.match(problems, /Site & Energy · E2/, "the sheet and cell of each problem");
  await shot(page, "office-intake");
  const bids = cli(db, "bid", "list", "--call", ANTENNA);
  assert.deepEqual(bids.map((b) => b.acronym).sort(), ["DANUBE-ANT", "FJORD-ANT", "LIFFEY-ANT"]);
  assert.ok(bids.every((b) => b.status === "submitted"));
  await context.close();
});

test("a roster with a bad cell is refused with its sheet and cell; a good one imports", async () => {
  const db = fresh("roster");
  cli(db, "call", "new", "--template", "ai-factory-antenna.toml", "--code", ANTENNA);
  const dir = join(tmp, `roster-${k++}`);
  mkdirSync(dir);
  writeFileSync(
    join(dir, "experts.csv"),
    "name,email,organisation,country,expertise\nDr. Åsa Öberg,asa@kth.example,KTH,SE,hpc\nJean Dupont,not-an-email,CEA,FR,finance\n",
  );
  // A real spreadsheet, as an office would keep it.
  execFileSync("soffice", ["--headless", "--convert-to", "ods", "--outdir", dir, join(dir, "experts.csv")], {
    env: { ...process.env, HOME: dir },
    stdio: "ignore",
  });
  const expected = cliAny(db, "eval", "roster", "import", join(dir, "experts.ods")).error;
  const { page, context } = await open(db, { hash: "#/experts", picks: [join(dir, "experts.ods")] });
  await page.getByTestId("roster-import").click();
  const problems = page.getByTestId("roster-problems");
  await problems.waitFor();
  const text = await problems.textContent();
  assert.match(text, /experts\.ods · experts · B3 · email/, `the CLI says: ${expected.message}`);
  assert.equal(cli(db, "eval", "roster", "list").length, 0, "nothing was stored");
  await shot(page, "office-roster-refused");
  writeFileSync(join(dir, "good.csv"), "name,email,organisation,country,expertise\nDr. Åsa Öberg,asa@kth.example,KTH,SE,hpc\n");
  await pick(page, join(dir, "good.csv"));
  await page.getByTestId("roster-import").click();
  await page.getByTestId("roster-imported").waitFor();
  assert.equal(await page.getByTestId("roster").locator("tbody tr").count(), 1);
  await context.close();
});

test("the assignment matrix refuses a conflicted pair in place with its reason, and assigns the rest", async () => {
  const db = programme();
  const { page, context } = await open(db, { hash: `#/evaluation?call=INVESTAI-AIGF-2026&tab=assignment` });
  await page.getByTestId("assign-matrix").waitFor();
  // Dr. van der Berg works for a member of THAMES-GF: a detected conflict.
  const conflicted = page.locator('[data-testid=assign-matrix] .cell.conflict[data-bid="THAMES-GF"]').first();
  await conflicted.click();
  await page.getByTestId("assign-conflict").waitFor();
  await page.getByTestId("assign-add").click();
  const refusal = page.getByTestId("assign-problems");
  await refusal.waitFor();
  assert.match(await refusal.textContent(), /conflict of interest: .* cannot evaluate THAMES-GF/);
  await shot(page, "office-matrix-refused");
  await page.getByTestId("assign-auto").click();
  await page.getByTestId("assign-plan").waitFor();
  const matrix = cli(db, "eval", "matrix", "--call", "INVESTAI-AIGF-2026");
  assert.equal(matrix.pending, 0, "the automatic assignment filled every panel");
  assert.match(await page.getByTestId("assign-summary").textContent(), new RegExp(`${matrix.bids.length} of ${matrix.bids.length} bids`));
  // By keyboard: the first cell, then Delete removes that expert (no score yet).
  const first = matrix.cells.find((c) => c.role === "expert");
  const cell = page.locator(`[data-testid=assign-matrix] .cell[data-bid="${matrix.bids[first.bid].acronym}"][data-expert="${matrix.experts[first.expert].email}"]`);
  await cell.click();
  await page.keyboard.press("Delete");
  await page.getByTestId("assign-summary").getByText(/1 assignment to make/).waitFor();
  await shot(page, "office-matrix");
  await context.close();
});

test("a consensus without its reconciliation note is refused beside the criterion, and approval says why it is blocked", async () => {
  const db = programme();
  cli(db, "eval", "assign", "--call", ANTENNA);
  const rows = cli(db, "eval", "assignments", "--call", ANTENNA).filter((r) => r.acronym === "LIFFEY-ANT");
  const roster = cli(db, "eval", "roster", "list");
  const email = (id) => roster.find((e) => e.id === id).email;
  const comment = "A".repeat(20) + " — a considered opinion on the proposal, its work plan, the hosting capacity and its risks.";
  const csv = ["bid,evaluator,criterion,score,comment"];
  rows.forEach((r, i) => {
    csv.push(`LIFFEY-ANT,${email(r.evaluator_id)},RELEVANCE,${[2, 4, 3][i]},"${comment}"`);
    csv.push(`LIFFEY-ANT,${email(r.evaluator_id)},IMPLEMENTATION,4,"${comment}"`);
    csv.push(`LIFFEY-ANT,${email(r.evaluator_id)},IMPACT,4,"${comment}"`);
  });
  const scores = join(tmp, `scores-${k++}.csv`);
  writeFileSync(scores, csv.join("\n") + "\n");
  cli(db, "eval", "import-scores", "--call", ANTENNA, scores, "--submit");
  const bid = cli(db, "bid", "list", "--call", ANTENNA).find((b) => b.acronym === "LIFFEY-ANT");
  const { page, context } = await open(db, { hash: `#/evaluation?call=${ANTENNA}&tab=consensus` });
  await page.getByTestId("co-bid").selectOption(String(bid.id));
  const relevance = page.locator("section[data-criterion=RELEVANCE]");
  await relevance.getByTestId("co-divergent").waitFor();
  await relevance.getByTestId("co-score-RELEVANCE").selectOption("3");
  await relevance.getByTestId("co-comment-RELEVANCE").fill(comment);
  await relevance.getByTestId("co-save-RELEVANCE").click();
  const refusal = relevance.getByTestId("co-problems-RELEVANCE");
  await refusal.waitFor();
  assert.match(await refusal.textContent(), /differ by 2\.0 points .* reconciliation note/);
  assert.match(await page.getByTestId("co-blocked").textContent(), /Relevance has no consensus score yet/);
  await shot(page, "office-consensus-refused");
  await relevance.getByTestId("co-note-RELEVANCE").fill("The experts agreed the link to the AI Factory is real but thin.");
  await relevance.getByTestId("co-save-RELEVANCE").click();
  await relevance.getByText(/Saved/).waitFor();
  for (const c of ["IMPLEMENTATION", "IMPACT"]) {
    const s = page.locator(`section[data-criterion=${c}]`);
    await s.getByTestId(`co-score-${c}`).selectOption("4");
    await s.getByTestId(`co-comment-${c}`).fill(comment);
    await s.getByTestId(`co-save-${c}`).click();
    await s.getByText(/Saved/).waitFor();
  }
  for (let i = 0; i < rows.length; i++) {
    await page.getByTestId("co-approve").first().click();
    await page.waitForFunction((n) => document.querySelectorAll("[data-testid=co-approve]").length === n, rows.length - i - 1);
  }
  await page.getByTestId("co-complete").waitFor();
  const view = cli(db, "eval", "consensus", "show", "--call", ANTENNA, "--bid", "LIFFEY-ANT");
  assert.ok(view.complete, "approved by every expert, as the CLI reads it");
  await context.close();
});

test("offline packages: exported with typed passphrases, a tampered return refused whole, a conflicting score resolved", async () => {
  const db = programme();
  cli(db, "eval", "assign", "--call", ANTENNA);
  const row = cli(db, "eval", "assignments", "--call", ANTENNA)[0];
  const expert = cli(db, "eval", "roster", "list").find((e) => e.id === row.evaluator_id);
  const dir = join(tmp, `packages-${k++}`);
  mkdirSync(dir);
  const key = join(dir, "expert-key.json");
  writeFileSync(join(dir, "key-pass"), "the expert's own key passphrase");
  const pub = cli(db, "eval", "key", "new", "--out", key, "--key-passphrase-file", join(dir, "key-pass")).public_key;
  const { page, context } = await open(db, { hash: "#/experts" });
  // The office registers the expert's key, pasted, and reads its fingerprint back.
  await page.locator(`tr[data-email="${expert.email}"]`).getByTestId("key-register").click();
  await page.getByTestId("key-text").fill(pub);
  await page.getByTestId("key-save").click();
  await page.getByTestId("key-done").waitFor();
  assert.match(await page.getByTestId("key-done").textContent(), /[0-9A-F]{4} [0-9A-F]{4}/);
  await page.keyboard.press("Escape");

  // The office's signing key (made in the Audit view, see below; here by the CLI beside
  // the database, where the bridged app keeps it).
  writeFileSync(join(dir, "okp"), OFFICE_PASS);
  const office = cli(db, "office", "key", "new", "--out", `${db}.office-key.json`, "--key-passphrase-file", join(dir, "okp"));
  await page.goto(`${baseUrl}mock.html#/evaluation?call=${ANTENNA}&tab=packages`);
  await page.locator(`[data-testid=pk-experts] tr[data-email="${expert.email}"] .mono`).waitFor();
  await page.getByTestId("pk-export").click();
  await page.getByTestId("pk-signing").getByText(office.fingerprint).waitFor();
  await pick(page, dir);
  await page.getByTestId("pk-folder").click();
  await page.getByTestId("pk-folder-path").getByText(dir).waitFor();
  const go = page.getByTestId("pk-export-go");
  await page.getByTestId("pk-pass").fill("too short");
  assert.equal(await go.isDisabled(), true, "a short passphrase is not accepted");
  await page.getByTestId("pk-pass").fill(PASS);
  assert.equal(await go.isDisabled(), true, "signing needs the office key's passphrase");
  await page.getByTestId("pk-office-pass").fill(OFFICE_PASS);
  await go.click();
  await page.getByTestId("pk-export-dialog").getByText(/1 of 1 written/).waitFor();
  const pkg = join(dir, `${ANTENNA}-${expert.email.split("@")[0].replace(/[^A-Za-z0-9-]/g, "-")}.gfpackage`);
  assert.equal(readFileSync(pkg).subarray(0, 18).toString(), "GIGAFUND-PACKAGE 2");
  assert.equal(cli(db, "eval", "package", "peek", pkg).office_fingerprint, office.fingerprint, "signed with the office's key");
  await page.keyboard.press("Escape");
  await page.locator(`[data-testid=pk-experts] tr[data-email="${expert.email}"]`).getByTestId("pk-signed").getByText("signed").waitFor();

  // The expert scores offline in their own database and writes the signed return.
  const own = fresh("expert");
  writeFileSync(join(dir, "pass"), PASS);
  const publicKey = join(dir, "office-public.json");
  cli(db, "office", "key", "public", "--key", `${db}.office-key.json`, "--out", publicKey);
  cli(own, "eval", "package", "open", pkg, "--passphrase-file", join(dir, "pass"), "--office-key", publicKey);
  const comment = "A considered opinion on the proposal, its work plan, the hosting capacity, its costs and its risks, at length.";
  for (const [c, s] of [["RELEVANCE", 4], ["IMPLEMENTATION", 3.5], ["IMPACT", 4.5]]) {
    cli(own, "eval", "score", "--call", ANTENNA, "--bid", row.acronym, "--criterion", c, "--score", String(s), "--comment", comment);
  }
  const ret = join(dir, "return.gfreturn");
  cli(own, "eval", "package", "return", "--key", key, "--out", ret, "--passphrase-file", join(dir, "pass"), "--key-passphrase-file", join(dir, "key-pass"));
  // The office changes one of those scores meanwhile.
  cli(db, "eval", "score", "--call", ANTENNA, "--bid", row.acronym, "--criterion", "IMPACT", "--score", "2", "--comment", "Phoned in by the expert.", "--as", expert.email);

  const tampered = join(dir, "tampered.gfreturn");
  const bytes = readFileSync(ret);
  bytes[bytes.length - 10] ^= 0x01;
  writeFileSync(tampered, bytes);
  await pick(page, [tampered]);
  await page.getByTestId("pk-returns").click();
  await page.getByTestId("pk-rpass").fill(PASS);
  await page.getByTestId("pk-returns-go").click();
  const refusal = page.getByTestId("pk-return-problems");
  await refusal.waitFor();
  assert.match(await refusal.textContent(), /cannot be decrypted/);
  assert.equal(cli(db, "eval", "package", "list", "--call", ANTENNA)[0].returned_at, null, "nothing of it was applied");
  await shot(page, "office-return-refused");
  await page.keyboard.press("Escape");

  await pick(page, [ret]);
  await page.getByTestId("pk-returns").click();
  await page.getByTestId("pk-rpass").fill(PASS);
  await page.getByTestId("pk-returns-go").click();
  await page.getByTestId("pk-return-ok").waitFor();
  assert.match(await page.getByTestId("pk-return-ok").textContent(), /2 applied, 0 unchanged, 1 conflict/);
  await page.keyboard.press("Escape");
  await page.getByTestId("pk-unresolved").waitFor();
  await shot(page, "office-packages");
  await page.getByTestId("pk-keep-return").click();
  await page.getByTestId("pk-conflicts").locator("tr.resolved").waitFor();
  const scores = cli(db, "eval", "scores", "--call", ANTENNA, "--bid", row.acronym, "--as", expert.email).own;
  assert.equal(scores.find((s) => s.criterion === "IMPACT").score, 4.5, "the return's value, chosen");
  await context.close();
});

test("the audit log filters by bid and kind, shows a score's history, checks the database and verifies a report", async () => {
  const db = demo();
  const { page, context } = await open(db, { hash: "#/audit" });
  await page.getByTestId("au-chain").getByText(/chain unbroken/).waitFor();
  const all = cli(db, "audit", "--limit", "1");
  await page.getByTestId("au-total").getByText(new RegExp(`${all.total.toLocaleString("en")} entries`)).waitFor();
  const rhein = cli(db, "bid", "list").find((b) => b.acronym === "RHEIN-AI");
  await page.getByTestId("au-bid").selectOption(String(rhein.id));
  await page.getByTestId("au-action").selectOption("score");
  const only = cli(db, "audit", "--bid", String(rhein.id), "--action", "score", "--limit", "1");
  await page.getByTestId("au-total").getByText(new RegExp(`^${only.total} entries`)).waitFor();
  const firstScore = page.locator("[data-testid=au-rows] .entry", { hasText: "Score entered" }).first();
  await firstScore.click();
  await page.getByTestId("au-history").waitFor();
  assert.ok((await page.getByTestId("au-history").locator("tr").count()) >= 1);
  await shot(page, "office-audit");

  const esr = join(tmp, `esr-${k++}.pdf`);
  cli(db, "report", "esr", "--bid", "RHEIN-AI", "--out", esr);
  await pick(page, [esr]);
  await page.getByTestId("au-report").click();
  await page.getByTestId("au-report-result").getByText(/^The report matches the database/).waitFor();
  await page.getByTestId("au-report-result").getByText(/^The document is exactly the one Gigafund makes/).waitFor();

  // The log signed with the office's key, made here (its passphrase twice), the
  // checkpoint also saved as a file to keep elsewhere.
  await page.getByTestId("au-signed-state").getByText(/not been signed yet/).waitFor();
  const checkpoint = join(tmp, `checkpoint-${k++}.json`);
  await page.getByTestId("au-sign").click();
  await page.getByTestId("au-pass").fill(OFFICE_PASS);
  await page.getByTestId("au-confirm").fill("not the same passphrase");
  await pick(page, checkpoint);
  await page.getByTestId("au-sign-confirm").click();
  await page.getByTestId("au-sign-problems").getByText(/differ/).waitFor();
  await page.getByTestId("au-confirm").fill(OFFICE_PASS);
  await page.getByTestId("au-sign-confirm").click();
  await page.getByTestId("au-signed").getByText(/Log signed at entry/).waitFor();
  await page.getByTestId("au-signed-state").getByText(/Signed by the office up to entry/).waitFor();
  assert.match(readFileSync(checkpoint, "utf8"), /gigafund-audit-checkpoint/);
  await shot(page, "office-audit-signed");
  await context.close();
});

test("the office's views in French", async () => {
  const db = demo();
  for (const [hash, name] of [
    ["#/calls", "calls"],
    [`#/calls/${ANTENNA}`, "call-settings"],
    ["#/experts", "experts"],
    ["#/experts?tab=conflicts&call=INVESTAI-AIGF-2026", "conflicts"],
    [`#/evaluation?call=INVESTAI-AIGF-2026&tab=assignment`, "matrix"],
    [`#/evaluation?call=${ANTENNA}&tab=packages`, "packages"],
    ["#/audit", "audit"],
  ]) {
    const { page, context, pageErrors } = await open(db, { lang: "fr", hash });
    await page.locator("main h1, main h2").first().waitFor();
    await page.waitForLoadState("networkidle");
    const text = await page.locator("main").textContent();
    for (const english of ["Save", "Settings", "Roster", "Assign automatically", "Audit log", "Export packages"]) {
      assert.ok(!text.includes(english), `${name}: "${english}" in French view`);
    }
    await shot(page, `office-fr-${name}`);
    assert.deepEqual(pageErrors, []);
    await context.close();
  }
});

test("the portfolio shows the envelope, leverage, the map and the awards; an award's tranche is refused before its gate and released once the milestone is verified", async () => {
  const db = demo();
  const portfolio = cli(db, "programme", "portfolio", "INVESTAI");
  const { page, context, requests, pageErrors } = await open(db, { hash: "#/portfolio/INVESTAI" });
  await page.getByTestId("pg-envelope").waitFor();
  // The envelope statement as the CLI computes it, row by row, with its total.
  assert.equal(await page.getByTestId("pg-envelope").locator("tbody tr").count(), portfolio.by_source.length);
  const committed = portfolio.by_source.reduce((s, r) => s + r.committed, 0);
  const eur = (cents) => new Intl.NumberFormat("en-IE", { style: "currency", currency: "EUR", maximumFractionDigits: 0 }).format(cents / 100);
  assert.match(await page.getByTestId("pg-envelope").locator("tfoot").textContent(), new RegExp(eur(committed).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  assert.match(await page.getByTestId("pg-leverage").textContent(), new RegExp(portfolio.leverage.portfolio.toFixed(2)));
  // The charts are drawn by the library, with their axes and words.
  await page.getByTestId("pg-waterfall").locator("svg").waitFor();
  assert.match(await page.getByTestId("pg-waterfall").textContent(), /Announced.*Committed.*Contracted.*Paid/s);
  assert.match(await page.getByTestId("pg-leverage-chart").textContent(), /RHEIN-AI/);
  // The early warnings as the CLI lists them.
  const warnings = cli(db, "programme", "warnings", "INVESTAI");
  assert.match(await page.getByTestId("pg-warnings").locator("h2").textContent(), new RegExp(`\\(${warnings.length}\\)`));
  // A gigafactory call whose host state has not committed is flagged.
  assert.match(await page.getByTestId("pg-flags").textContent(), /IBERIA-GF: the host state's commitment \(Spain \(ES\)\) is missing or short — €0 of €950,000,000/);
  await shot(page, "programme-envelope");

  await page.getByTestId("pg-tab-states").click();
  await page.getByTestId("pg-map").locator("svg").waitFor();
  assert.match(await page.getByTestId("pg-states").textContent(), /Germany \(DE\)/);
  await shot(page, "programme-map");

  // Spain's commitment letter: refused without an amount, then recorded; the flag goes.
  await page.getByTestId("pg-commitment-new").click();
  await page.getByTestId("cm-country").fill("ES");
  await page.getByTestId("cm-dated").fill("2026-01-30");
  await page.getByTestId("cm-save").click();
  assert.match(await page.getByTestId("cm-problems").textContent(), /a commitment is a positive amount/);
  await typeNumber(page.getByTestId("cm-amount"), "950,000,000");
  await page.getByTestId("cm-save").click();
  await page.getByTestId("pg-commitments").getByText("Spain (ES)").waitFor();
  await page.getByTestId("pg-flags").waitFor({ state: "detached" });
  assert.equal(cli(db, "programme", "show", "INVESTAI").flags.length, 0, "the CLI reads the commitment");

  await page.getByTestId("pg-tab-awards").click();
  await page.getByTestId("pg-awards").waitFor();
  assert.equal(await page.getByTestId("pg-awards").locator("tbody tr").count(), 3);
  await page.getByTestId("pg-filter").fill("rhein");
  assert.match(await page.getByTestId("pg-shown").textContent(), /1 of 3 awards/);
  await page.locator("tr[data-acronym=RHEIN-AI]").click();
  await page.getByTestId("aw-tranches").waitFor();
  const id = cli(db, "award", "list", "--programme", "INVESTAI").find((a) => a.acronym === "RHEIN-AI").id;
  assert.match(page.url(), new RegExp(`#/award/${id}$`));

  // A tranche asked before its gate: confirmed, refused with the milestone named, in place.
  const int1 = page.locator("tr[data-tranche=G-INT1]");
  await int1.getByTestId("tr-request").click();
  assert.match(await page.getByTestId("aw-confirm-text").textContent(), /Request Interim payment \(€320,000,000\)/);
  await page.getByTestId("aw-confirm").click();
  const refusal = page.getByTestId("aw-confirm-problems");
  await refusal.waitFor();
  assert.match(await refusal.textContent(), /released only once its gate is verified: CONTRACT "Procurement contract signed"/);
  await page.keyboard.press("Escape");
  assert.match(await int1.getByTestId("tr-problems").textContent(), /gate is verified/, "the refusal stays beside its tranche");
  assert.equal(cli(db, "tranche", "list", "--award", String(id)).find((t) => t.code === "G-INT1").state, "planned", "nothing stored");
  await shot(page, "programme-award-refused");

  // The hosting agreement achieved with its evidence, verified: its state as the CLI reads it.
  const evidence = join(tmp, `hosting-agreement-${k++}.pdf`);
  writeFileSync(evidence, "%PDF-1.4 signed hosting agreement\n");
  const hosting = page.locator("tr[data-milestone=HOSTING]");
  await hosting.getByTestId("ms-actual").click();
  await pick(page, evidence);
  await page.getByTestId("aw-evidence").click();
  await page.getByTestId("aw-evidence-path").getByText(evidence).waitFor();
  await page.getByTestId("aw-confirm").click();
  await page.getByTestId("aw-done").waitFor();
  await hosting.getByTestId("ms-verify").click();
  await page.getByTestId("aw-confirm").click();
  await hosting.getByTestId("ms-state").getByText("verified").waitFor();
  const ms = cli(db, "milestone", "list", "--award", String(id)).find((m) => m.code === "HOSTING");
  assert.equal(ms.verified_on !== null, true);
  assert.match(ms.evidence_sha256, /^[0-9a-f]{64}$/);
  assert.match(await hosting.textContent(), new RegExp(ms.evidence_sha256.slice(0, 12)));
  await page.getByTestId("aw-chart").locator("svg").waitFor();

  // The grant agreement signed: the pre-financing's gate opens and the tranche is requested.
  await page.getByTestId("ag-new").click();
  await page.getByTestId("ag-kind").selectOption("grant");
  await page.getByTestId("ag-ref").fill("101234567 — RHEIN-AI grant agreement");
  await page.getByTestId("aw-confirm").click();
  await page.getByTestId("aw-agreements").getByText("Grant agreement", { exact: true }).waitFor();
  const pre = page.locator("tr[data-tranche=G-PRE]");
  await pre.getByText("verified").waitFor();
  await pre.getByTestId("tr-request").click();
  await page.getByTestId("aw-note").fill("pre-financing asked with the signed agreement");
  await page.getByTestId("aw-confirm").click();
  await pre.getByTestId("tr-state").getByText("requested").waitFor();
  assert.equal(cli(db, "tranche", "list", "--award", String(id)).find((t) => t.code === "G-PRE").state, "requested");
  await shot(page, "programme-award");

  // The disbursement schedule, as CSV: every tranche of every award.
  await page.goto(`${baseUrl}mock.html#/portfolio/INVESTAI`);
  await page.getByTestId("pg-export-schedule").waitFor();
  const csv = join(tmp, `schedule-${k++}.csv`);
  await pick(page, csv);
  await page.getByTestId("pg-export-schedule").click();
  await page.getByTestId("pg-message").getByText(/15 rows written/).waitFor();
  const lines = readFileSync(csv, "utf8").trim().split("\n");
  assert.equal(lines.length, 16);
  assert.match(lines[0], /^Award,State,Status,Tranche,Share \(%\),Amount \(€\)/);
  assert.deepEqual(requests.filter((u) => !u.startsWith(baseUrl)), [], "no request leaves the machine");
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("the portfolio and an award page in French", async () => {
  const db = demo();
  const { page, context } = await open(db, { lang: "fr", hash: "#/portfolio/EUROHPC-AIF" });
  await page.getByTestId("pg-envelope").waitFor();
  assert.match(await page.locator("h1").first().textContent(), /Portefeuille du programme/);
  assert.match(await page.getByTestId("pg-envelope").textContent(), /Programme pour une Europe numérique/);
  assert.match(await page.getByTestId("pg-waterfall").textContent(), /Annoncé.*Engagé.*Contractualisé.*Versé/s);
  await page.getByTestId("pg-tab-states").click();
  assert.match(await page.getByTestId("pg-states").textContent(), /Allemagne \(DE\)/);
  await shot(page, "programme-fr");
  await page.getByTestId("pg-tab-awards").click();
  await page.locator("tr[data-acronym=JUPITER]").click();
  await page.getByTestId("aw-milestones").waitFor();
  assert.match(await page.getByTestId("aw-milestones").textContent(), /Convention d’hébergement signée|vérifié/);
  assert.match(await page.getByTestId("aw-tranches").textContent(), /Préfinancement.*versée/s);
  await shot(page, "programme-award-fr");
  // Monitoring and the contingent liabilities read in French too.
  await page.goto(page.url().replace(/#.*/, "#/portfolio/INVESTAI?tab=monitoring"));
  await page.getByTestId("mon-scores").waitFor();
  await page.getByTestId("pg-tab-liabilities").click();
  await page.getByTestId("lia-total").waitFor({ timeout: 180_000 });
  const shock = await page.getByTestId("lia-shock").textContent();
  assert.match(shock, /prix de l’électricité \+30\s?%/);
  assert.doesNotMatch(shock, /electricity|price of/);
  await shot(page, "programme-liabilities-fr");
  await context.close();
});

test("a payment suspension recorded on the award page blocks its tranche until lifted; the schedule risk runs with its chart", async () => {
  const db = demo();
  const id = cli(db, "award", "list", "--programme", "INVESTAI").find((a) => a.acronym === "AURORA-GF").id;
  cli(db, "award", "agreement", String(id), "--kind", "grant", "--signed", new Date().toISOString().slice(0, 10), "--reference", "grant");
  const { page, context, pageErrors } = await open(db, { hash: `#/award/${id}` });
  await page.getByTestId("dev-new").waitFor();
  await page.getByTestId("dev-new").click();
  await page.getByTestId("dv-kind").selectOption("late_report");
  await page.getByTestId("dv-found").fill("The 2026 monitoring workbook was not received by 31 January.");
  await page.getByTestId("dv-action").selectOption("payment_suspension");
  await page.getByTestId("dv-reason").fill("No report, no payment.");
  await page.getByTestId("aw-confirm").click();
  // Who decided is required: refused in the dialog, nothing stored.
  assert.match(await page.getByTestId("aw-confirm-problems").textContent(), /is required/);
  assert.equal(cli(db, "deviation", "list", "--award", String(id)).length, 0);
  await page.getByTestId("dv-decided").fill("Head of unit");
  await page.getByTestId("aw-confirm").click();
  await page.getByTestId("dev-stands").waitFor();
  // The pre-financing's gate is open, but the suspension stands: refused, naming it.
  const pre = page.locator("tr[data-tranche=G-PRE]");
  await pre.getByTestId("tr-request").click();
  await page.getByTestId("aw-confirm").click();
  assert.match(await page.getByTestId("aw-confirm-problems").textContent(), /while the payment suspension decided on .* stands \(deviation \d+: No report, no payment\.\)/);
  await page.keyboard.press("Escape");
  await shot(page, "programme-suspension");
  await page.getByTestId("dev-lift").click();
  await page.getByTestId("lf-by").fill("Head of unit");
  await page.getByTestId("lf-reason").fill("The report was received.");
  await page.getByTestId("aw-confirm").click();
  await page.getByTestId("dev-stands").waitFor({ state: "detached" });
  await pre.getByTestId("tr-request").click();
  await page.getByTestId("aw-confirm").click();
  await pre.getByTestId("tr-state").getByText("requested").waitFor();

  await page.goto(`${baseUrl}mock.html#/portfolio/EUROHPC-AIF?tab=risk`);
  await page.getByTestId("risk-paths").fill("2000");
  await page.getByTestId("risk-run").click();
  await page.getByTestId("risk-chart").locator("svg").waitFor();
  const run = cli(db, "programme", "risk", "EUROHPC-AIF", "--paths", "2000", "--seed", "1");
  assert.equal(await page.getByTestId("risk-awards").locator("tbody tr").count(), run.awards.length);
  const first = run.awards[0];
  const shown = await page.locator(`[data-testid=risk-awards] tr[data-acronym="${first.acronym}"]`).textContent();
  assert.match(shown, new RegExp(`${(first.probability * 100).toFixed(1)}%`), "the same seed, the same figures as the CLI");
  assert.match(await page.getByTestId("risk-chart").textContent(), /P10 – P90/);
  await shot(page, "programme-risk");
  assert.deepEqual(pageErrors, []);
  await context.close();
});

// Monitoring of funded awards.

/** Edits a spreadsheet with LibreOffice, as a hosting entity would fill it (scripts/lo-edit.py). */
const loEdit = (src, dst, ...edits) =>
  execFileSync("/usr/bin/python3", [join(repo, "scripts", "lo-edit.py"), src, dst, ...edits], { stdio: "ignore" });

/** The fields of one CSV line (quoted fields may hold commas and doubled quotes). */
function csvFields(line) {
  const out = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") out.push(cur), (cur = "");
    else cur += c;
  }
  out.push(cur);
  return out;
}
const csvLine = (fields) => fields.map((f) => (/[",\n]/.test(f) ? `"${f.replaceAll('"', '""')}"` : f)).join(",");

/** The report year the award page offers first: last year, within selection and this year. */
function defaultYear(selectedOn) {
  const now = new Date().getUTCFullYear();
  return Math.min(now, Math.max(Number(selectedOn.slice(0, 4)), now - 1));
}

test("an award's monitoring: the workbook written, a bad report refused at its cell, a filled one scored against the claims, the acceptance run and a short re-run", async () => {
  const db = demo();
  const id = cli(db, "award", "list", "--programme", "INVESTAI").find((a) => a.acronym === "RHEIN-AI").id;
  const detail = cli(db, "award", "show", String(id));
  const year = defaultYear(detail.award.selected_on);
  const claims = cli(db, "monitoring", "show", "--award", String(id)).claims;
  const claim = (kpi) => claims.find((c) => c.kpi === kpi).value;
  const dir = join(tmp, `monitoring-${k++}`);
  mkdirSync(dir);
  const { page, context, pageErrors } = await open(db, { hash: `#/award/${id}` });
  await page.getByTestId("mo-section").waitFor();
  assert.match(await page.getByTestId("mo-no-report").textContent(), /No report imported yet/);
  assert.match(await page.getByTestId("mo-compute-issue").textContent(), /No acceptance run imported yet/);

  // The workbook of last year's report (or the selection year's), where the user saves it.
  await page.getByTestId("mo-template").click();
  assert.equal(Number(await page.getByTestId("mo-year").inputValue()), year);
  const blank = join(dir, `monitoring-RHEIN-AI-${year}.xlsx`);
  await pick(page, blank);
  await page.getByTestId("aw-confirm").click();
  await page.getByTestId("mo-done").getByText(`The ${year} monitoring workbook was written to ${blank}`).waitFor();
  assert.equal(readFileSync(blank).subarray(0, 2).toString(), "PK", "an .xlsx");

  // Filled in LibreOffice: the hosting agreement achieved, two cost lines, half the
  // accelerators claimed and the megawatts as claimed; a copy with an availability of 150 %.
  const hosting = cli(db, "milestone", "list", "--award", String(id)).findIndex((m) => m.code === "HOSTING") + 2;
  const half = Math.round(claim("accelerators_installed") / 2);
  const filled = join(dir, "RHEIN-AI-report.xlsx");
  loEdit(blank, filled,
    `'Milestones'!E${hosting}=d:${detail.award.selected_on}`, `'Milestones'!F${hosting}=s:Hosting agreement HA-014`,
    "'Costs'!A2=s:capex", "'Costs'!B2=s:it_hardware", "'Costs'!C2=s:First accelerators", "'Costs'!D2=n:250000000",
    "'Costs'!A3=s:opex", "'Costs'!B3=s:staff", "'Costs'!C3=s:Operations team", "'Costs'!D3=n:4000000",
    `'Indicators'!E2=n:${half}`, `'Indicators'!E3=n:${claim("mw_energised")}`);
  const broken = join(dir, "RHEIN-AI-broken.xlsx");
  loEdit(filled, broken, "'Indicators'!E4=n:1.5");

  // Checked: refused, the finding at its sheet and cell; nothing stored.
  await pick(page, broken);
  await page.getByTestId("mo-check").click();
  await page.getByTestId("mo-check-result").getByText("RHEIN-AI-broken.xlsx: refused — 1 problem.").waitFor();
  assert.match(await page.locator('[data-testid=mo-findings] tr[data-cell="Indicators!E4"]').textContent(), /Error.*availability/s);
  // Imported anyway: confirmed, refused whole, the problem kept beside the import.
  await pick(page, broken);
  await page.getByTestId("mo-import").click();
  assert.match(await page.getByTestId("aw-confirm-text").textContent(), /Import RHEIN-AI-broken\.xlsx as the next version of its year's report\?/);
  await page.getByTestId("aw-confirm").click();
  const refusal = page.getByTestId("aw-confirm-problems");
  await refusal.waitFor();
  assert.match(await refusal.textContent(), /RHEIN-AI-broken\.xlsx · Indicators · E4 · availability/);
  await page.keyboard.press("Escape");
  assert.match(await page.getByTestId("mo-import-problems").textContent(), /Indicators · E4 · availability/, "the refusal stays beside the import");
  assert.equal(cli(db, "monitoring", "show", "--award", String(id)).history.length, 0, "nothing stored");

  // The filled report: can be imported, then imported; the milestone awaits verification.
  await pick(page, filled);
  await page.getByTestId("mo-check").click();
  await page.getByTestId("mo-check-result").getByText(`RHEIN-AI-report.xlsx: the ${year} report can be imported (1 milestone, 2 cost lines, 2 indicators).`).waitFor();
  await pick(page, filled);
  await page.getByTestId("mo-import").click();
  await page.getByTestId("aw-confirm").click();
  await page.getByTestId("mo-done").getByText(`Imported the ${year} report as version 1. Recorded as achieved, to be verified: Hosting agreement signed (HOSTING).`).waitFor();
  assert.match(
    await page.getByTestId("mo-report-line").textContent(),
    new RegExp(`Report ${year}, version 1 of 1 \\(RHEIN-AI-report\\.xlsx, imported .+ by .+\\); costs incurred €254,000,000 \\(capex €250,000,000, opex €4,000,000\\)`),
  );
  const row = (kpi) => page.locator(`[data-testid=mo-scorecard] tr[data-kpi=${kpi}]`);
  assert.match(await row("accelerators_installed").textContent(), /Accelerators installed.*bid.*−50\.0%/s);
  assert.equal(await row("accelerators_installed").getByTestId("mo-rag").textContent(), "Red");
  assert.equal(await row("mw_energised").getByTestId("mo-rag").textContent(), "Green");
  assert.match(await row("availability").textContent(), /programme target.*not reported/s);
  assert.match(await page.getByTestId("mo-tolerance").textContent(), /Amber beyond 5% short of the claim, red beyond 15%/);
  assert.match(await page.getByTestId("mo-access").textContent(), /Entitled to .+ of the capacity \(EU contribution .+ of the total cost, capped at 50%\); allocated —/);
  assert.equal(await page.getByTestId("mo-history").locator("tbody tr").count(), 1);
  await page.locator("tr[data-milestone=HOSTING]").getByTestId("ms-state").getByText("achieved").waitFor();
  const stored = cli(db, "monitoring", "show", "--award", String(id)).reports[0];
  assert.equal(stored.rows.find((r) => r.kpi === "accelerators_installed").rag, "red", "the CLI reads the same report");
  await shot(page, "award-monitoring");

  // The acceptance run: one MLPerf Training result of the award's B300 system.
  const lines = readFileSync(join(repo, "sample-data", "benchmarks", "mlperf_training.csv"), "utf8").trim().split("\n");
  const header = csvFields(lines[0]);
  const col = (name) => header.indexOf(name);
  const fields = lines
    .slice(1)
    .map(csvFields)
    .find((f) => f[col("round")] === "5.1" && f[col("accelerator_key")] === "B300" && f[col("benchmark")] === "llama2_70b_lora" && f[col("accelerator_count")] === "8" && !f[col("duplicate_of")]);
  assert.ok(fields, "a B300 run of llama2_70b_lora at 8 accelerators in MLPerf Training v5.1");
  const acceptance = join(dir, "acceptance.csv");
  writeFileSync(acceptance, `${lines[0]}\n${csvLine(fields)}\n`);
  await page.getByTestId("mo-acceptance").click();
  await pick(page, acceptance);
  await page.getByTestId("mo-run-file").click();
  await page.getByTestId("mo-run-path").getByText(acceptance).waitFor();
  await page.getByTestId("mo-run-on").fill(new Date(Date.now() - 7 * 864e5).toISOString().slice(0, 10));
  await page.getByTestId("aw-confirm").click();
  await page.getByTestId("mo-done").getByText(/Imported the acceptance run of B300: llama2_70b_lora at 8 accelerators/).waitFor();
  const compute = cli(db, "monitoring", "show", "--award", String(id)).compute;
  assert.ok(compute, "the CLI estimates delivered compute per euro");
  const ratio = await page.getByTestId("mo-ratio").textContent();
  assert.match(ratio, /acceptance run of B300 on .+: llama2_70b_lora at 8 accelerators in .+ min against .+ min for the reference accelerator \(MLPerf Training v5\.1\)/);
  assert.match(ratio, new RegExp(`Delivered is ${(compute.ratio * 100).toFixed(1)}% of the claim`));
  assert.match(await page.getByTestId("mo-compute").textContent(), /H200e-hours per euro.*€ per H200e-hour.*Productivity p \(H200 = 1\).*Derived from MLPerf results, not verified by MLCommons/s);

  // A re-run twice as slow: below 90 % of the acceptance performance, a deviation recorded.
  const slow = [...fields];
  slow[col("time_to_train_minutes")] = String(Number(fields[col("time_to_train_minutes")]) * 2);
  const rerun = join(dir, "rerun.csv");
  writeFileSync(rerun, `${lines[0]}\n${csvLine(slow)}\n`);
  await page.getByTestId("mo-rerun").click();
  await pick(page, rerun);
  await page.getByTestId("mo-run-file").click();
  await page.getByTestId("mo-run-path").getByText(rerun).waitFor();
  await page.getByTestId("aw-confirm").click();
  await page.getByTestId("mo-done").getByText(/Imported the re-run of B300.*Benchmark shortfall recorded as a deviation: 50\.0 % of the acceptance performance/).waitFor();
  await page.getByTestId("mo-rerun-short").waitFor();
  assert.match(await page.getByTestId("aw-deviations").textContent(), /Benchmark shortfall/);
  assert.equal(cli(db, "deviation", "list", "--award", String(id)).filter((d) => d.kind === "benchmark_shortfall").length, 1);
  await shot(page, "award-monitoring-runs");
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("the portfolio's monitoring and contingent liabilities: each award's latest report, the access ledger, exposure and expected cost under the shock", async () => {
  const db = demo();
  const award = cli(db, "award", "list", "--programme", "INVESTAI").find((a) => a.acronym === "RHEIN-AI");
  const year = defaultYear(cli(db, "award", "show", String(award.id)).award.selected_on);
  // An unfilled workbook carries the award and the year: it imports, with nothing reported.
  const blank = join(tmp, `monitoring-blank-${k++}.xlsx`);
  cli(db, "monitoring", "template", "--award", String(award.id), "--year", String(year), "--out", blank);
  cli(db, "monitoring", "import", blank, "--award", String(award.id));
  const mon = cli(db, "monitoring", "portfolio", "INVESTAI");
  const { page, context, pageErrors } = await open(db, { hash: "#/portfolio/INVESTAI?tab=monitoring" });
  await page.getByTestId("mon-scores").waitFor();
  assert.equal(await page.getByTestId("mon-scores").locator("tbody tr").count(), mon.scores.length);
  assert.equal(await page.locator("[data-testid=mon-scores] tr[data-acronym=RHEIN-AI]").getByTestId("mon-report").textContent(), `${year} v1`);
  const access = mon.access.find((a) => a.acronym === "RHEIN-AI");
  const ledger = await page.locator("[data-testid=mon-access] tr[data-acronym=RHEIN-AI]").textContent();
  assert.match(ledger, new RegExp(`${year}.*${(access.contribution_share * 100).toFixed(1)}%.*50%.*${(access.entitled * 100).toFixed(1)}%`, "s"));
  await page.getByTestId("mon-scores").locator("button[data-sort=red]").click();
  await shot(page, "programme-monitoring");

  // Liabilities: computed on opening the tab, the same figures as the CLI.
  const l = cli(db, "monitoring", "liabilities", "INVESTAI");
  await page.getByTestId("pg-tab-liabilities").click();
  await page.getByTestId("lia-total").waitFor({ timeout: 180_000 });
  const eur = (cents) => new Intl.NumberFormat("en-IE", { style: "currency", currency: "EUR", maximumFractionDigits: 0 }).format(cents / 100);
  const total = await page.getByTestId("lia-total").textContent();
  assert.ok(total.includes(eur(l.exposure)), `exposure ${eur(l.exposure)} in ${total}`);
  assert.ok(total.includes(eur(l.expected)) && total.includes(eur(l.shocked)), "expected cost, and under the shock");
  assert.equal(await page.getByTestId("lia-rows").locator("tbody tr").count(), l.rows.length);
  assert.equal(await page.getByTestId("lia-years").locator("tbody tr").count(), l.by_year.length);
  const shock = await page.getByTestId("lia-shock").textContent();
  for (const moved of ["electricity price +30%", "price of new capacity −10%", "utilisation −15%"]) assert.ok(shock.includes(moved), `${moved} in ${shock}`);
  assert.match(await page.getByTestId("lia-exposure").textContent(), /€/);
  await shot(page, "programme-liabilities");
  assert.deepEqual(pageErrors, []);
  await context.close();
});
