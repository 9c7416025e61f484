// The UI in a real headless Chromium, against a mock backend that serves data produced by
// the real `gigafund --json` CLI on the demo programme.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer } from "vite";
import { chromium } from "playwright-core";

const uiDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const shots = join(uiDir, "test-results");
const bin =
  process.env.GIGAFUND_BIN ??
  join(process.env.CARGO_TARGET_DIR ?? join(uiDir, "..", "target"), "release", "gigafund");

let server;
let browser;
let baseUrl;
let fixtures;
let tmp;

function cli(db, ...args) {
  const out = execFileSync(bin, ["--db", db, "--json", ...args], { encoding: "utf8" });
  return JSON.parse(out);
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "gigafund-ui-"));
  mkdirSync(shots, { recursive: true });
  const db = join(tmp, "demo.sqlite3");
  const summary = cli(db, "demo");
  const bids = cli(db, "bid", "list");
  const details = Object.fromEntries(bids.map((b) => [String(b.id), cli(db, "bid", "show", String(b.id))]));
  const info = cli(db, "init");
  const compute = Object.fromEntries(
    summary.calls.map((c) => [
      c.code,
      { en: cli(db, "compute", "call", c.code, "--lang", "en"), fr: cli(db, "compute", "call", c.code, "--lang", "fr") },
    ]),
  );
  const estimates = Object.fromEntries(bids.map((b) => [String(b.id), cli(db, "compute", "estimate", "--bid", String(b.id))]));
  const emptyInfo = cli(join(tmp, "empty.sqlite3"), "init");
  const relative = cli(db, "compute", "relative", "--round", "5.1");
  const ref = join(uiDir, "..", "sample-data", "models", "reference.toml");
  const gfBid = bids.find((b) => b.call_code === "INVESTAI-AIGF-2026");
  const badModel = join(tmp, "bad.toml");
  writeFileSync(badModel, readFileSync(ref, "utf8").replace("util = 0.8", "util = 1.3"));
  let invalid;
  try {
    cli(db, "model", "run", badModel);
  } catch (e) {
    invalid = JSON.parse(e.stdout).error;
  }
  cli(db, "model", "run", ref, "--save", "reference");
  cli(db, "model", "mc", ref, "--paths", "500", "--save", "reference", "--note", "with Monte Carlo");
  const scenarios = cli(db, "model", "scenarios");
  const model = {
    view: { en: cli(db, "model", "run", ref, "--view"), fr: cli(db, "model", "run", ref, "--view", "--lang", "fr") },
    bidView: cli(db, "model", "run", "--bid", String(gfBid.id), "--view"),
    bidInputs: { [String(gfBid.id)]: cli(db, "model", "inputs", "--bid", String(gfBid.id)) },
    invalid,
    mc: cli(db, "model", "mc", ref, "--paths", "2000", "--seed", "1", "--view"),
    tornado: cli(db, "model", "tornado", ref, "--metric", "equity_irr", "--view"),
    seek: cli(db, "model", "solve", ref, "--param", "grant_share", "--metric", "equity_irr", "--target", "0.12"),
    scenarios,
    comparison: cli(db, "model", "compare", ...scenarios.map((s) => String(s.id))),
  };
  // Evaluation: the demo's AI Gigafactories ranking; an antenna expert still drafting.
  const evaluators = cli(db, "eval", "roster", "list");
  const aigf = "INVESTAI-AIGF-2026";
  const aifa = "EUROHPC-AIFA-2026-01";
  const aifaRows = cli(db, "eval", "assignments", "--call", aifa);
  const drafting = aifaRows.find((r) => !r.submitted);
  const drafter = evaluators.find((e) => e.id === drafting.evaluator_id);
  const evaluation = {
    identity: { locked_to: null, evaluators },
    calls: { [aigf]: cli(db, "call", "show", aigf), [aifa]: cli(db, "call", "show", aifa) },
    rank: {
      [aigf]: cli(db, "rank", "--call", aigf, "--calibration"),
      [aifa]: cli(db, "rank", "--call", aifa, "--calibration"),
    },
    assignments: { [aigf]: cli(db, "eval", "assignments", "--call", aigf), [aifa]: aifaRows },
    drafting,
    scores: cli(db, "eval", "scores", "--call", aifa, "--bid", drafting.acronym, "--as", drafter.email),
    consensus: cli(db, "eval", "consensus", "show", "--call", aigf, "--bid", "RHEIN-AI"),
  };
  // Reports: the real PDFs, base64, as the backend's `report_pdf` returns them.
  let n = 0;
  const pdf = (...args) => {
    const out = join(tmp, `report-${n++}.pdf`);
    cli(db, "report", ...args, "--out", out, "--date", "2026-11-21");
    return readFileSync(out).toString("base64");
  };
  const reports = {
    esr: { en: pdf("esr", "--bid", "RHEIN-AI"), fr: pdf("esr", "--bid", "RHEIN-AI", "--lang", "fr") },
    ranking: { en: pdf("ranking", "--call", aigf) },
    submission: { en: pdf("submission", "--bid", "THAMES-GF") },
    derisking: { en: pdf("derisking", "--scenario", String(scenarios[0].id)) },
  };
  // The import screen: a revised workbook (PUE changed in LibreOffice), a broken one, and
  // what importing the revision stored — all from the real CLI, last (it changes the database).
  const samples = join(uiDir, "..", "sample-data", "workbooks");
  const revised = join(tmp, "AURORA-GF-revised.xlsx");
  execFileSync("/usr/bin/python3", [
    join(uiDir, "..", "scripts", "lo-edit.py"),
    join(samples, "AURORA-GF.xlsx"),
    revised,
    "'Site & Energy'!E2=n:1.2",
  ]);
  const cliFailing = (...args) => {
    try {
      return cli(db, ...args);
    } catch (e) {
      return JSON.parse(e.stdout);
    }
  };
  const broken = join(samples, "broken", "wrong-types.xlsx");
  const importing = {
    revisedPath: revised,
    brokenPath: broken,
    checks: {
      [revised]: cli(db, "bid", "check", revised, "--call", aigf),
      [broken]: cliFailing("bid", "check", broken, "--call", aigf),
    },
    outcome: cli(db, "bid", "import", revised, "--call", aigf),
    versions: cli(db, "bid", "versions", "AURORA-GF", "--call", aigf),
    diff: cli(db, "bid", "diff", "AURORA-GF", "--call", aigf),
  };
  fixtures = { info, emptyInfo, summary, bids, details, compute, estimates, relative, model, evaluation, reports, importing };

  server = await createServer({
    root: uiDir,
    logLevel: "error",
    server: { port: 0, strictPort: false, host: "127.0.0.1" },
  });
  await server.listen();
  baseUrl = server.resolvedUrls.local[0];
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
    ],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A fresh page on mock.html with the given fixtures; `requests` collects every URL asked for. */
