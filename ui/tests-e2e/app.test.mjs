// The real desktop app (the Tauri binary with the built UI inside), launched by
// tauri-driver + WebKitWebDriver under a virtual display, on a demo database made by the
// real CLI. Run through `xvfb-run -a` (see scripts/test.sh).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { startApp, uiDir, cliBin, appBin, shots } from "./driver.mjs";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";


let app;
let tmp;
let wd;
let s;
let find;
let findAll;
let text;
let click;
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "gigafund-e2e-"));
  const db = join(tmp, "demo.sqlite3");
  execFileSync(cliBin, ["--db", db, "demo"], { stdio: "ignore" });
  app = await startApp({ appBin, db, home: join(tmp, "home"), shots });
  ({ wd, s, find, findAll, text, click } = app);
});

after(async () => {
  await app?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true, maxRetries: 60, retryDelay: 250 });
});

test("the app opens on the demo programme with the Gigafund window title", async () => {
  assert.equal(await wd("GET", s("/title")), "Gigafund");
  await find("[data-testid=call-card]");
  const cards = await findAll("[data-testid=call-card]");
  assert.equal(cards.length, 3, "three demo calls");
  assert.equal(await text(await find("[data-testid=kpi-bids]")), "12");
  assert.equal(await text(await find("[data-testid=db-path]")), "demo.sqlite3");
  const png = await wd("GET", s("/screenshot"));
  mkdirSync(join(uiDir, "test-results"), { recursive: true });
  writeFileSync(join(uiDir, "test-results", "app-dashboard.png"), Buffer.from(png, "base64"));
});

test("About (F1) names the version, the database's schema and file, the licence and the attributions", async () => {
  const info = JSON.parse(execFileSync(cliBin, ["--db", join(tmp, "demo.sqlite3"), "--json", "init"], { encoding: "utf8" }));
  const version = execFileSync(cliBin, ["--version"], { encoding: "utf8" }).trim().split(" ").pop();
  await app.clickCss("[data-testid=about]");
  const dialog = await app.waitText("[data-testid=about-dialog]", /Epoch AI/);
  assert.equal(await text(await find("[data-testid=about-version]")), `Gigafund ${version}`);
  assert.equal(await text(await find("[data-testid=about-schema]")), `version ${info.schema_version}`);
  assert.equal(await text(await find("[data-testid=about-db]")), join(tmp, "demo.sqlite3"));
  for (const needle of ["CC BY 4.0", "MLPerf is a trademark of MLCommons", "DejaVu", "EUPL"]) assert.ok(dialog.includes(needle), needle);
  await app.screenshot("app-about");
  await app.exec(`document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true })); return true;`);
  await app.waitCount("[data-testid=about-dialog]", 0);
  // F1 opens it again from anywhere.
  await app.exec(`document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "F1", bubbles: true })); return true;`);
  await app.waitCount("[data-testid=about-dialog]", 1);
  await app.exec(`document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true })); return true;`);
  await app.waitCount("[data-testid=about-dialog]", 0);
});

test("the bids table and a bid's detail work in the real app", async () => {
  await click(await find("a[href='#/bids']"));
  await find("tr[data-acronym]");
  const rows = await findAll("tr[data-acronym]");
  assert.equal(rows.length, 12);
  // A cell, not the row: WebKit's driver does not click table rows.
  await click(await find("tr[data-acronym='THAMES-GF'] td strong"));
  assert.equal(await text(await find("[data-testid=bid-acronym]")), "THAMES-GF");
  assert.equal(await text(await find("[data-testid=eligibility-badge]")), "Ineligible");
  const rules = await text(await find("[data-testid=rules]"));
  assert.match(rules, /Thurrock is in GB/);
  const png = await wd("GET", s("/screenshot"));
  writeFileSync(join(uiDir, "test-results", "app-bid.png"), Buffer.from(png, "base64"));
});

test("the compute comparison renders the library's chart in the real app", async () => {
  await click(await find("a[href='#/compute']"));
  await find("[data-testid=compute-table] tr[data-acronym]");
  const rows = await findAll("[data-testid=compute-table] tr[data-acronym]");
  assert.equal(rows.length, 5, "five bids in the first call (the gigafactory call)");
  const chart = await text(await find("[data-testid=compute-chart]"));
  assert.match(chart, /AURORA-GF/);
  assert.match(await text(await find("[data-testid=compute-label]")), /derived, not verified by MLCommons/);
  const png = await wd("GET", s("/screenshot"));
  writeFileSync(join(uiDir, "test-results", "app-compute.png"), Buffer.from(png, "base64"));
});

