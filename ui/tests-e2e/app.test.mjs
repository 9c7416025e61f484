// The real desktop app (the Tauri binary with the built UI inside), launched by
// tauri-driver + WebKitWebDriver under a virtual display, on a demo database made by the
// real CLI. Run through `xvfb-run -a` (see scripts/test.sh).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const uiDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = process.env.CARGO_TARGET_DIR ?? join(uiDir, "..", "target");
const cliBin = process.env.GIGAFUND_BIN ?? join(target, "debug", "gigafund");
const appBin = process.env.GIGAFUND_APP ?? join(target, "debug", "gigafund-desktop");
const port = 4444 + Math.floor(Math.random() * 1000);
const driverUrl = `http://127.0.0.1:${port}`;

let driver;
let tmp;
let session;

async function wd(method, path, body) {
  const res = await fetch(`${driverUrl}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json.value)}`);
  return json.value;
}

const s = (path) => `/session/${session}${path}`;
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

async function find(css) {
  const found = await wd("POST", s("/element"), { using: "css selector", value: css });
  return found[ELEMENT];
}
async function findAll(css) {
  return (await wd("POST", s("/elements"), { using: "css selector", value: css })).map((e) => e[ELEMENT]);
}
const text = (id) => wd("GET", s(`/element/${id}/text`));
const click = (id) => wd("POST", s(`/element/${id}/click`), {});

/** Waits (bounded) for the driver to answer: it starts in a fraction of a second. */
async function driverReady() {
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`${driverUrl}/status`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("tauri-driver did not start within 10 s");
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "gigafund-e2e-"));
  const db = join(tmp, "demo.sqlite3");
  execFileSync(cliBin, ["--db", db, "demo"], { stdio: "ignore" });
  driver = spawn("tauri-driver", ["--port", String(port), "--native-driver", "/usr/bin/WebKitWebDriver"], {
    env: { ...process.env, GIGAFUND_DB: db },
    stdio: "ignore",
  });
  await driverReady();
  const created = await wd("POST", "/session", {
    capabilities: {
      alwaysMatch: { browserName: "wry", "tauri:options": { application: appBin } },
    },
  });
  session = created.sessionId;
  // Element look-ups wait up to 15 s for the app to render.
  await wd("POST", s("/timeouts"), { implicit: 15000 });
});

after(async () => {
  if (session) await wd("DELETE", s("")).catch(() => {});
  driver?.kill();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
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
