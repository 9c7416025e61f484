// The real desktop app driven through tauri-driver and WebKitWebDriver (W3C WebDriver),
// for the end-to-end tests. Every app runs with its own HOME and XDG directories, never
// the user's: a language or a database chosen by hand on this machine cannot leak in.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

/** The UI folder, the repository, the binaries under test (GIGAFUND_BIN and GIGAFUND_APP,
 *  which scripts/test.sh sets; else the release build) and where screenshots go. */
export const uiDir = join(dirname(fileURLToPath(import.meta.url)), "..");
export const repo = join(uiDir, "..");
const target = process.env.CARGO_TARGET_DIR ?? join(repo, "target");
export const cliBin = process.env.GIGAFUND_BIN ?? join(target, "release", "gigafund");
export const appBin = process.env.GIGAFUND_APP ?? join(target, "release", "gigafund-desktop");
export const shots = join(uiDir, "test-results");

/** Waits (bounded) for the driver to answer: it starts in a fraction of a second. */
async function driverReady(url) {
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`${url}/status`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("tauri-driver did not start within 10 s");
}

/** Starts the app binary on `db` (none: the app's own default in its data directory) with a
 *  private profile under `home`; `args` are given to the app; `lang` is the system locale
 *  the app sees (English unless a test asks for another); returns the driver. */
export async function startApp({ appBin, db, home, shots, args = [], lang = "en_IE.UTF-8" }) {
  const port = 4444 + Math.floor(Math.random() * 2000);
  const url = `http://127.0.0.1:${port}`;
  for (const d of ["config", "data", "cache"]) mkdirSync(join(home, d), { recursive: true });
  const env = { ...process.env };
  for (const k of ["GIGAFUND_DB", "LANGUAGE", "LC_ALL", "LC_MESSAGES"]) delete env[k];
  if (db) env.GIGAFUND_DB = db;
  const driver = spawn("tauri-driver", ["--port", String(port), "--native-driver", "/usr/bin/WebKitWebDriver"], {
    env: {
      ...env,
      HOME: home,
      LANG: lang,
      XDG_CONFIG_HOME: join(home, "config"),
      XDG_DATA_HOME: join(home, "data"),
      XDG_CACHE_HOME: join(home, "cache"),
    },
    stdio: "ignore",
  });
  await driverReady(url);

  async function wd(method, path, body) {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json.value)}`);
    return json.value;
  }
  const created = await wd("POST", "/session", {
    capabilities: { alwaysMatch: { browserName: "wry", "tauri:options": { application: appBin, args } } },
  });
  const session = created.sessionId;
  const s = (path) => `/session/${session}${path}`;
  await wd("POST", s("/timeouts"), { implicit: 15000 });

  const app = {
    wd,
    s,
    async find(css) {
      return (await wd("POST", s("/element"), { using: "css selector", value: css }))[ELEMENT];
    },
    async findAll(css) {
      return (await wd("POST", s("/elements"), { using: "css selector", value: css })).map((e) => e[ELEMENT]);
    },
    async within(el, css) {
      return (await wd("POST", s(`/element/${el}/element`), { using: "css selector", value: css }))[ELEMENT];
    },
    text: (id) => wd("GET", s(`/element/${id}/text`)),
    /** Clicks as a person would: the element brought to the middle of the view first
     *  (a sticky bar at the bottom would otherwise be in the way). */
    async click(id) {
      await wd("POST", s("/execute/sync"), {
        script: "arguments[0].scrollIntoView({ block: 'center', inline: 'center' }); return true;",
        args: [{ [ELEMENT]: id }],
      });
      return wd("POST", s(`/element/${id}/click`), {});
    },
    async clickCss(css) {
      await app.click(await app.find(css));
    },
    async fill(css, text) {
      const el = await app.find(css);
      await wd("POST", s(`/element/${el}/clear`), {});
      if (text) await wd("POST", s(`/element/${el}/value`), { text });
    },
    exec: (script, args = []) => wd("POST", s("/execute/sync"), { script, args }),
    /** Sets a <select> the way a person picking an option does (a change event). */
    select(css, value) {
      return app.exec(
        `const el = document.querySelector(arguments[0]);
         el.value = arguments[1];
         el.dispatchEvent(new Event("change", { bubbles: true }));
         el.dispatchEvent(new Event("input", { bubbles: true }));
         return el.value;`,
        [css, value],
      );
    },
    /** Polls (bounded) until `css`'s text matches `re`; returns the text. */
    async waitText(css, re, seconds = 30) {
      let last = "";
      for (let i = 0; i < seconds * 10; i++) {
        const found = await app.exec(`const e = document.querySelector(arguments[0]); return e ? e.innerText : null;`, [css]);
        if (found !== null) {
          last = found;
          if (re.test(found)) return found;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${css} never matched ${re}; last text: ${last}`);
    },
    /** Polls until `count` elements match `css`. */
    async waitCount(css, count, seconds = 30) {
      let n = -1;
      for (let i = 0; i < seconds * 10; i++) {
        n = await app.exec(`return document.querySelectorAll(arguments[0]).length;`, [css]);
        if (n === count) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${css}: ${n} elements, not ${count}`);
    },
    /** The native dialogs cannot be driven by WebDriver: the app's pickers answer from a
     *  queue on the window when a test has set one (ui/src/lib/api.ts). */
    async patchDialogs() {
      await app.exec(`window.__GIGAFUND_PICKS__ = window.__GIGAFUND_PICKS__ ?? []; return true;`);
    },
    pick: (...values) => app.exec(`window.__GIGAFUND_PICKS__.push(...arguments); return window.__GIGAFUND_PICKS__.length;`, values),
    async screenshot(name) {
      // Two frames, so that what was just rendered is painted before the capture.
      await wd("POST", s("/execute/async"), {
        script: "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
        args: [],
      });
      const png = await wd("GET", s("/screenshot"));
      mkdirSync(shots, { recursive: true });
      writeFileSync(join(shots, `${name}.png`), Buffer.from(png, "base64"));
    },
    async close() {
      await wd("DELETE", s("")).catch(() => {});
      driver.kill();
      await new Promise((r) => driver.once("exit", r).once("error", r));
      // The app and its web processes may outlive the driver for a moment, still writing
      // into the test's HOME: give them that moment before the folder is removed.
      await new Promise((r) => setTimeout(r, 500));
    },
  };
  return app;
}
