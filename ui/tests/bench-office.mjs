// Benchmark (not a test): how fast the office's two largest views paint and scroll in
// Chromium, on the database scripts/bench-office.sh built (1,000 bids × 200 experts, an
// audit log past 100,000 entries), every command answered by the real CLI. Prints JSON:
// for each view, the command's answer time, the time from that answer to the first
// painted rows, and the frame times while scrolling through the whole view.
import { createServer } from "vite";
import { chromium } from "playwright-core";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { cliBridge, cleanBridge } from "./cli-bridge.mjs";

const uiDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const db = process.argv[2];
const bin = process.env.GIGAFUND_BIN;
const server = await createServer({ root: uiDir, logLevel: "error", plugins: [cliBridge(bin)], server: { port: 0, host: "127.0.0.1" } });
await server.listen();
const base = server.resolvedUrls.local[0];
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

async function measure(hash, cmd, painted, scroller, steps) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript((d) => {
    window.__GIGAFUND_BRIDGE__ = d;
    localStorage.setItem("gigafund.lang", "en");
  }, db);
  await page.goto(`${base}mock.html${hash}`);
  await page.waitForSelector(painted, { timeout: 120000 });
  const paintedAt = await page.evaluate(() => performance.now());
  const t = await page.evaluate((c) => window.__GIGAFUND_TIMINGS__.find((x) => x.cmd === c), cmd);
  // Scroll the view from top to bottom (and across, for the matrix) one frame per step,
  // recording each frame's duration.
  const frames = await page.evaluate(
    async ([sel, n]) => {
      const el = document.querySelector(sel);
      const out = [];
      let last = performance.now();
      for (let i = 1; i <= n; i++) {
        el.scrollTop = (el.scrollHeight - el.clientHeight) * (i / n);
        el.scrollLeft = (el.scrollWidth - el.clientWidth) * (i / n);
        await new Promise((r) => requestAnimationFrame(() => r()));
        const now = performance.now();
        out.push(now - last);
        last = now;
      }
      return out;
    },
    [scroller, steps],
  );
  frames.sort((a, b) => a - b);
  const rows = await page.evaluate((p) => document.querySelectorAll(p).length, painted);
  await context.close();
  return {
    command_ms: t ? t.end - t.start : null,
    render_ms: t ? paintedAt - t.end : null,
    frames: frames.length,
    frame_p50_ms: frames[Math.floor(frames.length / 2)],
    frame_p95_ms: frames[Math.floor(frames.length * 0.95)],
    frame_max_ms: frames.at(-1),
    elements_drawn_at_end: rows,
  };
}

const matrix = await measure("#/evaluation?call=BENCH-2026&tab=assignment", "assign_matrix", "[data-testid=assign-matrix] .cell", "[data-testid=assign-matrix]", 120);
const audit = await measure("#/audit", "audit_query", "[data-testid=au-rows] .entry[data-seq]", "[data-testid=au-rows]", 200);
console.log(JSON.stringify({ matrix, audit }));
await browser.close();
await server.close();
cleanBridge();
