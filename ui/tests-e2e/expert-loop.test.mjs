// The expert's offline loop in the real desktop app (tauri-driver under Xvfb), from a
// computer with no Gigafund database: the signing key made in the app (its secret never
// in clear on disk), the office's package (made by the CLI) opened after a wrong
// passphrase and a damaged copy were refused with nothing written, every assigned bid
// scored beside its evidence and submitted, and the signed return written. The office
// imports it with the CLI and gets exactly those scores.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp, uiDir, repo, cliBin, appBin, shots } from "./driver.mjs";

const CALL = "EUROHPC-AIFA-2026-01";
const PASS = "the package passphrase";
const KEY_PASS = "my own key passphrase";
const COMMENT = "A considered view of the proposal, its link to the AI Factory, the work plan, the hosting capacity, the costs and risks.";
const SCORES = [["RELEVANCE", "4"], ["IMPLEMENTATION", "3.5"], ["IMPACT", "4.5"]];

let tmp;
let app;
const cli = (db, ...args) => JSON.parse(execFileSync(cliBin, ["--db", db, "--json", ...args], { encoding: "utf8" }));

before(() => {
  tmp = mkdtempSync(join(tmpdir(), "gigafund-loop-"));
});
after(async () => {
  await app?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true, maxRetries: 60, retryDelay: 250 });
});

test("an expert with no database makes a key, opens the office's package, scores and returns it; the office gets exactly those scores", async () => {
  // The office: the antenna call assigned, without the demo's scores.
  const root = join(tmp, "programme");
  cpSync(join(repo, "templates"), join(root, "templates"), { recursive: true });
  cpSync(join(repo, "sample-data"), join(root, "sample-data"), { recursive: true });
  rmSync(join(root, "sample-data", "evaluation.toml"));
  const office = join(tmp, "office.sqlite3");
  cli(office, "demo", "--from", root);
  cli(office, "eval", "assign", "--call", CALL);
  const row = cli(office, "eval", "assignments", "--call", CALL)[0];
  const expert = cli(office, "eval", "roster", "list").find((e) => e.id === row.evaluator_id);
  const bids = cli(office, "eval", "assignments", "--call", CALL, "--as", expert.email).map((r) => r.acronym);

  // The expert's laptop: Gigafund with no database yet.
  const home = join(tmp, "home");
  app = await startApp({ appBin, db: null, home, shots });
  await app.patchDialogs();
  await app.clickCss("[data-testid=first-run-expert]");
  await app.fill("[data-testid=xp-pass]", KEY_PASS);
  await app.fill("[data-testid=xp-confirm]", KEY_PASS);
  await app.clickCss("[data-testid=xp-create]");
  const fingerprint = await app.waitText("[data-testid=xp-fingerprint]", /^[0-9A-F]{4}( [0-9A-F]{4}){4}$/);
  await app.screenshot("expert-app-key");
  const keyFile = join(home, "data", "gigafund", "keys", "evaluator-key.json");
  const key = cli(join(tmp, "scratch.sqlite3"), "eval", "key", "show", "--key", keyFile);
  assert.equal(key.fingerprint, fingerprint, "the key the app made, in its data directory");
  const sealed = readFileSync(keyFile, "utf8");
  assert.ok(!sealed.includes("secret_key") && sealed.includes("sealed_secret"), "the secret is sealed, not in clear");
  cli(office, "eval", "key", "register", "--evaluator", expert.email, "--public", key.public_key);
  const outbox = join(tmp, "outbox");
  mkdirSync(outbox);
  writeFileSync(join(tmp, "pass"), PASS);
  const pkg = cli(office, "eval", "package", "export", "--call", CALL, "--evaluator", expert.email, "--out", outbox, "--passphrase-file", join(tmp, "pass")).file;

  // A damaged copy and a wrong passphrase: refused, nothing written.
  const damaged = join(tmp, "damaged.gfpackage");
  const bytes = readFileSync(pkg);
  bytes[bytes.length - 30] ^= 0x08;
  writeFileSync(damaged, bytes);
  const evaluations = join(home, "data", "gigafund", "evaluations");
  for (const [file, pass] of [[damaged, PASS], [pkg, "a wrong passphrase!"]]) {
    await app.pick([file]);
    await app.clickCss("[data-testid=xp-open-package]");
    await app.fill("[data-testid=pkg-pass]", pass);
    await app.clickCss("[data-testid=pkg-open]");
    await app.waitText("[data-testid=open-package-problems]", /cannot be decrypted/);
    await app.clickCss("[data-testid=open-package] button.close");
    const left = existsSync(evaluations) ? readdirSync(evaluations).filter((f) => !f.startsWith(".")) : [];
    assert.deepEqual(left, [], "no database created");
  }
  await app.pick([pkg]);
  await app.clickCss("[data-testid=xp-open-package]");
  await app.fill("[data-testid=pkg-pass]", PASS);
  await app.clickCss("[data-testid=pkg-open]");
  await app.find("[data-testid=xp-bids]");

  // Each assigned bid, scored beside its evidence and submitted.
  for (const acronym of bids) {
    await app.clickCss(`[data-testid=xp-bids] button[data-acronym="${acronym}"]`);
    await app.waitText("[data-testid=xp-evidence]", new RegExp(`${acronym}[\\s\\S]*Eligibility rules[\\s\\S]*Financing plan`));
    await app.waitText("[data-testid=xp-evidence] [data-testid=bid-compute]", /€/);
    for (const [c, s] of SCORES) {
      await app.select(`[data-testid=ev-score-${c}]`, s);
      await app.fill(`[data-testid=ev-comment-${c}]`, COMMENT);
    }
    await app.clickCss("[data-testid=ev-submit]");
    await app.find("[data-testid=ev-submitted]");
  }
  await app.screenshot("expert-app-workspace");

  // The return, signed and saved where the expert chooses.
  const ret = join(tmp, "my-return.gfreturn");
  await app.clickCss("[data-testid=xp-write-return]");
  await app.fill("[data-testid=ret-pass]", PASS);
  await app.fill("[data-testid=ret-key-pass]", KEY_PASS);
  await app.pick(ret);
  await app.clickCss("[data-testid=ret-save]");
  await app.waitText("[data-testid=xp-written]", /Return written/);
  await app.waitText("[data-testid=xp-return]", /Last written/);
  await app.screenshot("expert-app-returned");

  // At the office: the signature verified, exactly those scores, every bid submitted.
  const r = cli(office, "eval", "package", "import", ret, "--passphrase-file", join(tmp, "pass"));
  assert.equal(r.evaluator, expert.email);
  assert.equal(r.applied, bids.length * SCORES.length);
  assert.deepEqual([...r.submitted].sort(), [...bids].sort());
  for (const acronym of bids) {
    const own = cli(office, "eval", "scores", "--call", CALL, "--bid", acronym, "--as", expert.email).own;
    assert.deepEqual(
      own.map((s) => [s.criterion, s.score, s.comment]).sort(),
      SCORES.map(([c, s]) => [c, Number(s), COMMENT]).sort(),
    );
  }
  // The app remembers the expert's database for the next start.
  const settings = JSON.parse(readFileSync(join(home, "config", "gigafund", "settings.json"), "utf8"));
  assert.ok(settings.last_database.includes(join("gigafund", "evaluations")), settings.last_database);
});