async function open(fx = {}, lang = "en", hash = "#/") {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-GB" });
  const page = await context.newPage();
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  await page.addInitScript(
    ([f, l]) => {
      window.__GIGAFUND_FIXTURES__ = f;
      localStorage.setItem("gigafund.lang", l);
    },
    [{ ...fixtures, ...fx }, lang],
  );
  await page.goto(`${baseUrl}mock.html${hash}`);
  return { page, context, requests, pageErrors };
}

const byRequested = (a, b) => b.requested_eu - a.requested_eu || a.acronym.localeCompare(b.acronym);

test("the dashboard shows every call with its budget and requested total", async () => {
  const { page, context, requests, pageErrors } = await open();
  const cards = page.getByTestId("call-card");
  await cards.first().waitFor();
  assert.equal(await cards.count(), fixtures.summary.calls.length);
  assert.equal(await page.getByTestId("kpi-bids").textContent(), String(fixtures.summary.bids));
  const gf = page.locator('[data-testid=call-card][data-code="INVESTAI-AIGF-2026"]');
  assert.equal(await gf.getByTestId("budget").textContent(), "€5,000,000,000");
  assert.match(await gf.textContent(), /oversubscribed/, "the gigafactory call asks for more than its budget");
  await page.screenshot({ path: join(shots, "dashboard.png"), fullPage: true });
  const foreign = requests.filter((u) => !u.startsWith(baseUrl));
  assert.deepEqual(foreign, [], "the UI asks nothing of any other host");
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("the bids table sorts by a column and filters by text, call and eligibility", async () => {
  const { page, context } = await open({}, "en", "#/bids");
  const rows = page.locator("[data-testid=bids-table] tbody tr[data-acronym]");
  await rows.first().waitFor();
  assert.equal(await rows.count(), fixtures.bids.length);

  await page.locator("button[data-sort=requested_eu]").click();
  const desc = [...fixtures.bids].sort(byRequested).map((b) => b.acronym);
  assert.equal(await rows.first().getAttribute("data-acronym"), desc[0], "largest request first");
  assert.equal(
    await page.locator("th:has(button[data-sort=requested_eu])").getAttribute("aria-sort"),
    "descending",
  );
  await page.locator("button[data-sort=requested_eu]").click();
  assert.equal(await rows.first().getAttribute("data-acronym"), desc[desc.length - 1], "then smallest first");

  await page.keyboard.press("/");
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("data-testid")), "filter");
  await page.keyboard.type("baltic");
  assert.deepEqual(await rows.evaluateAll((r) => r.map((x) => x.dataset.acronym)), ["BALTIC-AIF"]);
  await page.getByTestId("filter").fill("");

  await page.getByTestId("call-filter").selectOption("EUROHPC-AIFA-2026-01");
  const antennas = fixtures.bids.filter((b) => b.call_code === "EUROHPC-AIFA-2026-01").length;
  assert.equal(await rows.count(), antennas);
  await page.getByTestId("call-filter").selectOption("");

  await page.getByTestId("eligibility-filter").selectOption("ineligible");
  const ineligible = fixtures.bids.filter((b) => !b.eligible).map((b) => b.acronym).sort();
  assert.ok(ineligible.includes("THAMES-GF"));
  assert.deepEqual((await rows.evaluateAll((r) => r.map((x) => x.dataset.acronym))).sort(), ineligible);
  await page.screenshot({ path: join(shots, "bids-ineligible.png"), fullPage: true });
  await context.close();
});

