// The real app's profile: tests never see the user's. The language a person chose in the
// app lives in the WebKit storage under their HOME; a test app runs with its own HOME and
// XDG directories, so it opens in English even when the user's profile says French, and
// on a first start it takes its language from the system locale.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { startApp, cliBin, appBin, shots } from "./driver.mjs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";


let tmp;
let db;
const saved = {};

before(() => {
  tmp = mkdtempSync(join(tmpdir(), "gigafund-profile-"));
  db = join(tmp, "demo.sqlite3");
  execFileSync(cliBin, ["--db", db, "demo"], { stdio: "ignore" });
});

after(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true, maxRetries: 60, retryDelay: 250 });
});

/** The dashboard's navigation text, once the app has drawn it. */
async function navText(app) {
  await app.find("[data-testid=call-card]");
  return app.exec(`return document.querySelector("nav").innerText;`);
}

test("a test app opens in English after the user switched their own app to French", async () => {
  // The user's profile: the app started there and switched to French by hand.
  const user = join(tmp, "user");
  let app = await startApp({ appBin, db, home: user, shots });
  try {
    assert.match(await navText(app), /Dashboard/);
    await app.select("[data-testid=lang]", "fr");
    await app.waitText("nav", /Tableau de bord/);
  } finally {
    await app.close();
  }
  // Remembered there: the same profile opens in French again (so this test could fail).
  app = await startApp({ appBin, db, home: user, shots });
  try {
    assert.match(await navText(app), /Tableau de bord/);
  } finally {
    await app.close();
  }

  // The test process itself now lives in that French profile, as a developer's shell
  // does: a test app still gets a profile of its own and opens in English.
  for (const k of ["HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"]) saved[k] = process.env[k];
  process.env.HOME = user;
  process.env.XDG_CONFIG_HOME = join(user, "config");
  process.env.XDG_DATA_HOME = join(user, "data");
  process.env.XDG_CACHE_HOME = join(user, "cache");
  app = await startApp({ appBin, db, home: join(tmp, "test-home"), shots });
  try {
    const nav = await navText(app);
    assert.match(nav, /Dashboard/);
    assert.doesNotMatch(nav, /Tableau de bord/);
    assert.equal(await app.exec(`return document.documentElement.lang || "en";`), "en");
  } finally {
    await app.close();
  }
});

test("on a first start the app takes its language from the system locale", async () => {
  const app = await startApp({ appBin, db, home: join(tmp, "first-fr"), shots, lang: "fr_FR.UTF-8" });
  try {
    assert.match(await navText(app), /Tableau de bord/);
    await app.screenshot("first-start-fr");
  } finally {
    await app.close();
  }
});
