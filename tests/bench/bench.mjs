#!/usr/bin/env node
// The bench command (issue 9): the built page (dist/) and the same network in
// TensorFlow.js, in one headless Chromium, interleaved run by run on the same
// MNIST files. Prints tables and writes tests/output/bench.json.
//
//   node tests/bench/bench.mjs [--build] [--runs 3] [--only sigpath|tfjs] ...
//
// Run `node tests/bench/bench.mjs --help` for every option.
import { spawnSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { serve, ROOT, DIST } from "./lib/server.mjs";
import { summary, fmt, table } from "./lib/stats.mjs";
import { workerPath } from "../browser/lib/server.mjs";

const HELP = `usage: node tests/bench/bench.mjs [options]
  --build               run 'bash scripts/build.sh' first (otherwise dist/ is used as it is)
  --runs N              repetitions, interleaving sigpath and TF.js (default 3)
  --batches 64,256      training batch sizes (default 64,256)
  --only WHICH          'sigpath' or 'tfjs' (default both)
  --no-webgpu           launch Chromium without WebGPU (no sigpath WebGPU rows)
  --webgpu-images N     training images on sigpath's WebGPU path (SwiftShader is slow; default 2000)
  --webgl-images N      training images for TF.js WebGL (default all 60000)
  --tfjs-backends LIST  TF.js backends (default wasm,webgl)
  --tfjs-threads        serve the TF.js page cross-origin isolated (threaded wasm build)
  --extract-batch N     predict() batch size for TF.js signature extraction (default 10000)
  --probe-strokes N     strokes drawn per sigpath run for the probe latency (default 3)
  --timeout-secs N      longest wait for one training run (default 900)
  --dist DIR            the built page to bench (default dist/)
  --out FILE            JSON output (default tests/output/bench.json)`;

const { values: args } = parseArgs({
  options: {
    build: { type: "boolean", default: false },
    runs: { type: "string", default: "3" },
    batches: { type: "string", default: "64,256" },
    only: { type: "string" },
    "no-webgpu": { type: "boolean", default: false },
    "webgpu-images": { type: "string", default: "2000" },
    "webgl-images": { type: "string" },
    "tfjs-backends": { type: "string", default: "wasm,webgl" },
    "tfjs-threads": { type: "boolean", default: false },
    "extract-batch": { type: "string", default: "10000" },
    "probe-strokes": { type: "string", default: "3" },
    "timeout-secs": { type: "string", default: "900" },
    dist: { type: "string", default: DIST },
    out: { type: "string", default: path.join(ROOT, "tests/output/bench.json") },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
const positive = (name) => {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`--${name} must be a positive whole number, not '${args[name]}'`);
    process.exit(2);
  }
  return n;
};
const RUNS = positive("runs");
const BATCHES = args.batches.split(",").map(Number);
if (BATCHES.some((b) => !Number.isInteger(b) || b <= 0)) {
  console.error(`--batches must list positive whole numbers, not '${args.batches}'`);
  process.exit(2);
}
const WEBGPU_PER_CLASS = Math.ceil(positive("webgpu-images") / 10);
const WEBGL_PER_CLASS = args["webgl-images"] ? Math.ceil(positive("webgl-images") / 10) : null;
const EXTRACT_BATCH = positive("extract-batch");
const PROBE_STROKES = Number(args["probe-strokes"]);
if (!Number.isInteger(PROBE_STROKES) || PROBE_STROKES < 0) {
  console.error(`--probe-strokes must be a whole number, not '${args["probe-strokes"]}'`);
  process.exit(2);
}
if (args.only != null && args.only !== "sigpath" && args.only !== "tfjs") {
  console.error(`--only takes 'sigpath' or 'tfjs', not '${args.only}'`);
  process.exit(2);
}
const TRAIN_TIMEOUT_MS = positive("timeout-secs") * 1000;
const TFJS_BACKENDS = args["tfjs-backends"].split(",").filter(Boolean);
const DO_SIGPATH = args.only !== "tfjs";
const DO_TFJS = args.only !== "sigpath";
const MNIST_TRAIN = 60000;
/** The page's CPU warm-up (src/app/warmup.rs), mirrored for TF.js's wasm backend. */
const WARMUP_STEPS = 120;
const WARMUP_BATCH = 256;
const NOT_YET = "not available yet";

const say = (msg) => console.log(`bench: ${msg}`);
const withTimeout = (promise, ms, what) => {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${Math.round(ms / 1000)} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
};

// --- build ---------------------------------------------------------------------
if (args.build) {
  say("building the page (bash scripts/build.sh)");
  const r = spawnSync("bash", ["scripts/build.sh"], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) {
    console.error("bench: the build failed");
    process.exit(1);
  }
}

// --- the figures -------------------------------------------------------------------
// perBatch: one row per batch size; perBackend: false pools the backends (page-level figures).
const FIGURES = {
  train_samples_per_sec: { label: "training throughput", unit: "samples/s", better: "higher", perBatch: true },
  train_epoch_secs: { label: "epoch time", unit: "s", better: "lower", perBatch: true },
  test_accuracy: { label: "test accuracy (10,000)", unit: "%", better: "higher", perBatch: true },
  extract_ms: { label: "signatures of 10,000 images", unit: "ms", better: "lower", perBatch: false },
  cluster_ms: { label: "K-means K=2..10 + silhouettes, all layers", unit: "ms", better: "lower", perBatch: false },
  probe_ms: { label: "end of stroke to updated views", unit: "ms", better: "lower", perBatch: false },
  interactive_ms: { label: "time to interactive (bundled demo)", unit: "ms", better: "lower", perBatch: false, perBackend: false },
  data_ready_ms: { label: "data ready (MNIST fetched, inflated, parsed)", unit: "ms", better: "lower", perBatch: false, perBackend: false },
};
const SOURCE = {
  train_samples_per_sec: (r) => r.samples_per_sec,
  train_epoch_secs: (r) => r.epoch_secs,
  test_accuracy: (r) => r.test_accuracy,
  extract_ms: (r) => r.extract_ms,
  cluster_ms: (r) => r.cluster_ms,
  probe_ms: (r) => r.probe_ms,
  interactive_ms: (r) => r.interactive_ms,
  data_ready_ms: (r) => (r.impl === "tfjs" ? r.data_load_ms : r.data_ready_ms),
};
const SIGPATH_ONLY = new Set(["cluster_ms", "probe_ms", "interactive_ms"]);

// --- the browser -----------------------------------------------------------------
const LAUNCH_ARGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
  // Timers and rendering of a page must not be slowed down for being in the background.
  "--disable-background-timer-throttling",
  "--disable-renderer-backgrounding",
  "--disable-backgrounding-occluded-windows",
];
if (!args["no-webgpu"]) LAUNCH_ARGS.push("--enable-unsafe-webgpu", "--enable-features=Vulkan", "--use-angle=swiftshader");

const PAGE_DIR = path.resolve(args.dist);
const server = await serve({ isolateTfjs: args["tfjs-threads"], dist: PAGE_DIR });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: LAUNCH_ARGS,
});
const CHROMIUM_VERSION = browser.version();

