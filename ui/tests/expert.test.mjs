// The independent expert's offline loop, and the analyst's and applicant's last steps, in
// a real headless Chromium with every command answered by the real CLI on real databases
// (tests/cli-bridge.mjs): the key screens, a package opened, the evidence beside the
// scoring form, the return and its summary, benchmark files with unusable rows, scenarios
// compared and exported, a submission package inspected before import — in English and
// French.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer } from "vite";
import { chromium } from "playwright-core";
import { cliBridge, cleanBridge } from "./cli-bridge.mjs";

const uiDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const repo = join(uiDir, "..");
const shots = join(uiDir, "test-results");
const bin = process.env.GIGAFUND_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(repo, "target"), "release", "gigafund");
const CALL = "EUROHPC-AIFA-2026-01";
const PASS = "the package passphrase";
const KEY_PASS = "my own key passphrase";
const COMMENT = "A considered view of the proposal, its link to the AI Factory, the work plan, the hosting capacity, the costs and risks.";

let server;
let browser;
let baseUrl;
let tmp;
let k = 0;

function cli(db, ...args) {
  return JSON.parse(execFileSync(bin, ["--db", db, "--json", ...args], { encoding: "utf8" }));
}
const file = (name, text) => {
  const p = join(tmp, `${k++}-${name}`);
  writeFileSync(p, text);
  return p;
};
function programme() {
  const root = join(tmp, `programme-${k++}`);
  cpSync(join(repo, "templates"), join(root, "templates"), { recursive: true });
  cpSync(join(repo, "sample-data"), join(root, "sample-data"), { recursive: true });
  rmSync(join(root, "sample-data", "evaluation.toml"));
  const db = join(tmp, `${k++}-office.sqlite3`);
  cli(db, "demo", "--from", root);
  return db;
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "gigafund-expert-"));
  mkdirSync(shots, { recursive: true });
  server = await createServer({ root: uiDir, logLevel: "error", plugins: [cliBridge(bin)], server: { port: 0, host: "127.0.0.1" } });
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