test("a package given on the command line (as a double-click gives it) opens the app on its passphrase", async () => {
  await app?.close();
  const root = join(tmp, "programme2");
  cpSync(join(repo, "templates"), join(root, "templates"), { recursive: true });
  cpSync(join(repo, "sample-data"), join(root, "sample-data"), { recursive: true });
  rmSync(join(root, "sample-data", "evaluation.toml"));
  const office = join(tmp, "office2.sqlite3");
  cli(office, "demo", "--from", root);
  cli(office, "eval", "assign", "--call", CALL);
  const row = cli(office, "eval", "assignments", "--call", CALL)[0];
  const expert = cli(office, "eval", "roster", "list").find((e) => e.id === row.evaluator_id);
  writeFileSync(join(tmp, "kp"), KEY_PASS);
  const pub = cli(join(tmp, "s2.sqlite3"), "eval", "key", "new", "--out", join(tmp, "k2.json"), "--key-passphrase-file", join(tmp, "kp")).public_key;
  cli(office, "eval", "key", "register", "--evaluator", expert.email, "--public", pub);
  const outbox = join(tmp, "outbox2");
  mkdirSync(outbox);
  writeFileSync(join(tmp, "pass"), PASS);
  const pkg = cli(office, "eval", "package", "export", "--call", CALL, "--evaluator", expert.email, "--out", outbox, "--passphrase-file", join(tmp, "pass")).file;
  app = await startApp({ appBin, db: null, home: join(tmp, "home2"), shots, args: [pkg] });
  await app.waitText("[data-testid=open-package]", new RegExp(expert.email));
  await app.fill("[data-testid=pkg-pass]", PASS);
  await app.clickCss("[data-testid=pkg-open]");
  await app.find("[data-testid=xp-bids]");
  await app.waitText("[data-testid=nav-workspace]", /My evaluation/);
});