async function withPage(fn) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  try {
    return await fn(page, problems);
  } finally {
    await context.close();
  }
}

// What this browser offers: a WebGPU adapter or not, TF.js's view of WebGL.
async function environment() {
  return withPage(async (page) => {
    await page.goto(`${server.origin}/tfjs/index.html`);
    await page.waitForSelector('body[data-phase="idle"]', { timeout: 60_000 });
    const adapter = await page.evaluate(async () => {
      if (!navigator.gpu) return { available: false, reason: "navigator.gpu is missing" };
      const a = await navigator.gpu.requestAdapter();
      if (!a) return { available: false, reason: "requestAdapter() returned null" };
      const info = a.info ?? {};
      return { available: true, vendor: info.vendor ?? null, architecture: info.architecture ?? null, description: info.description ?? null };
    });
    const tfjs = await page.evaluate(() => window.tfjsBench.info());
    return { webgpu: adapter, tfjs };
  });
}

// --- sigpath ---------------------------------------------------------------------
// The contract the page implements (see docs/automation.md):
// window.sigpath.state() / timings(), body[data-phase], and these controls.
const CONTROLS = ["train-button", "config-per_class", "config-epochs", "config-batch_size", "force-cpu"];
const TIMING_OF = { data_ready_ms: "data_ready_ms", interactive_ms: "interactive_ms", extract_ms: "extract_ms", cluster_ms: "cluster_ms", probe_ms: "probe_ms" };

async function sigpathTimings(page) {
  return page.evaluate(() => (typeof window.sigpath?.timings === "function" ? window.sigpath.timings() : null));
}

// One stroke per shape, in canvas fractions: a 1, a 7, a 0.
const STROKES = [
  [[0.5, 0.15], [0.5, 0.85]],
  [[0.25, 0.2], [0.75, 0.2], [0.45, 0.85]],
  [[0.5, 0.15], [0.3, 0.3], [0.28, 0.65], [0.5, 0.85], [0.7, 0.65], [0.72, 0.3], [0.5, 0.15]],
];