test("keyboard: arrows move between rows, Enter opens a bid, Escape goes back", async () => {
  const { page, context } = await open({}, "en", "#/bids");
  const rows = page.locator("[data-testid=bids-table] tbody tr[data-acronym]");
  await rows.first().waitFor();
  await rows.first().focus();
  await page.keyboard.press("ArrowDown");
  const second = await rows.nth(1).getAttribute("data-acronym");
  await page.keyboard.press("Enter");
  await page.getByTestId("bid-acronym").waitFor();
  assert.equal(await page.getByTestId("bid-acronym").textContent(), second);
  await page.keyboard.press("Escape");
  await rows.first().waitFor();
  assert.match(page.url(), /#\/bids$/);
  await context.close();
});

test("a bid's detail shows the failed eligibility rule with its data and the consortium by country", async () => {
  const thames = fixtures.bids.find((b) => b.acronym === "THAMES-GF");
  const { page, context } = await open({}, "en", `#/bid/${thames.id}`);
  await page.getByTestId("bid-acronym").waitFor();
  assert.equal(await page.getByTestId("eligibility-badge").textContent().then((t) => t.trim()), "Ineligible");
  const site = page.locator("[data-testid=rules] li.fail", { hasText: "SITE" });
  assert.match(await site.textContent(), /Thurrock is in GB/);
  assert.match(await page.getByTestId("countries").textContent(), /United Kingdom/);
  assert.match(await page.getByTestId("financing").textContent(), /€1,200,000,000/);
  await page.screenshot({ path: join(shots, "bid-thames.png"), fullPage: true });
  await context.close();
});

test("in French, texts, euros and country names follow the language", async () => {
  const { page, context } = await open({}, "fr");
  await page.getByTestId("call-card").first().waitFor();
  assert.equal(await page.locator("h1").textContent(), "Vue d’ensemble du programme");
  const budget = await page
    .locator('[data-testid=call-card][data-code="INVESTAI-AIGF-2026"]')
    .getByTestId("budget")
    .textContent();
  assert.match(budget, /^5\s000\s000\s000\s€$/u, `French euro format, got ${budget}`);
  const thames = fixtures.bids.find((b) => b.acronym === "THAMES-GF");
  await page.goto(`${baseUrl}mock.html#/bid/${thames.id}`);
  await page.getByTestId("bid-acronym").waitFor();
  assert.match(await page.getByTestId("countries").textContent(), /Royaume-Uni/);
  assert.equal(await page.getByTestId("eligibility-badge").textContent().then((t) => t.trim()), "Inéligible");

  // Switching back to English from the sidebar applies at once.
  await page.getByTestId("lang").selectOption("en");
  assert.equal(await page.getByTestId("eligibility-badge").textContent().then((t) => t.trim()), "Ineligible");
  await context.close();
});

test("a backend error reaches the user with its code and message", async () => {
  const { page, context } = await open({}, "en", "#/bid/999999");
  const alert = page.getByRole("alert");
  await alert.waitFor();
  assert.equal(await alert.getAttribute("data-code"), "NotFound");
  assert.match(await alert.textContent(), /bid '999999' not found/);
  await page.getByRole("button", { name: "Dismiss" }).click();
  assert.equal(await page.getByRole("alert").count(), 0);
  await context.close();

  const failing = await open({
    failures: { programme_summary: { code: "Internal", message: "database error: disk I/O error", problems: [] } },
  });
  await failing.page.getByRole("alert").waitFor();
  assert.match(await failing.page.getByRole("alert").textContent(), /disk I\/O error/);
  await failing.context.close();
});

test("on first run an empty database offers the demo programme", async () => {
  const { page, context } = await open({ info: fixtures.emptyInfo, demo: { info: fixtures.info } });
  await page.getByTestId("first-run").waitFor();
  await page.screenshot({ path: join(shots, "first-run.png") });
  await page.getByRole("button", { name: "Load the demo programme" }).click();
  await page.getByTestId("call-card").first().waitFor();
  const calls = await page.evaluate(() => window.__GIGAFUND_CALLS__.map((c) => c.cmd));
  assert.ok(calls.includes("load_demo"), `load_demo was called: ${calls}`);
  assert.equal(await page.getByTestId("call-card").count(), fixtures.summary.calls.length);
  await context.close();
});

test("compute per euro: a sortable table and the library's chart, labelled as derived", async () => {
  const code = "INVESTAI-AIGF-2026";
  const { page, context, pageErrors } = await open({}, "en", `#/compute?call=${code}`);
  const rows = page.locator("[data-testid=compute-table] tbody tr[data-acronym]");
  await rows.first().waitFor();
  const expected = fixtures.compute[code].en.rows;
  assert.equal(await rows.count(), expected.length);
  const cheapest = [...expected].sort((a, b) => a.estimate.central.eur_per_h200e_hour - b.estimate.central.eur_per_h200e_hour)[0];
  assert.equal(await rows.first().getAttribute("data-acronym"), cheapest.acronym, "sorted by € per H200e-hour, cheapest first");
  await page.locator("button[data-sort=mwh]").click();
  const efficient = [...expected].sort((a, b) => b.estimate.central.h200e_hours_per_mwh - a.estimate.central.h200e_hours_per_mwh)[0];
  assert.equal(await rows.first().getAttribute("data-acronym"), efficient.acronym, "then most H200e-hours per MWh first");
  const chart = page.getByTestId("compute-chart").locator("svg");
  assert.equal(await chart.count(), 1, "the chart is the library's SVG");
  assert.match(await chart.textContent(), new RegExp(cheapest.acronym));
  assert.match(await page.getByTestId("compute-label").textContent(), /derived, not verified by MLCommons/);
  const flagged = expected.filter((r) => r.plausibility?.flagged).map((r) => r.acronym).sort();
  const shown = await page
    .locator("[data-testid=compute-table] tbody tr[data-acronym]:has([data-testid=plausibility] .badge.bad)")
    .evaluateAll((rs) => rs.map((r) => r.dataset.acronym).sort());
  assert.deepEqual(shown, flagged, "the bids whose power claim is atypical are flagged");
  const relativeRows = page.locator("[data-testid=relative-table] tbody tr");
  assert.equal(await relativeRows.count(), fixtures.relative.rows.length, "the relative-productivity table is a view too");
  await page.screenshot({ path: join(shots, "compute.png"), fullPage: true });

  // A bid's page shows its compute figures too.
  await page.goto(`${baseUrl}mock.html#/bid/${cheapest.bid_id}`);
  await page.getByTestId("bid-compute").waitFor();
  assert.match(await page.getByTestId("bid-compute").textContent(), /derived, not verified by MLCommons/);

  // In French the chart's axes are French.
  await page.getByTestId("lang").selectOption("fr");
  await page.goto(`${baseUrl}mock.html#/compute?call=${code}`);
  await page.getByTestId("compute-chart").locator("svg").waitFor();
  assert.match(await page.getByTestId("compute-chart").textContent(), /€ par H200e-heure/);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("finance: live results, refused inputs named, Monte Carlo with progress, tornado, goal seek and scenarios", async () => {
  const { page, context, pageErrors } = await open({}, "en", "#/finance");
  const irr = page.locator("[data-testid=model-kpis] [data-metric=equity_irr] .value");
  await irr.waitFor();
  assert.equal(await irr.textContent(), "7.01%", "FINANCE.md's base equity IRR");
  assert.equal(await page.getByTestId("cash-flow-chart").locator("svg").count(), 1);
  assert.match(await page.getByTestId("dscr-chart").textContent(), /lock-up 1.10/);

  // An input outside its range is refused with its key, and the field is marked.
  const util = page.locator("input[data-key=util]");
  await util.fill("1.3");
  await page.getByTestId("model-problems").waitFor();
  assert.match(await page.getByTestId("model-problems").textContent(), /util.*\[0, 1\]/);
  assert.equal(await util.getAttribute("aria-invalid"), "true");
  await util.fill("0.8");
  await page.getByTestId("model-problems").waitFor({ state: "detached" });

  // Monte Carlo: a progress bar while it runs, then the histogram and the statistics.
  await page.getByTestId("mc-run").click();
  await page.getByTestId("mc-progress").waitFor();
  await page.getByTestId("mc-chart").locator("svg").waitFor();
  const pd = fixtures.model.mc.monte_carlo.pd_payment_default;
  assert.match(await page.getByTestId("mc-stats").textContent(), new RegExp(`${(pd * 100).toFixed(1)}%`));
  assert.match(await page.getByTestId("mc-chart").textContent(), /P50/);
  // …and a run can be cancelled.
  await page.getByTestId("mc-run").click();
  await page.getByTestId("mc-cancel").click();
  assert.match(await page.getByTestId("mc-message").textContent(), /Cancelled/);

  await page.getByTestId("tornado-run").click();
  await page.getByTestId("tornado-chart").locator("svg").waitFor();
  assert.match(await page.getByTestId("tornado-chart").textContent(), /p_new/);

  // Goal seek in a dialog (Ctrl+G), and its answer applied to the input.
  await page.keyboard.press("Control+g");
  await page.getByTestId("seek-solve").click();
  await page.getByTestId("seek-result").waitFor();
  assert.match(await page.getByTestId("seek-result").textContent(), /grant_share = 0\.519/);
  await page.getByTestId("seek-apply").click();
  assert.match(await page.locator("input[data-key=grant_share]").inputValue(), /^0\.519/);

  // Scenarios: save one (with the Monte Carlo run only if the inputs did not change), compare two.
  await page.getByTestId("scenario-name").fill("half grants");
  await page.getByTestId("scenario-save").click();
  await page.getByTestId("scenario-saved").waitFor();
  assert.match(await page.getByTestId("scenario-saved").textContent(), /half grants.*version 1/);
  const calls = await page.evaluate(() => window.__GIGAFUND_CALLS__.filter((c) => c.cmd === "scenario_save"));
  assert.equal(calls.length, 1);
  assert.equal(calls[0].args.monteCarlo, null, "the Monte Carlo run belongs to other inputs");
  const boxes = page.locator("[data-testid=scenario-table] tbody input[type=checkbox]");
  assert.ok((await boxes.count()) >= 3);
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await page.getByTestId("scenario-compare").click();
  await page.getByTestId("comparison").waitFor();
  assert.match(await page.getByTestId("comparison").textContent(), /Equity IRR/);
  // A scenario's de-risking report is previewed from the real PDF, then written where the
  // native save dialog says.
  await page.getByTestId("scenario-report").first().click();
  await page.waitForFunction(() => document.querySelector("[data-testid=report-pages-view]")?.dataset.rendered);
  assert.ok(Number(await page.getByTestId("report-pages-view").getAttribute("data-rendered")) >= 3);
  await page.getByTestId("report-save").click();
  await page.getByTestId("report-saved").waitFor();
  assert.match(await page.getByTestId("report-saved").textContent(), /derisking-reference-v1\.pdf/);
  const reportCall = await page.evaluate(() => window.__GIGAFUND_CALLS__.find((c) => c.cmd === "report_save"));
  assert.equal(reportCall.args.lang, "en");
  assert.equal(reportCall.args.request.kind, "derisking");
  assert.equal(reportCall.args.path, "/home/analyst/derisking-reference-v1.pdf");
  await page.keyboard.press("Escape");
  await page.getByTestId("report-preview").waitFor({ state: "detached" });
  await page.screenshot({ path: join(shots, "finance.png"), fullPage: true });

  // In French: words, percentages and chart labels.
  await page.getByTestId("lang").selectOption("fr");
  await page.waitForFunction(() => document.querySelector("[data-testid=model-kpis] [data-metric=equity_irr] .label")?.textContent === "TRI des fonds propres");
  await page.waitForFunction(() => /blocage/.test(document.querySelector("[data-testid=dscr-chart]")?.textContent ?? ""));
  assert.match(await page.locator("[data-testid=model-kpis] [data-metric=equity_irr] .value").textContent(), /^\d+,\d+\s?%$/);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("finance: a bid's model comes from its own lines, with notes on what was assumed", async () => {
  const id = Object.keys(fixtures.model.bidInputs)[0];
  const { page, context, pageErrors } = await open({}, "en", `#/bid/${id}`);
  await page.getByTestId("model-bid").click();
  await page.locator("[data-testid=model-kpis] [data-metric=debt] .value").waitFor();
  assert.equal(await page.getByTestId("model-source").inputValue(), id);
  assert.match(await page.locator("details.notes").textContent(), /bid's lines/);
  const debt = fixtures.model.bidView.outcome.metrics.debt;
  assert.match(await page.locator("[data-testid=model-kpis] [data-metric=debt] .value").textContent(), new RegExp(`€${(debt / 1e9).toFixed(1)}B`));
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("the ranking shows the budget line, the tie trace and the advisory calibration", async () => {
  const code = "INVESTAI-AIGF-2026";
  const { page, context, requests, pageErrors } = await open({}, "en", `#/evaluation?call=${code}`);
  const rows = page.getByTestId("ev-row");
  await rows.first().waitFor();
  const ranking = fixtures.evaluation.rank[code].ranking;
  assert.equal(await rows.count(), ranking.bids.length);
  const order = await page.locator("[data-testid=ev-ranking] tbody tr").evaluateAll((trs) =>
    trs.map((tr) => (tr.dataset.testid === "ev-budget-line" ? "LINE" : tr.querySelector("a")?.textContent)),
  );
  const main = ranking.bids.filter((b) => b.list === "main").map((b) => b.acronym);
  assert.deepEqual(order.slice(0, main.length + 1), [...main, "LINE"], "the budget line follows the last funded bid");
  assert.match(await page.getByTestId("ev-budget-line").textContent(), /Budget line — €4,350\.0m|Budget line — €4\.35bn|Budget line/);
  assert.match(await page.getByTestId("ev-ties").textContent(), /RHEIN-AI before AURORA-GF — new_member_states/);
  assert.match(await page.getByTestId("ev-advisory").textContent(), /^Advisory/);
  const bars = page.locator("[data-testid=ev-leniency-chart] rect");
  assert.ok((await bars.count()) >= 1, "a bar per evaluator with a z-score");
  await page.getByTestId("ev-list-filter").selectOption("reserve");
  assert.equal(await rows.count(), ranking.bids.filter((b) => b.list === "reserve").length);
  assert.match(await rows.first().textContent(), /VISTULA-AI/);
  await page.screenshot({ path: join(shots, "evaluation-ranking.png"), fullPage: true });
  assert.deepEqual(pageErrors, []);
  assert.ok(requests.every((u) => u.startsWith(baseUrl)), "no request leaves the machine");
  await context.close();
});

test("an expert scores with autosave, sees no one else before submitting, and submits with Ctrl+Enter", async () => {
  const code = "EUROHPC-AIFA-2026-01";
  const d = fixtures.evaluation.drafting;
  const { page, context, pageErrors } = await open({}, "fr", `#/evaluation?call=${code}`);
  await page.getByTestId("ev-as").waitFor();
  await page.getByTestId("ev-as").selectOption(String(d.evaluator_id));
  await page.getByTestId("ev-tab-scoring").click();
  const row = page.locator("[data-testid=ev-assignments] tr", { hasText: d.acronym });
  await row.getByTestId("ev-score-open").click();
  await page.getByTestId("ev-scoring").waitFor();
  assert.match(await page.getByTestId("ev-hidden").textContent(), /une fois les vôtres soumises/);
  await page.getByTestId("ev-score-IMPACT").selectOption("4");
  await page.getByTestId("ev-comment-IMPACT").fill("Une analyse détaillée de l’impact attendu sur les PME, le secteur public et la recherche, avec des indicateurs.");
  await page.waitForFunction(() => window.__GIGAFUND_CALLS__.some((c) => c.cmd === "eval_score_set" && c.args.input.criterion === "IMPACT" && c.args.input.comment.startsWith("Une analyse")));
  const set = await page.evaluate(() => window.__GIGAFUND_CALLS__.filter((c) => c.cmd === "eval_score_set").at(-1).args);
  assert.deepEqual({ bid: set.input.bid_id, who: set.input.evaluator_id, score: set.input.score }, { bid: d.bid_id, who: d.evaluator_id, score: 4 });
  await page.keyboard.press("Control+Enter");
  await page.getByTestId("ev-others").waitFor({ state: "attached" });
  assert.equal(await page.getByTestId("ev-hidden").count(), 0);
  const submitted = await page.evaluate(() => window.__GIGAFUND_CALLS__.find((c) => c.cmd === "eval_submit")?.args);
  assert.deepEqual(submitted, { call: code, bid: d.bid_id, evaluator: d.evaluator_id });
  await page.getByTestId("ev-tab-ranking").click();
  assert.match(await page.locator("main").textContent(), /Provisoire/);
  await page.screenshot({ path: join(shots, "evaluation-scoring-fr.png"), fullPage: true });
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("the consensus view highlights a divergent criterion with its reconciliation note", async () => {
  const code = "INVESTAI-AIGF-2026";
  const { page, context, pageErrors } = await open({}, "en", `#/evaluation?call=${code}`);
  await page.getByTestId("ev-tab-scoring").click();
  const row = page.locator("[data-testid=ev-assignments] tr", { hasText: "RHEIN-AI" }).first();
  await row.getByRole("button", { name: "Consensus…" }).click();
  await page.getByTestId("co-approval").waitFor();
  const cons = fixtures.evaluation.consensus;
  const divergent = cons.criteria.filter((c) => c.divergent);
  assert.equal(await page.locator("section.criterion.divergent").count(), divergent.length);
  for (const c of divergent) {
    const section = page.locator(`section.criterion[data-criterion=${c.code}]`);
    assert.match(await section.textContent(), /a reconciliation note is required/);
    assert.equal(await section.getByTestId(`co-note-${c.code}`).inputValue(), c.consensus.reconciliation_note ?? "");
  }
  assert.equal(await page.locator("section.criterion").count(), cons.criteria.length);
  assert.equal(await page.getByTestId("co-complete").count(), cons.complete ? 1 : 0);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("an ESR is previewed page by page from the real PDF, in either language, and saved; all ESRs with progress", async () => {
  const code = "INVESTAI-AIGF-2026";
  const { page, context, requests, pageErrors } = await open({}, "en", `#/evaluation?call=${code}`);
  const rows = page.getByTestId("ev-row");
  await rows.first().waitFor();
  const rhein = rows.filter({ hasText: "RHEIN-AI" });
  await rhein.getByTestId("report-esr").click();
  const preview = page.getByTestId("report-preview");
  await preview.waitFor();
  const view = page.getByTestId("report-pages-view");
  await page.waitForFunction(() => document.querySelector("[data-testid=report-pages-view]")?.dataset.rendered);
  const pages = Number(await view.getAttribute("data-rendered"));
  assert.ok(pages >= 2, `${pages} pages`);
  assert.equal(await view.locator("canvas").count(), pages);
  assert.equal(await page.getByTestId("report-pages").textContent(), `${pages} pages`);
  // The canvases hold a drawn page, not a blank one.
  const inked = await view.locator("canvas").first().evaluate((c) => {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let dark = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 128 && d[i + 1] < 128) dark += 1;
    return dark;
  });
  assert.ok(inked > 1000, `${inked} dark pixels on page 1`);
  await page.screenshot({ path: join(shots, "report-preview.png") });
  // French: the backend is asked again in French.
  await page.getByTestId("report-lang").selectOption("fr");
  await page.waitForFunction(() => window.__GIGAFUND_CALLS__.filter((c) => c.cmd === "report_pdf").length >= 2);
  const asked = await page.evaluate(() => window.__GIGAFUND_CALLS__.filter((c) => c.cmd === "report_pdf").map((c) => c.args));
  assert.deepEqual(asked.at(-1).request, { kind: "esr", bid_id: fixtures.bids.find((b) => b.acronym === "RHEIN-AI").id });
  assert.equal(asked.at(-1).lang, "fr");
  await page.getByTestId("report-save").click();
  assert.match(await page.getByTestId("report-saved").textContent(), /derisking-reference-v1\.pdf|\.pdf/);
  const saves = await page.evaluate(() => window.__GIGAFUND_CALLS__.filter((c) => c.cmd === "report_save").map((c) => c.args));
  assert.equal(saves.length, 1);
  assert.equal(saves[0].lang, "fr");
  await page.keyboard.press("Escape");
  await preview.waitFor({ state: "detached" });

  // Every ESR of the call into a folder, with a progress bar.
  await page.getByTestId("report-all").click();
  await page.getByTestId("report-batch").waitFor();
  await page.getByTestId("report-batch-done").waitFor();
  const total = fixtures.evaluation.rank[code].ranking.bids.length;
  assert.match(await page.getByTestId("report-batch-done").textContent(), new RegExp(`^${total} ESRs written to /home/evaluator/esr`));
  const starts = await page.evaluate(() => window.__GIGAFUND_CALLS__.filter((c) => c.cmd === "report_batch_start").map((c) => c.args));
  assert.deepEqual(starts, [{ call: code, lang: "en", dir: "/home/evaluator/esr" }]);
  assert.deepEqual(pageErrors, []);
  assert.ok(requests.every((u) => u.startsWith(baseUrl)), "no request leaves the machine");
  await context.close();
});

test("an applicant previews the submission summary of a bid; Escape closes the preview before leaving the bid", async () => {
  const thames = fixtures.bids.find((b) => b.acronym === "THAMES-GF");
  const { page, context, pageErrors } = await open({}, "en", `#/bid/${thames.id}`);
  await page.getByTestId("report-submission").click();
  await page.waitForFunction(() => document.querySelector("[data-testid=report-pages-view]")?.dataset.rendered);
  const asked = await page.evaluate(() => window.__GIGAFUND_CALLS__.filter((c) => c.cmd === "report_pdf").map((c) => c.args));
  assert.deepEqual(asked[0].request, { kind: "submission", bid_id: thames.id });
  await page.keyboard.press("Escape");
  await page.getByTestId("report-preview").waitFor({ state: "detached" });
  assert.equal(await page.getByTestId("bid-acronym").textContent(), "THAMES-GF", "still on the bid");
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("the import screen lists a workbook's problems by sheet and cell, then imports a revision as a new version", async () => {
  const { page, context, pageErrors } = await open({}, "en", "#/import");
  await page.getByTestId("import-call").waitFor();
  // A broken workbook: three errors, located; nothing can be imported.
  await page.evaluate((p) => (window.__GIGAFUND_PICK__ = p), fixtures.importing.brokenPath);
  await page.getByTestId("import-choose").click();
  const rows = page.locator("[data-testid=problems] tbody tr");
  await rows.first().waitFor();
  assert.equal(await rows.count(), 3);
  assert.match(await page.getByTestId("import-ready").textContent(), /Not ready · 3 errors, 0 warnings/);
  assert.deepEqual(await rows.evaluateAll((r) => r.map((x) => x.dataset.cell)), [
    "Site & Energy › E2",
    "Hardware › C2",
    "Capex › D3",
  ]);
  await page.locator("button[data-sort=cell]").click();
  assert.deepEqual(await rows.evaluateAll((r) => r.map((x) => x.dataset.cell)), [
    "Hardware › C2",
    "Site & Energy › E2",
    "Capex › D3",
  ], "row 2 before row 3, then column order");
  await page.getByTestId("problem-filter").fill("twelve");
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().textContent(), /a number is required/);
  assert.ok(await page.getByTestId("import-draft").isDisabled());
  assert.ok(await page.getByTestId("import-package").isDisabled());
  assert.ok(!(await page.getByTestId("import-annotate").isDisabled()), "the annotated copy is offered");
  await page.screenshot({ path: join(shots, "import-problems.png"), fullPage: true });

  // The revised workbook: ready, one change against the stored version, imported as version 2.
  await page.evaluate((p) => (window.__GIGAFUND_PICK__ = p), fixtures.importing.revisedPath);
  await page.getByTestId("import-choose").click();
  await page.getByTestId("no-problems").waitFor();
  assert.match(await page.getByTestId("import-ready").textContent(), /Ready to submit/);
  const changes = page.locator("[data-testid=changes] tbody tr");
  assert.equal(await changes.count(), 1);
  assert.match(await changes.first().textContent(), /sites\[1\]\.pue\s*1\.12\s*1\.2/);
  await page.getByTestId("import-draft").click();
  assert.match(await page.getByTestId("import-confirm").textContent(), /Import AURORA-GF as version 2\?/);
  await page.getByTestId("import-yes").click();
  await page.getByTestId("versions").waitFor();
  assert.equal(await page.getByTestId("import-message").textContent(), "Imported AURORA-GF version 2 (Draft).");
  assert.equal(await page.locator("[data-testid=versions] tbody tr[data-version]").count(), 2);
  await page.locator("[data-version='2'] button").click();
  assert.match(await page.getByTestId("version-diff").textContent(), /sites\[1\]\.pue/);
  await page.screenshot({ path: join(shots, "import-versions.png"), fullPage: true });
  const calls = await page.evaluate(() => window.__GIGAFUND_CALLS__.filter((c) => c.cmd === "workbook_import"));
  assert.deepEqual(calls.map((c) => c.args), [{ path: fixtures.importing.revisedPath, call: "INVESTAI-AIGF-2026", submit: false }]);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("the import screen speaks French", async () => {
  const { page, context } = await open({}, "fr", "#/import");
  await page.evaluate((p) => (window.__GIGAFUND_PICK__ = p), fixtures.importing.brokenPath);
  await page.getByTestId("import-choose").click();
  await page.locator("[data-testid=problems] tbody tr").first().waitFor();
  assert.match(await page.getByTestId("import-ready").textContent(), /Pas prêt · 3 erreurs, 0 avertissement/);
  assert.match(await page.locator("h1").textContent(), /Importer un classeur de candidature/);
  await context.close();
});
