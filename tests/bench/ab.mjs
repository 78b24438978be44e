#!/usr/bin/env node
// A/B of built pages on the analysis after training: each run trains one
// CPU epoch of all of MNIST at batch 256 on a fresh page, then reads
// timings().cluster_ms and extract_ms (and listing_ms where the page has
// it); the builds alternate run by run (and which goes first), in one
// headless Chromium without the WebGPU flags, so the machine's noise falls
// on both alike. Prints every run and the medians.
//
//   node tests/bench/ab.mjs RUNS DIST_A DIST_B [DIST_C ...]
//
// Each DIST is a copy of a built dist/ (e.g. `cp -r dist /tmp/dist-a`).
import { chromium } from "playwright-core";
import { serve } from "./lib/server.mjs";
const dists = process.argv.slice(3);
const N = Number(process.argv[2]);
if (!(N > 0) || dists.length === 0) {
  console.error("usage: node tests/bench/ab.mjs RUNS DIST_A [DIST_B ...]");
  process.exit(2);
}
const servers = await Promise.all(dists.map((d) => serve({ dist: d })));
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", headless: true,
  args: ["--no-sandbox", "--disable-background-timer-throttling", "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows"] });
const res = dists.map(() => []);
const extracts = dists.map(() => []);
for (let i = 0; i < N; i++) {
  for (let j0 = 0; j0 < dists.length; j0++) {
    const j = (i % 2 === 0) ? j0 : dists.length - 1 - j0;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(servers[j].origin + "/");
    await page.waitForSelector('body[data-phase="idle"], body[data-phase="ready"]', { timeout: 120000 });
    for (let c = 0; c < 10; c++) { const b = page.getByTestId(`class-${c}`); if (await b.count()) await b.check(); }
    await page.getByTestId("config-per_class").fill("");
    await page.getByTestId("config-epochs").fill("1");
    await page.getByTestId("config-batch_size").fill("256");
    await page.getByTestId("force-cpu").setChecked(true);
    await page.waitForFunction(() => window.sigpath.timings().warmup_steps != null, null, { timeout: 20000 }).catch(() => {});
    await page.evaluate(() => { window.__p = []; new MutationObserver(() => window.__p.push(document.body.dataset.phase)).observe(document.body, { attributes: true, attributeFilter: ["data-phase"] }); });
    await page.getByTestId("train-button").click();
    await page.waitForFunction(() => window.__p.some((p) => p === "training" || p === "analyzing") && document.body.dataset.phase === "ready", null, { timeout: 600000, polling: 50 });
    const t = await page.evaluate(() => window.sigpath.timings());
    const trained = await page.evaluate(() => window.sigpath.state().training?.samples_per_sec ?? NaN);
    res[j].push(Math.round(t.cluster_ms));
    extracts[j].push(t.extract_ms);
    const listing = t.listing_ms == null ? "" : ` (listing ${t.listing_ms.toFixed(1)})`;
    console.log(`${i} ${dists[j]}: cluster ${t.cluster_ms.toFixed(0)} extract ${t.extract_ms.toFixed(1)}${listing} training ${trained.toFixed(0)} samples/s`);
    await context.close();
  }
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
dists.forEach((d, j) => console.log(`${d}: clustering median ${med(res[j])} all ${res[j].join(" ")}; extraction median ${med(extracts[j]).toFixed(1)} all ${extracts[j].map((v) => v.toFixed(1)).join(" ")}`));
await browser.close();
process.exit(0);