async function drawStroke(page, box, points) {
  const at = ([fx, fy]) => [box.x + fx * box.width, box.y + fy * box.height];
  const [x0, y0] = at(points[0]);
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  for (const p of points.slice(1)) {
    const [x, y] = at(p);
    await page.mouse.move(x, y, { steps: 12 });
  }
  await page.mouse.up();
}

/** Poll `fn` in the page until it returns a value other than undefined, or give up. */
async function pollPage(page, fn, arg, timeoutMs) {
  try {
    const handle = await page.waitForFunction(fn, arg, { timeout: timeoutMs, polling: 50 });
    return await handle.jsonValue();
  } catch {
    return undefined;
  }
}

/**
 * One sigpath run on a fresh page: the page-level figures, then one epoch with
 * the given backend and batch size, then the analysis and probe figures. A hook
 * the page does not have yet leaves its figures null with the reason in
 * `missing` (figure id -> reason); the run's `status` is "ok", "not available
 * yet" (training cannot be started) or "error".
 */
async function sigpathRun({ run, backend, batchSize }) {
  const perClass = backend === "webgpu" ? WEBGPU_PER_CLASS : null;
  const rec = {
    impl: "sigpath", run, backend, batch_size: batchSize,
    train_images: perClass ? perClass * 10 : MNIST_TRAIN, status: "ok", missing: {},
  };
  const lacks = (ids, reason) => {
    for (const id of ids) rec.missing[id] ??= reason;
  };
  const TRAINING = ["train_samples_per_sec", "train_epoch_secs", "test_accuracy", "extract_ms", "cluster_ms", "probe_ms"];
  const t0 = Date.now();
  try {
    return await withPage(async (page, problems) => {
      await page.goto(server.origin + "/");
      const hasApi = await pollPage(page, () => (typeof window.sigpath?.state === "function" ? true : undefined), null, 30_000);
      if (!hasApi) {
        lacks(Object.keys(FIGURES), "window.sigpath.state() is missing");
        return { ...rec, status: NOT_YET, reason: "window.sigpath.state() is missing" };
      }
      await page.waitForSelector('body[data-phase="idle"], body[data-phase="ready"], body[data-phase="error"]', { timeout: 120_000 });

      // Page-level figures, before any training.
      let timings = await sigpathTimings(page);
      if (!timings) lacks(Object.keys(TIMING_OF), "window.sigpath.timings() is missing");
      timings ??= {};
      const timing = (id, value) => {
        if (!(TIMING_OF[id] in timings)) lacks([id], `timings().${TIMING_OF[id]} is missing`);
        else if (value == null) lacks([id], `timings().${TIMING_OF[id]} stayed null`);
        return value ?? null;
      };
      rec.data_ready_ms = timing("data_ready_ms", timings.data_ready_ms);
      rec.interactive_ms = timing("interactive_ms", "interactive_ms" in timings
        ? await pollPage(page, () => {
          const v = window.sigpath.timings().interactive_ms;
          return typeof v === "number" ? v : undefined;
        }, null, 60_000)
        : null);

      const missing = [];
      for (const id of CONTROLS) if ((await page.getByTestId(id).count()) === 0) missing.push(id);
      if (missing.length > 0) {
        const reason = `controls missing: ${missing.join(", ")}`;
        lacks(TRAINING, reason);
        return { ...rec, status: NOT_YET, reason };
      }

      // The configuration, through the form.
      for (let c = 0; c < 10; c += 1) {
        const box = page.getByTestId(`class-${c}`);
        if ((await box.count()) > 0) await box.check();
      }
      await page.getByTestId("config-per_class").fill(perClass ? String(perClass) : "");
      await page.getByTestId("config-epochs").fill("1");
      await page.getByTestId("config-batch_size").fill(String(batchSize));
      await page.getByTestId("force-cpu").setChecked(backend === "cpu");
      const configured = await pollPage(page, ({ b, pc }) => {
        const c = window.sigpath.state().config;
        return c && c.batch_size === b && c.epochs === 1 && c.per_class === pc && c.classes?.length === 10 ? true : undefined;
      }, { b: batchSize, pc: perClass }, 10_000);
      if (!configured) throw new Error(`the form did not take the configuration: ${JSON.stringify((await page.evaluate(() => window.sigpath.state())).config)}`);

      // The page warms its CPU training path once it is ready (app/warmup.rs):
      // wait for that, as a visitor reading the page would, so every run starts
      // alike. TF.js gets the same number of steps first (see tfjsRun).
      if (backend === "cpu") {
        const warm = await pollPage(page, () => {
          const t = window.sigpath.timings();
          return t.warmup_steps != null ? { steps: t.warmup_steps, ms: t.warmup_ms } : undefined;
        }, null, 10_000);
        rec.warmup_steps = warm?.steps ?? null;
        rec.warmup_ms = warm?.ms ?? null;
      }
      // The clustering part of the warm-up runs whatever trains (a page
      // without it has no such field).
      if (await page.evaluate(() => "warmup_clustering_ms" in window.sigpath.timings())) {
        rec.warmup_clustering_ms = await pollPage(page, () => window.sigpath.timings().warmup_clustering_ms ?? undefined, null, 10_000);
      }

      // Train; watch every phase the body goes through so a page that starts
      // "ready" (a bundled demo) is not mistaken for a finished run.
      await page.evaluate(() => {
        window.__benchPhases = [];
        new MutationObserver(() => window.__benchPhases.push(document.body.dataset.phase))
          .observe(document.body, { attributes: true, attributeFilter: ["data-phase"] });
      });
      await page.getByTestId("train-button").click();
      const phase = await pollPage(page, () => {
        const seen = window.__benchPhases;
        const now = document.body.dataset.phase;
        const worked = seen.some((p) => p === "loading" || p === "training" || p === "analyzing");
        if (now === "error") return "error";
        return worked && now === "ready" ? "ready" : undefined;
      }, null, TRAIN_TIMEOUT_MS);
      const state = await page.evaluate(() => window.sigpath.state());
      if (phase !== "ready") throw new Error(phase === "error" ? `the page reported: ${state.error}` : `not ready within ${TRAIN_TIMEOUT_MS / 1000} s (phase ${state.phase})`);

      const tr = state.training ?? {};
      rec.page_backend = state.backend ?? null;
      if (rec.page_backend && rec.page_backend !== backend) rec.note = `asked for ${backend}, the page trained on ${rec.page_backend}`;
      const field = (id, name, value) => {
        if (value == null) lacks([id], `state().training.${name} is ${state.training ? "missing" : "null"}`);
        return value ?? null;
      };
      rec.samples_per_sec = field("train_samples_per_sec", "samples_per_sec", tr.samples_per_sec);
      rec.epoch_secs = field("train_epoch_secs", "epoch_secs", Array.isArray(tr.epoch_secs) ? tr.epoch_secs[0] : tr.epoch_secs);
      rec.test_accuracy = field("test_accuracy", "test_accuracy", tr.test_accuracy);
      timings = (await sigpathTimings(page)) ?? {};
      rec.extract_ms = timing("extract_ms", timings.extract_ms);
      rec.cluster_ms = timing("cluster_ms", timings.cluster_ms);
      // How many of the page's workers clustered (0: the page's own thread).
      rec.cluster_workers = timings.cluster_workers ?? null;
      // The test split's non-zero pixels, listed once before any run (input
      // preparation, like TF.js's test tensor): reported, not in extract_ms.
      rec.listing_ms = timings.listing_ms ?? null;

      // Probe latency: strokes on the drawing canvas, the page's own figure after each.
      rec.probe_ms = [];
      const canvas = page.getByTestId("draw-canvas");
      if (!("probe_ms" in timings)) lacks(["probe_ms"], "timings().probe_ms is missing");
      else if ((await canvas.count()) === 0) lacks(["probe_ms"], "control missing: draw-canvas");
      else if (PROBE_STROKES > 0) {
        const box = await canvas.boundingBox();
        for (let s = 0; s < PROBE_STROKES; s += 1) {
          const clear = page.getByTestId("clear-drawing");
          if ((await clear.count()) > 0) await clear.click();
          // probe_count moves on every probe, so equal latencies are not missed.
          const before = (await sigpathTimings(page)).probe_count ?? 0;
          await drawStroke(page, box, STROKES[s % STROKES.length]);
          await pollPage(page, (b) => {
            const t = window.sigpath.timings();
            return (t.probe_count ?? 0) > b ? true : undefined;
          }, before, 10_000);
          const v = (await sigpathTimings(page)).probe_ms;
          if (typeof v === "number") rec.probe_ms.push(v);
        }
        if (rec.probe_ms.length === 0) lacks(["probe_ms"], "timings().probe_ms stayed null after the strokes");
      }
      rec.wall_secs = (Date.now() - t0) / 1000;
      if (problems.length > 0) rec.page_problems = problems.slice(0, 10);
      return rec;
    });
  } catch (e) {
    return { ...rec, status: "error", reason: e.message.split("\n")[0], wall_secs: (Date.now() - t0) / 1000 };
  }
}