test("the finance model runs in the real app: live metrics, Monte Carlo, a scenario saved to the database", async () => {
  await click(await find("a[href='#/finance']"));
  const irr = await find("[data-testid=model-kpis] [data-metric=equity_irr] .value");
  assert.match(await text(irr), /^7\.01\s?%$/, "FINANCE.md's base equity IRR from the real engine");
  // Editing an input recomputes: a higher price raises the equity IRR.
  const price = await find("input[data-key=p_new]");
  await wd("POST", s(`/element/${price}/clear`), {});
  await wd("POST", s(`/element/${price}/value`), { text: "4.00015" });
  for (let i = 0; i < 50 && !/^12\.00\s?%$/.test(await text(irr)); i++) await new Promise((r) => setTimeout(r, 100));
  assert.match(await text(irr), /^12\.00\s?%$/, "FINANCE.md's goal-seek answer: p_new 4.00015 gives 12 %");
  await wd("POST", s(`/element/${price}/clear`), {});
  await wd("POST", s(`/element/${price}/value`), { text: "3.5" });
  for (let i = 0; i < 50 && !/^7\.01\s?%$/.test(await text(irr)); i++) await new Promise((r) => setTimeout(r, 100));
  const paths = await find("[data-testid=mc-paths]");
  await wd("POST", s(`/element/${paths}/clear`), {});
  await wd("POST", s(`/element/${paths}/value`), { text: "4000" });
  await click(await find("[data-testid=mc-run]"));
  const stats = await text(await find("[data-testid=mc-stats]"));
  const pd = Number(/([\d.]+)\s?%/.exec(stats)?.[1]);
  assert.ok(pd > 40 && pd < 65, `P(payment default) ${pd} % near FINANCE.md's 52 %`);
  assert.match(await text(await find("[data-testid=mc-chart]")), /P50/);
  const name = await find("[data-testid=scenario-name]");
  await wd("POST", s(`/element/${name}/clear`), {});
  await wd("POST", s(`/element/${name}/value`), { text: "e2e reference" });
  await click(await find("[data-testid=scenario-save]"));
  assert.match(await text(await find("[data-testid=scenario-saved]")), /e2e reference.*version 1/);
  const png = await wd("GET", s("/screenshot"));
  writeFileSync(join(uiDir, "test-results", "app-finance.png"), Buffer.from(png, "base64"));
  // The scenario is in the database, with its Monte Carlo summary, through the CLI.
  const db = join(tmp, "demo.sqlite3");
  const list = JSON.parse(execFileSync(cliBin, ["--db", db, "--json", "model", "scenarios"], { encoding: "utf8" }));
  const saved = list.find((x) => x.name === "e2e reference");
  assert.ok(saved, "saved scenario listed by the CLI");
  assert.equal(saved.monte_carlo.paths, 4000);
  assert.ok(Math.abs(saved.metrics.equity_irr - 0.0700602) < 1e-7);
});

test("the evaluation view ranks the demo call from the real database", async () => {
  await click(await find("a[href='#/evaluation']"));
  await find("[data-testid=ev-row]");
  const rows = await findAll("[data-testid=ev-row]");
  assert.equal(rows.length, 5, "the five gigafactory bids");
  assert.match(await text(await find("[data-testid=ev-budget-line]")), /Budget line/);
  assert.match(await text(await find("[data-testid=ev-ties]")), /RHEIN-AI before AURORA-GF/);
  assert.match(await text(await find("[data-testid=ev-advisory]")), /^Advisory/);
  const png = await wd("GET", s("/screenshot"));
  writeFileSync(join(uiDir, "test-results", "app-evaluation.png"), Buffer.from(png, "base64"));
  // The same ranking through the CLI.
  const db = join(tmp, "demo.sqlite3");
  const r = JSON.parse(execFileSync(cliBin, ["--db", db, "--json", "rank", "--call", "INVESTAI-AIGF-2026"], { encoding: "utf8" }));
  assert.deepEqual(r.ranking.bids.map((b) => b.list), ["main", "main", "main", "reserve", "rejected"]);
});

test("an ESR is previewed in the real app from the real PDF, drawn by the bundled pdf.js", async () => {
  await click(await find("a[href='#/evaluation']"));
  await find("[data-testid=ev-row]");
  const rows = await findAll("[data-testid=ev-row]");
  let rhein;
  for (const r of rows) if ((await text(r)).includes("RHEIN-AI")) rhein = r;
  assert.ok(rhein, "RHEIN-AI is ranked");
  const button = await wd("POST", s(`/element/${rhein}/element`), { using: "css selector", value: "[data-testid=report-esr]" });
  await click(button[ELEMENT]);
  const view = await find("[data-testid=report-pages-view][data-rendered]");
  const pages = Number(await wd("GET", s(`/element/${view}/attribute/data-rendered`)));
  assert.ok(pages >= 2, `${pages} pages rendered`);
  assert.equal((await findAll("[data-testid=report-pages-view] canvas")).length, pages);
  assert.equal(await text(await find("[data-testid=report-pages]")), `${pages} pages`);
  // The first page is drawn (dark pixels of text), not a blank canvas.
  const dark = await wd("POST", s("/execute/sync"), {
    script: `const c = document.querySelector("[data-testid=report-pages-view] canvas");
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 128 && d[i + 1] < 128) n++; return n;`,
    args: [],
  });
  assert.ok(dark > 1000, `${dark} dark pixels on page 1`);
  const png = await wd("GET", s("/screenshot"));
  writeFileSync(join(uiDir, "test-results", "app-report-preview.png"), Buffer.from(png, "base64"));
  await click(await find("[data-testid=report-close]"));
});

