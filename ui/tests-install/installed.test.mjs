// The installed package, as a user meets it: the app from /usr/bin, started under a
// virtual display with a fresh profile, reaches its dashboard on a demo made by the
// installed CLI. Run by scripts/test-install.sh after `dpkg -i` (not by tests-e2e/, which
// test the build tree). Prints the cold start and the memory of the running app.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp, appBin, cliBin, shots } from "../tests-e2e/driver.mjs";
const tmp = mkdtempSync(join(tmpdir(), "gigafund-installed-"));

after(() => rmSync(tmp, { recursive: true, force: true, maxRetries: 60, retryDelay: 250 }));

/** The app's process and every process it started (WebKit's web and network processes),
 *  with their proportional set size (shared pages split between the processes using them). */
function memoryOf(root) {
  const parent = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (tree.has(ppid) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  let pss = 0;
  let rss = 0;
  for (const pid of tree) {
    try {
      const roll = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
      pss += Number(/^Pss:\s+(\d+)/m.exec(roll)?.[1] ?? 0);
      rss += Number(/^Rss:\s+(\d+)/m.exec(roll)?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
  }
  return { processes: tree.size, pssMiB: pss / 1024, rssMiB: rss / 1024 };
}

/** The pid of the installed app (started by WebKitWebDriver for the session). */
function appPid() {
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const exe = readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0")[0];
      if (exe === appBin) return Number(d);
    } catch {
      // not ours
    }
  }
  return null;
}

test("the installed app opens on a demo made by the installed CLI, in English, to its dashboard", async () => {
  const db = join(tmp, "demo.sqlite3");
  execFileSync(cliBin, ["--db", db, "demo"], { stdio: "ignore" });
  const started = performance.now();
  const app = await startApp({ appBin, db, home: join(tmp, "home"), shots });
  try {
    await app.find("[data-testid=call-card]");
    const coldStart = (performance.now() - started) / 1000;
    assert.equal(await app.wd("GET", app.s("/title")), "Gigafund");
    assert.equal((await app.findAll("[data-testid=call-card]")).length, 3);
    await app.screenshot("installed-dashboard");
    // Let the first paint settle before the memory is read.
    await new Promise((r) => setTimeout(r, 1500));
    const pid = appPid();
    assert.ok(pid, `a running ${appBin}`);
    const mem = memoryOf(pid);
    console.log(
      `installed app: cold start to the dashboard ${coldStart.toFixed(2)} s (WebDriver session included); ` +
        `memory ${mem.pssMiB.toFixed(0)} MiB PSS (${mem.rssMiB.toFixed(0)} MiB RSS) over ${mem.processes} processes`,
    );
    assert.ok(mem.pssMiB > 10, "the memory of the app was read");
  } finally {
    await app.close();
  }
});