// --- TF.js -------------------------------------------------------------------------
async function tfjsRun({ run, backend, batchSize }) {
  const perClass = backend === "webgl" ? WEBGL_PER_CLASS : null;
  const rec = {
    impl: "tfjs", run, backend, batch_size: batchSize,
    train_images: perClass ? perClass * 10 : MNIST_TRAIN, status: "ok",
  };
  const t0 = Date.now();
  try {
    return await withPage(async (page, problems) => {
      await page.goto(`${server.origin}/tfjs/index.html`);
      await page.waitForSelector('body[data-phase="idle"]', { timeout: 60_000 });
      const be = await page.evaluate(({ name }) => window.tfjsBench.setBackend(name, "../npm/@tensorflow/tfjs-backend-wasm/dist/"), { name: backend });
      rec.backend_details = be;
      if (!be.ok || be.backend !== backend) throw new Error(`tf.setBackend('${backend}') failed; tf.getBackend() says ${be.backend}`);
      const data = await page.evaluate(() => window.tfjsBench.loadData("../data/mnist/"));
      rec.data_load_ms = data.load_ms;
      if (backend === "wasm") {
        // The same warm-up as sigpath's page gives itself: WARMUP_STEPS steps at
        // batch 256 of a throwaway model, so both run optimised code from the start.
        const warm = await withTimeout(
          page.evaluate((o) => window.tfjsBench.train(o), { batchSize: WARMUP_BATCH, perClass: Math.floor((WARMUP_STEPS * WARMUP_BATCH) / 10) }),
          TRAIN_TIMEOUT_MS, `TF.js ${backend} warm-up`,
        );
        rec.warmup_steps = warm.steps_per_epoch;
        rec.warmup_ms = warm.fit_ms;
      }
      const tr = await withTimeout(
        page.evaluate((o) => window.tfjsBench.train(o), { batchSize, perClass }),
        TRAIN_TIMEOUT_MS, `TF.js ${backend} training`,
      );
      rec.train_images = tr.train_images;
      rec.samples_per_sec = tr.samples_per_sec;
      rec.epoch_secs = tr.epoch_secs[0];
      rec.fit_ms = tr.fit_ms;
      rec.test_accuracy = tr.test_accuracy;
      rec.final_loss = tr.loss_per_epoch.at(-1);
      const ex = await withTimeout(
        page.evaluate((o) => window.tfjsBench.extract(o), { images: 10000, batchSize: EXTRACT_BATCH }),
        TRAIN_TIMEOUT_MS, `TF.js ${backend} extraction`,
      );
      rec.extract_ms = ex.extract_ms[0];
      rec.extract_warmup_ms = ex.warmup_ms;
      rec.extract_images = ex.images;
      rec.extract_batch = ex.batch_size;
      rec.extract_shapes = ex.shapes;
      rec.wall_secs = (Date.now() - t0) / 1000;
      if (problems.length > 0) rec.page_problems = problems.slice(0, 10);
      return rec;
    });
  } catch (e) {
    return { ...rec, status: "error", reason: e.message.split("\n")[0], wall_secs: (Date.now() - t0) / 1000 };
  }
}