async function open(db, { lang = "en", hash = "#/", picks = [] } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: lang === "fr" ? "fr-FR" : "en-GB" });
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.addInitScript(
    ([d, l, p]) => {
      window.__GIGAFUND_BRIDGE__ = d;
      window.__GIGAFUND_PICKS__ = p;
      localStorage.setItem("gigafund.lang", l);
    },
    [db, lang, picks],
  );
  await page.goto(`${baseUrl}mock.html${hash}`);
  return { page, context, pageErrors, requests };
}
const pick = (page, ...values) => page.evaluate((v) => window.__GIGAFUND_PICKS__.push(...v), values);
const shot = (page, name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

test("an expert makes their signing key in the app, reads its fingerprint and saves the public key file", async () => {
  const db = join(tmp, `${k++}-expert.sqlite3`);
  cli(db, "init");
  const { page, context, pageErrors } = await open(db);
  await page.getByTestId("first-run-expert").click();
  await page.getByTestId("xp-pass").fill(KEY_PASS);
  await page.getByTestId("xp-confirm").fill("not the same passphrase");
  await page.getByTestId("xp-create").click();
  await page.getByText("the two passphrases differ").waitFor();
  assert.equal(existsSync(`${db}.key.json`), false, "nothing written for a refusal");
  await page.getByTestId("xp-confirm").fill(KEY_PASS);
  await page.getByTestId("xp-create").click();
  const fp = await page.getByTestId("xp-fingerprint").textContent();
  assert.match(fp, /^([0-9A-F]{4} ){4}[0-9A-F]{4}$/);
  const shown = cli(db, "eval", "key", "show", "--key", `${db}.key.json`);
  assert.equal(fp, shown.fingerprint, "the fingerprint the CLI reads from the file");
  assert.equal(await page.getByTestId("xp-public").inputValue(), shown.public_key);
  await page.getByTestId("xp-copy").click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), shown.public_key);
  const out = join(tmp, `${k++}-public.json`);
  await pick(page, out);
  await page.getByTestId("xp-save-public").click();
  await page.getByTestId("xp-saved").waitFor();
  const sent = JSON.parse(readFileSync(out, "utf8"));
  assert.equal(sent.public_key, shown.public_key);
  assert.ok(!readFileSync(out, "utf8").includes("sealed_secret"), "only the public part leaves");
  const keyText = readFileSync(`${db}.key.json`, "utf8");
  assert.ok(!keyText.includes("secret_key"), "the key file holds no secret in clear");
  await shot(page, "expert-key");
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("the expert opens a package, scores beside the evidence, and the office gets exactly the returned scores", async () => {
  const office = programme();
  cli(office, "eval", "assign", "--call", CALL);
  const row = cli(office, "eval", "assignments", "--call", CALL)[0];
  const expert = cli(office, "eval", "roster", "list").find((e) => e.id === row.evaluator_id);
  const own = join(tmp, `${k++}-laptop.sqlite3`);
  cli(own, "init");
  const { page, context, pageErrors } = await open(own, { hash: "#/expert" });
  // The key made in the app; its public part registered at the office; the package sent.
  await page.getByTestId("xp-pass").fill(KEY_PASS);
  await page.getByTestId("xp-confirm").fill(KEY_PASS);
  await page.getByTestId("xp-create").click();
  await page.getByTestId("xp-fingerprint").waitFor();
  const pub = cli(own, "eval", "key", "show", "--key", `${own}.key.json`).public_key;
  cli(office, "eval", "key", "register", "--evaluator", expert.email, "--public", pub);
  const outbox = join(tmp, `outbox-${k++}`);
  mkdirSync(outbox);
  const pkg = cli(office, "eval", "package", "export", "--call", CALL, "--evaluator", expert.email, "--out", outbox, "--passphrase-file", file("pass", PASS)).file;

  // A wrong passphrase is refused, and creates nothing.
  await pick(page, [pkg]);
  await page.getByTestId("xp-open-package").click();
  const dialog = page.getByTestId("open-package");
  await dialog.getByText(expert.email).waitFor();
  await page.getByTestId("pkg-pass").fill("a wrong passphrase!");
  await page.getByTestId("pkg-open").click();
  await dialog.getByTestId("open-package-problems").getByText(/cannot be decrypted/).waitFor();
  assert.equal(existsSync(join(dirname(own), "evaluations")) && execFileSync("ls", [join(dirname(own), "evaluations")], { encoding: "utf8" }).includes(".sqlite3"), false);
  await page.getByTestId("pkg-pass").fill(PASS);
  await page.getByTestId("pkg-open").click();
  await page.getByTestId("xp-bids").waitFor();
  await page.getByTestId("nav-workspace").waitFor();

  // Every bid assigned, with its evidence beside the form.
  const bids = cli(office, "eval", "assignments", "--call", CALL, "--as", expert.email).map((r) => r.acronym);
  assert.equal(await page.locator("[data-testid=xp-bids] button").count(), bids.length);
  for (const acronym of bids) {
    await page.locator(`[data-testid=xp-bids] button[data-acronym="${acronym}"]`).click();
    const evidence = page.getByTestId("xp-evidence");
    await evidence.getByRole("heading", { name: new RegExp(acronym) }).waitFor();
    await evidence.getByTestId("rules").waitFor();
    await evidence.getByTestId("financing").waitFor();
    await evidence.getByTestId("bid-compute").waitFor();
    assert.match(await evidence.getByTestId("bid-compute").textContent(), /€/);
    for (const [c, s] of [["RELEVANCE", "4"], ["IMPLEMENTATION", "3.5"], ["IMPACT", "4.5"]]) {
      await page.getByTestId(`ev-score-${c}`).selectOption(s);
      await page.getByTestId(`ev-comment-${c}`).fill(COMMENT);
    }
    await page.getByTestId("ev-submit").click();
    await page.getByTestId("ev-submitted").waitFor();
  }
  await shot(page, "expert-workspace");
  const summary = page.getByTestId("xp-return");
  assert.match(await summary.textContent(), /No return written yet/);
  assert.match(await page.getByTestId("xp-not-returned").textContent(), new RegExp(`${bids.length * 3} scores not yet returned`));

  // The return: the package passphrase is checked before anything is written.
  const ret = join(tmp, `${k++}-return.gfreturn`);
  await page.getByTestId("xp-write-return").click();
  await page.getByTestId("ret-pass").fill("another passphrase");
  await page.getByTestId("ret-key-pass").fill(KEY_PASS);
  await pick(page, ret);
  await page.getByTestId("ret-save").click();
  await page.getByTestId("xp-return-dialog").getByText(/not the passphrase of the package/).waitFor();
  assert.equal(existsSync(ret), false);
  await page.getByTestId("ret-pass").fill(PASS);
  await pick(page, ret);
  await page.getByTestId("ret-save").click();
  await page.getByTestId("xp-written").waitFor();
  // The summary is read again after the return is written: wait for it to change.
  await summary.getByText(/Last written/).waitFor();
  await page.getByTestId("xp-not-returned").waitFor({ state: "detached" });
  assert.equal(await page.getByTestId("xp-not-returned").count(), 0, "everything returned");
  await shot(page, "expert-returned");

  // The office imports it: the signature verified, exactly those scores.
  const r = cli(office, "eval", "package", "import", ret, "--passphrase-file", file("pass", PASS));
  assert.equal(r.applied, bids.length * 3);
  assert.deepEqual(r.submitted.sort(), [...bids].sort());
  for (const acronym of bids) {
    const s = cli(office, "eval", "scores", "--call", CALL, "--bid", acronym, "--as", expert.email).own;
    assert.deepEqual(s.map((x) => [x.criterion, x.score]).sort(), [["IMPACT", 4.5], ["IMPLEMENTATION", 3.5], ["RELEVANCE", 4]]);
  }
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("the analyst imports benchmark files and sees the unusable rows with their reason", async () => {
  const db = join(tmp, `${k++}-demo.sqlite3`);
  cli(db, "demo");
  const lines = readFileSync(join(repo, "sample-data", "benchmarks", "mlperf_training.csv"), "utf8").trim().split("\n");
  const header = lines[0];
  const rows = lines.slice(1, 3).map((l, i) => l.replace(",H100-PCIe,", ",XPU-9000,").replace(/mlcommons\/training_results_v4\.0@[^,]*/, `test/new@${i}`));
  const csv = file("mlperf_training_new.csv", [header, ...rows].join("\n") + "\n");
  const { page, context } = await open(db, { hash: "#/compute" });
  await pick(page, [csv]);
  await page.getByTestId("bench-import").click();
  const result = page.getByTestId("bench-result");
  await result.waitFor();
  assert.match(await result.textContent(), /mlperf_training_new\.csv.*MLPerf Training/s);
  await page.getByTestId("bench-unusable").locator("summary").click();
  assert.match(await page.getByTestId("bench-unusable").textContent(), /unknown accelerator 'XPU-9000'/);
  await shot(page, "analyst-bench-import");
  // A refused file stores nothing and says where.
  const broken = file("broken_training.csv", [header, lines[1].replace(/,11\.1215,/, ",eleven,")].join("\n") + "\n");
  await pick(page, [broken]);
  await page.getByTestId("bench-import").click();
  await page.getByTestId("bench-problems").getByText(/broken_training\.csv · line 2/).waitFor();
  await context.close();
});

test("scenarios are compared side by side with the inputs that differ, and a scenario exports to Excel", async () => {
  const db = join(tmp, `${k++}-demo.sqlite3`);
  cli(db, "demo");
  const ref = join(repo, "sample-data", "models", "reference.toml");
  const dear = file("dear.toml", readFileSync(ref, "utf8").replace("p_new = 3.5", "p_new = 4"));
  cli(db, "model", "run", ref, "--save", "reference");
  cli(db, "model", "run", dear, "--save", "dearer hours");
  const { page, context } = await open(db, { hash: "#/finance" });
  const table = page.getByTestId("scenario-table");
  await table.locator("tbody tr").nth(1).waitFor();
  for (const box of await table.locator("tbody input[type=checkbox]").all()) await box.check();
  await page.getByTestId("scenario-compare").click();
  const comparison = page.getByTestId("comparison");
  await comparison.waitFor();
  assert.match(await comparison.textContent(), /Inputs that differ[\s\S]*Price per accelerator-hour/);
  assert.equal(await comparison.locator("tr[data-input=p_new] td.differs").count(), 1, "the differing value is highlighted");
  const out = join(tmp, `${k++}-scenario.xlsx`);
  await pick(page, out);
  await table.getByTestId("scenario-xlsx").first().click();
  await page.getByText(/Saved to .*scenario\.xlsx/).waitFor();
  const zip = readFileSync(out);
  assert.equal(zip.subarray(0, 2).toString(), "PK", "an .xlsx (zip) file");
  const listing = execFileSync("unzip", ["-l", out], { encoding: "utf8" });
  assert.match(listing, /xl\/worksheets\/sheet3\.xml/, "scenario, metrics, yearly results, inputs");
  await context.close();
});

test("an applicant gets the call's workbook and sees a submission package verified before importing it", async () => {
  const applicant = join(tmp, `${k++}-applicant.sqlite3`);
  cli(applicant, "call", "new", "--template", "ai-factory-antenna.toml", "--code", CALL);
  const outDir = join(tmp, `pkg-${k++}`);
  const made = cli(applicant, "bid", "package", join(repo, "sample-data", "workbooks", "LIFFEY-ANT.xlsx"), "--call", CALL, "--out", outDir);
  const db = join(tmp, `${k++}-office.sqlite3`);
  cli(db, "call", "new", "--template", "ai-factory-antenna.toml", "--code", CALL);
  const wb = join(tmp, `${k++}-template.xlsx`);
  const { page, context } = await open(db, { hash: "#/import", picks: [wb] });
  await page.getByTestId("import-template").click();
  await page.getByText(/Applicant workbook saved to/).waitFor();
  assert.equal(readFileSync(wb).subarray(0, 2).toString(), "PK");
  await pick(page, [made.path]);
  await page.getByTestId("import-open-package").click();
  const dialog = page.getByTestId("package-inspection");
  await dialog.getByTestId("package-verified").waitFor();
  assert.match(await dialog.textContent(), /LIFFEY-ANT[\s\S]*manifest\.json|LIFFEY-ANT[\s\S]*workbook\.xlsx/);
  assert.equal(cli(db, "bid", "list").length, 0, "nothing stored by looking");
  await shot(page, "applicant-package");
  await page.getByTestId("package-import").click();
  await page.getByText(/Imported LIFFEY-ANT version 1/).waitFor();
  assert.equal(cli(db, "bid", "list")[0].status, "submitted");
  await context.close();
});

test("the expert's screens in French", async () => {
  const office = programme();
  cli(office, "eval", "assign", "--call", CALL);
  const row = cli(office, "eval", "assignments", "--call", CALL)[0];
  const expert = cli(office, "eval", "roster", "list").find((e) => e.id === row.evaluator_id);
  const own = join(tmp, `${k++}-laptop.sqlite3`);
  cli(own, "init");
  const keyPass = file("kp", KEY_PASS);
  const pub = cli(own, "eval", "key", "new", "--out", `${own}.key.json`, "--key-passphrase-file", keyPass).public_key;
  cli(office, "eval", "key", "register", "--evaluator", expert.email, "--public", pub);
  const outbox = join(tmp, `outbox-${k++}`);
  mkdirSync(outbox);
  const pkg = cli(office, "eval", "package", "export", "--call", CALL, "--evaluator", expert.email, "--out", outbox, "--passphrase-file", file("pass", PASS)).file;
  const { page, context, pageErrors } = await open(own, { lang: "fr", hash: "#/expert", picks: [[pkg]] });
  await page.getByTestId("xp-fingerprint").waitFor();
  assert.match(await page.locator("main").textContent(), /Votre clé de signature[\s\S]*Empreinte/);
  await shot(page, "expert-key-fr");
  await page.getByTestId("xp-open-package").click();
  await page.getByTestId("pkg-pass").fill(PASS);
  await page.getByTestId("pkg-open").click();
  await page.getByTestId("xp-evidence").getByTestId("rules").waitFor();
  const text = await page.locator("main").textContent();
  assert.match(text, /Mon évaluation[\s\S]*Votre retour/);
  for (const english of ["Write return", "Your return", "Submit my scores", "Eligibility", "Financing plan"]) {
    assert.ok(!text.includes(english), `"${english}" in the French workspace`);
  }
  await shot(page, "expert-workspace-fr");
  assert.deepEqual(pageErrors, []);
  await context.close();
});