test("the programme view in the real app: the envelope and the map drawn by the library, an award's page and the portfolio report", async () => {
  await click(await find("[data-testid=nav-portfolio]"));
  await find("[data-testid=pg-envelope] tbody tr");
  const portfolio = JSON.parse(execFileSync(cliBin, ["--db", join(tmp, "demo.sqlite3"), "--json", "programme", "portfolio", "EUROHPC-AIF"], { encoding: "utf8" }));
  assert.equal((await findAll("[data-testid=pg-envelope] tbody tr")).length, portfolio.by_source.length);
  assert.match(await text(await find("[data-testid=pg-waterfall]")), /Announced/);
  await click(await find("[data-testid=pg-tab-states]"));
  await find("[data-testid=pg-map] svg");
  assert.match(await text(await find("[data-testid=pg-states]")), /Germany \(DE\)/);
  writeFileSync(join(shots, "app-programme-map.png"), Buffer.from(await wd("GET", s("/screenshot")), "base64"));
  await click(await find("[data-testid=pg-tab-awards]"));
  await click(await find("tr[data-acronym='JUPITER'] td strong"));
  await find("[data-testid=aw-milestones] tr[data-milestone]");
  assert.match(await text(await find("[data-testid=aw-title]")), /JUPITER/);
  assert.match(await text(await find("[data-testid=aw-tranches]")), /Pre-financing/);
  await find("[data-testid=aw-chart] svg");
  writeFileSync(join(shots, "app-award.png"), Buffer.from(await wd("GET", s("/screenshot")), "base64"));
  await click(await find("[data-testid=aw-sheet]"));
  const view = await find("[data-testid=report-pages-view][data-rendered]");
  const pages = Number(await wd("GET", s(`/element/${view}/attribute/data-rendered`)));
  assert.ok(pages >= 2, `${pages} pages of the award sheet rendered`);
  await click(await find("[data-testid=report-close]"));
});

test("the import screen opens in the real app, and its commands read and import a real workbook", async () => {
  await click(await find("[data-testid=nav-import]"));
  const select = await find("[data-testid=import-call] option");
  assert.match(await text(select), /INVESTAI-AIGF-2026|EUROHPC/);
  assert.match(await text(await find("h1")), /Import an applicant workbook/);
  const png = await wd("GET", s("/screenshot"));
  writeFileSync(join(uiDir, "test-results", "app-import.png"), Buffer.from(png, "base64"));
  // The native file dialog cannot be driven here: the screen's commands are called through
  // the app's own IPC, in WebKit, on a real broken workbook and on a real good one.
  const samples = join(uiDir, "..", "sample-data", "workbooks");
  const invoke = (cmd, args) =>
    wd("POST", s("/execute/async"), {
      script: `const [cmd, args, done] = arguments;
        window.__TAURI_INTERNALS__.invoke(cmd, args).then((r) => done({ ok: r }), (e) => done({ err: e }));`,
      args: [cmd, args],
    });
  const broken = await invoke("workbook_check", { path: join(samples, "broken", "wrong-types.xlsx"), call: "INVESTAI-AIGF-2026" });
  assert.equal(broken.ok.ready, false);
  assert.deepEqual(broken.ok.findings.map((f) => `${f.sheet}!${f.cell}`), ["Site & Energy!E2", "Hardware!C2", "Capex!D3"]);
  const refused = await invoke("workbook_import", { path: join(samples, "broken", "wrong-types.xlsx"), call: "INVESTAI-AIGF-2026", submit: false });
  assert.equal(refused.err.code, "Validation");
  assert.equal(refused.err.problems.length, 3);
  const same = await invoke("workbook_import", { path: join(samples, "THAMES-GF.xlsx"), call: "INVESTAI-AIGF-2026", submit: false });
  assert.equal(same.ok.unchanged, true, "the sample workbook is the stored bid");
  const versions = await invoke("bid_versions", { call: "INVESTAI-AIGF-2026", acronym: "THAMES-GF" });
  assert.equal(versions.ok.length, 1);
});