// --- the runs ----------------------------------------------------------------------
const started = new Date();
const loadBefore = os.loadavg();
const env = await environment();
say(`Chromium ${CHROMIUM_VERSION}; WebGPU adapter: ${env.webgpu.available ? `${env.webgpu.vendor} ${env.webgpu.architecture}` : `none (${env.webgpu.reason})`}; WebGL: ${env.tfjs.webgl_renderer ?? "none"}`);
say(`data from ${path.relative(ROOT, server.dataRoot)}/mnist; ${RUNS} run(s); load average ${loadBefore.map((l) => l.toFixed(2)).join(" ")}`);

// Pairs that are compared: sigpath's CPU path with TF.js wasm, its WebGPU path with TF.js WebGL.
const pairs = [];
for (const b of BATCHES) pairs.push([{ impl: "sigpath", backend: "cpu", batchSize: b }, { impl: "tfjs", backend: "wasm", batchSize: b }]);
for (const b of BATCHES) pairs.push([{ impl: "sigpath", backend: "webgpu", batchSize: b }, { impl: "tfjs", backend: "webgl", batchSize: b }]);
const wanted = (job) =>
  job.impl === "sigpath"
    ? DO_SIGPATH && (job.backend !== "webgpu" || env.webgpu.available)
    : DO_TFJS && TFJS_BACKENDS.includes(job.backend);

const records = [];
for (let run = 1; run <= RUNS; run += 1) {
  for (const pair of pairs) {
    // Alternate who goes first, so neither side always runs on a warmer machine.
    const ordered = run % 2 === 1 ? pair : [...pair].reverse();
    for (const job of ordered) {
      if (!wanted(job)) {
        // Say once why sigpath's WebGPU rows are empty.
        if (run === 1 && job.impl === "sigpath" && DO_SIGPATH && job.backend === "webgpu") {
          records.push({ impl: "sigpath", run, backend: "webgpu", batch_size: job.batchSize, train_images: WEBGPU_PER_CLASS * 10, status: "skipped", reason: `no WebGPU adapter: ${env.webgpu.reason}` });
        }
        continue;
      }
      const rec = job.impl === "sigpath" ? await sigpathRun({ run, ...job }) : await tfjsRun({ run, ...job });
      records.push(rec);
      const what = `run ${run}/${RUNS} ${rec.impl} ${rec.backend} batch ${rec.batch_size}`;
      if (rec.status === "ok") {
        say(`${what}: ${fmt(rec.samples_per_sec)} samples/s, epoch ${fmt(rec.epoch_secs)} s, test accuracy ${fmt(rec.test_accuracy, "%")}, extract ${fmt(rec.extract_ms)} ms${rec.note ? ` (${rec.note})` : ""}`);
      } else if (rec.status !== NOT_YET || run === 1) {
        say(`${what}: ${rec.status}: ${rec.reason}`);
      }
    }
  }
}
await browser.close();
await server.close();
const loadAfter = os.loadavg();

// --- figures -----------------------------------------------------------------------
/** Sizes of the page's own wasm and of the WebGPU trainer's (fetched only when a GPU trains). */
async function wasmSizes() {
  const list = async (dir) => {
    try {
      return (await fs.readdir(path.join(PAGE_DIR, dir))).filter((f) => f.endsWith("_bg.wasm")).map((f) => path.join(dir, f));
    } catch {
      return [];
    }
  };
  // The trainer's wasm sits beside the loader the page names (gpu/<content hash>/, scripts/post-build.mjs).
  const trainerDir = () => {
    try {
      return path.dirname(workerPath("sigpath:gpu-worker", PAGE_DIR));
    } catch {
      return "gpu";
    }
  };
  const measure = async (file) => {
    if (!file) return null;
    const body = await fs.readFile(path.join(PAGE_DIR, file));
    return { file: path.relative(ROOT, path.join(PAGE_DIR, file)), raw_bytes: body.length, gzip_bytes: zlib.gzipSync(body, { level: 9 }).length };
  };
  return {
    page: await measure((await list("."))[0]),
    webgpu_trainer: await measure((await list(trainerDir()))[0]),
  };
}

const figures = [];
const groups = new Map();
for (const r of records) {
  for (const [id, def] of Object.entries(FIGURES)) {
    if (SIGPATH_ONLY.has(id) && r.impl !== "sigpath") continue;
    if (r.status === "skipped" && def.perBackend === false) continue; // no page was opened
    const backend = def.perBackend === false ? null : r.backend;
    const batch = def.perBatch ? r.batch_size : null;
    const key = [id, r.impl, backend, batch].join("|");
    if (!groups.has(key)) groups.set(key, { id, impl: r.impl, backend, batch_size: batch, records: [] });
    groups.get(key).records.push(r);
  }
}
for (const g of groups.values()) {
  const def = FIGURES[g.id];
  // A figure a run measured counts even when a later step of that run was not possible.
  const samples = g.records.flatMap((r) => {
    const v = SOURCE[g.id](r);
    return (Array.isArray(v) ? v : [v]).filter((x) => typeof x === "number" && Number.isFinite(x));
  });
  const images = [...new Set(g.records.map((r) => r.train_images))];
  const row = {
    id: g.id, label: def.label, unit: def.unit, better: def.better,
    impl: g.impl, backend: g.backend, batch_size: g.batch_size,
    train_images: def.perBatch ? (images.length === 1 ? images[0] : images) : null,
    samples, ...summary(samples), status: "ok", note: null,
  };
  const why = (r) => r.missing?.[g.id] ?? (r.status !== "ok" ? r.reason : null);
  if (samples.length === 0) {
    const failed = g.records.find((r) => r.status === "error" && !r.missing?.[g.id]);
    const missing = g.records.find((r) => why(r));
    const skipped = g.records.find((r) => r.status === "skipped");
    if (failed) Object.assign(row, { status: "error", note: failed.reason });
    else if (skipped) Object.assign(row, { status: "skipped", note: skipped.reason });
    else Object.assign(row, { status: NOT_YET, note: missing ? why(missing) : `no run reported ${g.id}` });
  } else {
    const short = g.records.filter((r) => SOURCE[g.id](r) == null || r.status === "error");
    if (short.length > 0) row.note = `${short.length} of ${g.records.length} runs without a figure: ${why(short[0]) ?? "?"}`;
  }
  const notes = [...new Set(g.records.map((r) => r.note).filter(Boolean))];
  if (g.id === "extract_ms" && g.impl === "tfjs" && samples.length > 0) notes.push(`predict() batch ${EXTRACT_BATCH}, after a warm-up pass; test tensor made before the timer`);
  const listed = g.records.map((r) => r.listing_ms).filter((v) => v != null);
  if (g.id === "extract_ms" && g.impl === "sigpath" && listed.length > 0) notes.push(`test split's non-zero pixels listed once before the timer (${listed.map((v) => v.toFixed(1)).join(" / ")} ms)`);
  const warmed = g.records.map((r) => r.warmup_steps).filter((v) => v != null);
  if (g.id === "train_samples_per_sec" && warmed.length > 0) notes.push(`after a warm-up of ${Math.max(...warmed)} steps at batch ${WARMUP_BATCH}`);
  const workers = [...new Set(g.records.map((r) => r.cluster_workers).filter((v) => v != null))];
  if (g.id === "cluster_ms" && g.impl === "sigpath" && workers.length > 0) notes.push(`on ${workers.join(" / ")} worker(s) (0 = the page's thread)`);
  if (g.id === "data_ready_ms") notes.push(g.impl === "tfjs" ? "from the bench call, both splits" : "from navigation start, first data set");
  if (notes.length > 0) row.note = [row.note, ...notes].filter(Boolean).join("; ");
  figures.push(row);
}

const size = DO_SIGPATH ? await wasmSizes() : null;
if (DO_SIGPATH) {
  for (const [id, label, part, key] of [
    ["wasm_raw_bytes", "wasm size, raw", "page", "raw_bytes"],
    ["wasm_gzip_bytes", "wasm size, gzip -9", "page", "gzip_bytes"],
    ["worker_wasm_raw_bytes", "WebGPU trainer's wasm (fetched when a GPU trains), raw", "webgpu_trainer", "raw_bytes"],
    ["worker_wasm_gzip_bytes", "WebGPU trainer's wasm, gzip -9", "webgpu_trainer", "gzip_bytes"],
  ]) {
    const v = size[part] ? size[part][key] : null;
    figures.push({
      id, label, unit: "bytes", better: "lower", impl: "sigpath", backend: null, batch_size: null,
      train_images: null, samples: v == null ? [] : [v], ...summary(v == null ? [] : [v]),
      status: v == null ? NOT_YET : "ok", note: v == null ? "no such dist/*_bg.wasm: build the page first (--build)" : size[part].file,
    });
  }
}

// sigpath / TF.js for each figure both have, pairing CPU with wasm and WebGPU with WebGL.
const find = (id, impl, backend, batch) =>
  figures.find((f) => f.id === id && f.impl === impl && f.backend === backend && (batch == null || f.batch_size === batch));
const comparisons = [];
for (const [sp, tj] of [["cpu", "wasm"], ["webgpu", "webgl"]]) {
  for (const id of ["train_samples_per_sec", "test_accuracy", "extract_ms"]) {
    for (const b of FIGURES[id].perBatch ? BATCHES : [null]) {
      const a = find(id, "sigpath", sp, b);
      const t = find(id, "tfjs", tj, b);
      if (!a && !t) continue;
      const both = a?.median != null && t?.median != null;
      const notes = [];
      if (!a || a.median == null) notes.push(`sigpath: ${a?.status ?? "not run"}${a?.note ? ` (${a.note})` : ""}`);
      if (!t || t.median == null) notes.push(`TF.js: ${t?.status ?? "not run"}${t?.note ? ` (${t.note})` : ""}`);
      // Throughput and accuracy on different training sets are not compared.
      const sameData = !FIGURES[id].perBatch || a?.train_images === t?.train_images;
      if (both && !sameData) notes.push(`not compared: sigpath trained on ${a.train_images} images, TF.js on ${t.train_images} (--webgpu-images / --webgl-images)`);
      comparisons.push({
        id, label: FIGURES[id].label, unit: FIGURES[id].unit, better: FIGURES[id].better, batch_size: b,
        sigpath: { backend: sp, median: a?.median ?? null, train_images: a?.train_images ?? null },
        tfjs: { backend: tj, median: t?.median ?? null, train_images: t?.train_images ?? null },
        ratio: both && sameData ? a.median / t.median : null,
        note: notes.length > 0 ? notes.join("; ") : null,
      });
    }
  }
}

// --- report ------------------------------------------------------------------------
const order = Object.keys(FIGURES).concat(["wasm_raw_bytes", "wasm_gzip_bytes", "worker_wasm_raw_bytes", "worker_wasm_gzip_bytes"]);
figures.sort((x, y) =>
  order.indexOf(x.id) - order.indexOf(y.id) || x.impl.localeCompare(y.impl) ||
  String(x.backend).localeCompare(String(y.backend)) || (x.batch_size ?? 0) - (y.batch_size ?? 0));
const unitOf = (f) => (f.unit === "%" ? "%" : f.unit === "bytes" ? "bytes" : "");
const implName = (i) => (i === "tfjs" ? "TF.js" : i);
const backendName = (f) => {
  if (!f.backend) return "-";
  const images = f.train_images;
  return typeof images === "number" && images !== MNIST_TRAIN && FIGURES[f.id]?.perBatch ? `${f.backend} (${images.toLocaleString("en-US")} images)` : f.backend;
};
console.log("\n" + table(
  ["figure", "unit", "impl", "backend", "batch", "median", "min", "max", "n", "note"],
  figures.map((f) => [
    f.label, f.unit, implName(f.impl), backendName(f), f.batch_size ?? "-",
    f.status === "ok" ? fmt(f.median, unitOf(f)) : f.status,
    fmt(f.min, unitOf(f)), fmt(f.max, unitOf(f)), f.n, f.note ?? "",
  ]),
  new Set([4, 5, 6, 7, 8]),
));
if (comparisons.length > 0) {
  console.log("\n" + table(
    ["sigpath / TF.js", "batch", "sigpath", "TF.js", "sigpath", "TF.js", "ratio", "note"],
    comparisons.map((c) => {
      const u = c.unit === "%" ? "%" : "";
      return [
        `${c.label} (${c.unit}, ${c.better} is better)`, c.batch_size ?? "-", c.sigpath.backend, c.tfjs.backend,
        fmt(c.sigpath.median, u), fmt(c.tfjs.median, u), c.ratio == null ? "-" : `${c.ratio.toFixed(2)}x`, c.note ?? "",
      ];
    }),
    new Set([1, 4, 5, 6]),
  ));
}

const report = {
  schema: "sigpath-bench/1",
  started: started.toISOString(),
  finished: new Date().toISOString(),
  settings: {
    runs: RUNS, batches: BATCHES, epochs: 1, network: "784-32-64-10 ReLU, softmax cross-entropy, Adam lr 1e-3",
    webgpu_train_images: WEBGPU_PER_CLASS * 10, webgl_train_images: WEBGL_PER_CLASS ? WEBGL_PER_CLASS * 10 : MNIST_TRAIN,
    tfjs_backends: TFJS_BACKENDS, tfjs_cross_origin_isolated: args["tfjs-threads"], tfjs_extract_batch: EXTRACT_BATCH,
    probe_strokes: PROBE_STROKES, only: args.only ?? null,
  },
  environment: {
    chromium: CHROMIUM_VERSION, launch_args: LAUNCH_ARGS, node: process.version,
    cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model ?? null,
    load_average_before: loadBefore, load_average_after: loadAfter,
    webgpu_adapter: env.webgpu, tfjs: env.tfjs, data_root: path.relative(ROOT, server.dataRoot),
  },
  wasm: size,
  figures,
  comparisons,
  runs: records,
};
await fs.mkdir(path.dirname(args.out), { recursive: true });
await fs.writeFile(args.out, JSON.stringify(report, null, 2) + "\n");
say(`wrote ${args.out.startsWith(ROOT + path.sep) ? path.relative(ROOT, args.out) : args.out}`);
if (records.some((r) => r.status === "error")) {
  say("some runs failed: see the notes above and `runs` in the JSON");
  process.exitCode = 1;
}
