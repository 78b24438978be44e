// Issue 6: share links, experiment files, autosave, the bundled demo and
// static hosting. Everything here is served under a sub-path (/sigpath/), as
// on GitHub Pages, and every page is watched for Content-Security-Policy
// violations. Training runs on the CPU path (no WebGPU adapter).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import os from "node:os";
import { execFileSync } from "node:child_process";
import { serve, DIST, workerPath } from "./lib/server.mjs";
import { launch, state, waitForPhase, screenshot, OUTPUT } from "./lib/browser.mjs";
import { configure, waitForConfig, trainAndWait } from "./lib/page.mjs";
import { countsByLabel } from "./lib/data.mjs";

const PREFIX = "/sigpath/";
const SMALL = { classes: [1, 3, 7], fields: { per_class: 100, epochs: 1, batch_size: 32, seed: 7 } };
const DEFAULT_CONFIG = {
  dataset: "mnist", classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], per_class: null, arch: "mlp",
  hidden: [32, 64], epochs: 1, batch_size: 64, learning_rate: 0.001, seed: 42,
};

let server;
let browser;
/** What the trained run of the export test left for the later tests. */
let trained;

before(async () => {
  server = await serve({ prefix: PREFIX });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh browser context (its own storage) with a page that records
 * console errors, uncaught exceptions and CSP violations, opened at `url`. */
async function open(url, { context } = {}) {
  context ??= await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  // Runs before the page's own scripts; init scripts are not subject to the page's CSP.
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" || /Content.Security.Policy/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  return { context, page, problems };
}

async function cspViolations(page) {
  return page.evaluate(() => window.__csp ?? ["the CSP listener is missing"]);
}

/** state() without what depends on the clock (epoch times, speed). */
function timeless(s) {
  const copy = structuredClone(s);
  if (copy.training) {
    delete copy.training.epoch_secs;
    delete copy.training.samples_per_sec;
  }
  return copy;
}

/** state() once the background work after a run is done: the foreign-input
 * detectors (state().ood) are computed for every ready run, imported or not. */
async function settledState(page, timeout = 180_000) {
  const started = Date.now();
  let last = null;
  for (;;) {
    const s = await state(page);
    if (s.ood && last && JSON.stringify(s) === JSON.stringify(last)) return s;
    if (Date.now() - started > timeout) throw new Error(`state() did not settle: ood ${JSON.stringify(s.ood)}`);
    last = s;
    await page.waitForTimeout(750);
  }
}

async function trainSmall(page) {
  await configure(page, SMALL);
  await waitForConfig(page, { classes: [1, 3, 7], per_class: 100, epochs: 1, batch_size: 32, seed: 7 });
  assert.equal(await trainAndWait(page, 300_000), "ready", (await state(page)).error ?? "");
}

test("a first visit shows the demo at once, without the training images, and no CSP violation", async () => {
  const { context, page, problems } = await open(server.url);
  try {
    assert.equal(await waitForPhase(page, ["ready", "error"]), "ready");
    const s = await state(page);
    assert.deepEqual(s.config, DEFAULT_CONFIG);
    assert.equal(s.error, null);
    assert.equal(s.training.epochs, 1);
    assert.equal(s.training.loss_per_epoch.length, 1);
    assert.ok(s.training.test_accuracy > 0.9, `the demo's accuracy: ${s.training.test_accuracy}`);
    assert.deepEqual(s.layers.map((l) => [l.name, l.width]), [["h1", 32], ["h2", 64]]);
    for (const layer of s.layers) assert.equal(layer.cluster_sizes.reduce((a, b) => a + b, 0), 10_000);
    assert.match(await page.getByTestId("experiment-origin").textContent(), /demo/i);
    assert.match(s.share_url, new RegExp(`^${server.url.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}#v=1&`));

    // What came over the wire: the page, the demo and the test split; not the 9.9 MB training images.
    await page.waitForFunction(() => window.sigpath.timings().interactive_ms != null);
    const timings = await page.evaluate(() => window.sigpath.timings());
    const paths = server.requests.filter((p) => p.startsWith(PREFIX));
    assert.equal(paths.length, server.requests.length, `everything is fetched under ${PREFIX}: ${server.requests}`);
    assert.ok(paths.includes(`${PREFIX}demo/experiment.sigpath`));
    assert.ok(paths.includes(`${PREFIX}data/mnist/t10k-images-idx3-ubyte.gz`));
    assert.ok(!paths.some((p) => p.includes("train-images")), "the training images wait for Train");
    // The dataset view still counts the training images (from their labels) and says when they load.
    const trainCounts = countsByLabel("mnist/train-labels-idx1-ubyte.gz");
    const shown = await page.$$eval('[data-testid="count-train"]', (cells) => cells.map((c) => Number(c.textContent)));
    assert.deepEqual(shown, trainCounts);
    assert.match(await page.getByTestId("dataset-title").textContent(), /60000 training images \(they load when you train\) and 10000 test images/);

    const loaded = await page.evaluate((tti) => performance.getEntriesByType("resource")
      .filter((e) => e.responseEnd <= tti)
      .map((e) => ({ name: new URL(e.name).pathname, bytes: e.encodedBodySize })), timings.interactive_ms);
    const total = loaded.reduce((a, e) => a + e.bytes, 0);
    console.log(`# time to interactive ${timings.interactive_ms.toFixed(0)} ms (data ready ${timings.data_ready_ms.toFixed(0)} ms), ` +
      `${(total / 1e6).toFixed(1)} MB before it: ` +
      loaded.map((e) => `${e.name.replace(PREFIX, "")} ${(e.bytes / 1e6).toFixed(2)} MB`).join(", "));
    await screenshot(page, "share-first-visit-demo");

    // Training fetches the training images then, under the sub-path too.
    await trainSmall(page);
    assert.ok(server.requests.includes(`${PREFIX}data/mnist/train-images-idx3-ubyte.gz`));
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// Tests and notebooks wait for "ready" or "idle" (docs/automation.md): a page that passed
// through "idle" while opening the demo would stop them before the demo is
// shown. The demo is held back here until the test images are in, the order
// in which the page once showed "idle" between them.
test("a first visit goes from loading straight to the demo, even when the demo arrives after the data", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(() => {
    window.__phases = [];
    new MutationObserver(() => {
      const phase = document.body?.dataset.phase;
      if (phase && window.__phases.at(-1) !== phase) window.__phases.push(phase);
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-phase"] });
  });
  let page;
  let heldMs = null;
  await context.route("**/demo/experiment.sigpath", async (route) => {
    const started = Date.now();
    while (!(await page.evaluate(() => window.sigpath?.timings().data_ready_ms != null).catch(() => false))) {
      await new Promise((r) => setTimeout(r, 50));
    }
    heldMs = Date.now() - started;
    await route.continue();
  });
  try {
    page = await context.newPage();
    const problems = [];
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    await page.goto(server.url);
    assert.equal(await waitForPhase(page, ["ready", "error"]), "ready");
    assert.ok(heldMs != null, "the demo was requested and held");
    const phases = await page.evaluate(() => window.__phases);
    // (The page sets "loading" again as the data arrives; that is no change of phase.)
    assert.deepEqual(phases.filter((p) => p !== "loading"), ["ready"], `phases: ${phases}`);
    assert.match(await page.getByTestId("experiment-origin").textContent(), /demo/i);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("the built index.html allows its one inline script by hash and nothing inline else", () => {
  const html = fs.readFileSync(path.join(DIST, "index.html"), "utf8");
  const csp = html.match(/http-equiv="Content-Security-Policy" content="([^"]*)"/)?.[1];
  assert.ok(csp, "index.html has a CSP meta tag");
  const inline = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].filter((m) => !/\bsrc=/.test(m[1]));
  assert.ok(inline.length >= 1, "Trunk's loader is inline");
  for (const [, , body] of inline) {
    const hash = crypto.createHash("sha256").update(body, "utf8").digest("base64");
    assert.ok(csp.includes(`'sha256-${hash}'`), "the inline loader's hash is in script-src");
  }
  assert.ok(!/script-src[^;]*'unsafe-inline'/.test(csp), "no inline scripts by default");
  assert.ok(!/'unsafe-eval'/.test(csp), "no eval");
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /'wasm-unsafe-eval'/);
});

test("the built page names its workers' files by their content, and a new build's content gets new names", () => {
  // In dist/: the names the page reads exist, the fixed ones do not.
  const pool = workerPath("sigpath:pool-worker");
  const gpu = workerPath("sigpath:gpu-worker");
  assert.match(pool, /^pool-worker-[0-9a-f]{16}\.js$/);
  assert.match(gpu, /^gpu\/[0-9a-f]{16}\/sigpath-gpu_loader\.js$/);
  for (const file of [pool, gpu, path.join(path.dirname(gpu), "sigpath-gpu_bg.wasm")]) {
    assert.ok(fs.existsSync(path.join(DIST, file)), `${file} is in dist/`);
  }
  assert.ok(!fs.existsSync(path.join(DIST, "pool-worker.js")));
  assert.deepEqual(fs.readdirSync(path.join(DIST, "gpu")), [path.dirname(gpu).slice("gpu/".length)], "gpu/ holds one build");

  // The hook itself, on copies of a staging folder: same files, same names;
  // one byte changed in either worker, a new name for that worker only.
  const root = path.resolve(DIST, "..");
  const stage = (change) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sigpath-stage-"));
    fs.writeFileSync(path.join(dir, "index.html"), fs.readFileSync(path.join(root, "index.html"), "utf8").replace("</head>", "<script>boot()</script></head>"));
    fs.copyFileSync(path.join(root, "assets/pool-worker.js"), path.join(dir, "pool-worker.js"));
    fs.mkdirSync(path.join(dir, "gpu"));
    fs.copyFileSync(path.join(DIST, gpu), path.join(dir, "gpu/sigpath-gpu_loader.js"));
    fs.writeFileSync(path.join(dir, "gpu/sigpath-gpu_bg.wasm"), "wasm");
    change(dir);
    execFileSync("node", [path.join(root, "scripts/post-build.mjs")], { env: { ...process.env, TRUNK_STAGING_DIR: dir }, stdio: "pipe" });
    const names = { pool: workerPath("sigpath:pool-worker", dir), gpu: workerPath("sigpath:gpu-worker", dir) };
    for (const file of Object.values(names)) assert.ok(fs.existsSync(path.join(dir, file)), `the hook wrote ${file}`);
    assert.match(fs.readFileSync(path.join(dir, "index.html"), "utf8"), /script-src[^;]*'sha256-/);
    fs.rmSync(dir, { recursive: true });
    return names;
  };
  const first = stage(() => {});
  assert.deepEqual(stage(() => {}), first);
  const newWasm = stage((dir) => fs.appendFileSync(path.join(dir, "gpu/sigpath-gpu_bg.wasm"), "!"));
  assert.notEqual(newWasm.gpu, first.gpu);
  assert.equal(newWasm.pool, first.pool);
  const newPool = stage((dir) => fs.appendFileSync(path.join(dir, "pool-worker.js"), "\n"));
  assert.notEqual(newPool.pool, first.pool);
  assert.equal(newPool.gpu, first.gpu);
});

test("export then import in a fresh browser reproduces state() exactly", async () => {
  const a = await open(server.url);
  await a.context.grantPermissions(["clipboard-read", "clipboard-write"]);
  try {
    await waitForPhase(a.page, ["ready", "error"]);
    await trainSmall(a.page);
    // A chosen K travels with the experiment.
    const before = await state(a.page);
    const k = before.layers[1].k === 4 ? "5" : "4";
    await a.page.getByTestId("k-select-h2").selectOption(k);
    await a.page.waitForFunction((k) => window.sigpath.state().layers[1].k === Number(k), k);
    const s1 = await settledState(a.page);
    assert.notEqual(s1.layers[1].k, s1.layers[1].k_auto);
    assert.match(s1.share_url, new RegExp(`k=auto,${k}`));

    const [download] = await Promise.all([a.page.waitForEvent("download"), a.page.getByTestId("export-button").click()]);
    assert.match(download.suggestedFilename(), /^sigpath-mnist-mlp-32x64-seed7\.sigpath$/);
    const file = path.join(OUTPUT, "experiment.sigpath");
    await download.saveAs(file);
    const bytes = fs.readFileSync(file);
    assert.equal(bytes.subarray(0, 8).toString("latin1"), "SIGPATH\0");

    // The share link, copied to the clipboard and shown.
    await a.page.getByTestId("share-button").click();
    await a.page.getByTestId("share-link").waitFor({ state: "visible" });
    assert.equal(await a.page.getByTestId("share-link").inputValue(), s1.share_url);
    await a.page.waitForFunction(() => /copied/i.test(document.querySelector('[data-testid="notice"]')?.textContent ?? ""));
    assert.equal(await a.page.evaluate(() => navigator.clipboard.readText()), s1.share_url);
    // Kept in this browser once finished.
    await a.page.waitForSelector('[data-testid="autosave-status"][data-kept="true"]');
    await screenshot(a.page, "share-trained-run");
    trained = { state: s1, file, bytes, context: a.context, page: a.page, problems: a.problems };

    const b = await open(server.url);
    try {
      await waitForPhase(b.page, ["ready", "error"]);
      await b.page.getByTestId("import-input").setInputFiles(file);
      await b.page.waitForFunction(() => window.sigpath.state().config.seed === 7);
      assert.equal(await waitForPhase(b.page, ["ready", "error"]), "ready");
      const s2 = await settledState(b.page);
      assert.deepEqual(timeless(s2), timeless(s1));
      assert.match(await b.page.getByTestId("experiment-origin").textContent(), /The experiment file experiment\.sigpath/);
      await screenshot(b.page, "share-imported");
      assert.deepEqual(await cspViolations(b.page), []);
      assert.deepEqual(b.problems, []);
    } finally {
      await b.context.close();
    }
  } catch (e) {
    // The context lives on for the reload test once the run is trained.
    if (!trained) await a.context.close();
    throw e;
  }
});

test("a truncated, random, foreign or tampered file gives a message and leaves state() unchanged", async () => {
  assert.ok(trained, "the export test ran");
  const { context, page, problems } = await open(server.url);
  try {
    await waitForPhase(page, ["ready", "error"]);
    const s0 = await settledState(page);
    const good = trained.bytes;
    const payload = zlib.gunzipSync(good.subarray(12));
    // Valid gzip (right checksum) around a damaged payload: only the decoder and its checks can tell.
    const scrambled = Buffer.from(payload);
    scrambled[0] ^= 0xa5; // the data set's tag
    const versioned = Buffer.from(good);
    versioned.writeUInt32LE(99, 8);
    const cases = [
      ["truncated.sigpath", good.subarray(0, Math.floor(good.length / 2)), /cut short|damaged/],
      ["random.sigpath", crypto.randomBytes(5000), /not a sigpath experiment file/],
      ["style.css", fs.readFileSync(path.join(DIST, fs.readdirSync(DIST).find((f) => f.endsWith(".css")))), /not a sigpath experiment file/],
      ["future.sigpath", versioned, /format version 99/],
      ["tampered.sigpath", Buffer.concat([good.subarray(0, 12), zlib.gzipSync(scrambled)]), /damaged: its contents cannot be decoded/],
      ["short.sigpath", Buffer.concat([good.subarray(0, 12), zlib.gzipSync(payload.subarray(0, payload.length - 1000))]), /damaged: its contents cannot be decoded/],
      ["empty.sigpath", Buffer.alloc(0), /not a sigpath experiment file/],
    ];
    for (const [name, buffer, reason] of cases) {
      await page.getByTestId("import-input").setInputFiles({ name, mimeType: "application/octet-stream", buffer });
      const banner = page.getByTestId("error-message");
      await page.waitForFunction((n) => document.querySelector('[data-testid="error-message"]')?.textContent.includes(n), name);
      const text = await banner.textContent();
      assert.match(text, new RegExp(`^${name.replace(".", "\\.")} could not be opened: `));
      assert.match(text, reason, `${name}: ${text}`);
      assert.match(text, /The page is unchanged\.$/);
      const s = await state(page);
      assert.equal(s.error, text);
      assert.deepEqual({ ...s, error: null }, { ...s0, error: null }, `${name} left state() as it was`);
      console.log(`# ${name}: ${text}`);
      await page.getByRole("button", { name: "Dismiss the message" }).click();
    }
    await screenshot(page, "share-bad-file");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("a share link opened in a fresh browser restores the settings and reproduces the run on the CPU", async () => {
  assert.ok(trained, "the export test ran");
  const s1 = trained.state;
  const { context, page, problems } = await open(s1.share_url);
  try {
    assert.equal(await waitForPhase(page, ["idle", "ready", "error"]), "idle");
    let s = await state(page);
    assert.deepEqual(s.config, s1.config);
    assert.equal(s.layers, null, "a link carries settings, not results");
    assert.equal(s.error, null);
    assert.match(await page.getByTestId("notice").textContent(), /press Train to reproduce/);
    assert.equal(await page.evaluate(() => location.hash), "", "the fragment is taken out of the address");
    await screenshot(page, "share-link-opened");
    assert.equal(await trainAndWait(page, 300_000), "ready");
    s = await state(page);
    assert.equal(s.backend, "cpu");
    assert.equal(s.training.test_accuracy, s1.training.test_accuracy, "the same accuracy");
    assert.deepEqual(s.training.loss_per_epoch, s1.training.loss_per_epoch);
    assert.deepEqual(timeless(s).layers, s1.layers, "the same clusters, with the link's K");
    assert.equal(s.share_url, s1.share_url);
    console.log(`# link reproduced test accuracy ${(s.training.test_accuracy * 100).toFixed(2)} % on the CPU path`);
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("a malformed, overlong or hostile link is ignored with a message, and the defaults are used", async () => {
  const expectIgnored = async (page, fragment) => {
    await page.waitForFunction(() => document.querySelector('[data-testid="error-message"]')?.textContent.startsWith("The link's"));
    const text = await page.getByTestId("error-message").textContent();
    assert.match(text, /^The link's settings could not be used \(.+\); the default settings are shown instead\.$/, text);
    assert.ok(text.length < 300 && !text.includes("<img"), `the message echoes little of the link: ${text}`);
    const s = await state(page);
    assert.deepEqual(s.config, DEFAULT_CONFIG);
    assert.ok(s.layers, "the demo is still shown");
    console.log(`# #${fragment.slice(0, 40)}: ${text}`);
    await page.getByRole("button", { name: "Dismiss the message" }).click();
  };
  // Opened with the page: the link is ignored and the demo comes up as on any first visit.
  for (const fragment of ["v=1&epochs=ten", "v=1&" + "a".repeat(5000), "v=1&data=<img src=x onerror=alert(1)>"]) {
    const { context, page, problems } = await open(`${server.url}#${fragment}`);
    try {
      page.on("dialog", (d) => problems.push(`dialog: ${d.message()}`));
      assert.equal(await waitForPhase(page, ["ready", "error"]), "ready", fragment);
      await page.waitForFunction(() => window.sigpath.timings().interactive_ms != null);
      await expectIgnored(page, fragment);
      if (fragment.startsWith("v=1&epochs")) {
        // Pasted into the address bar of the open page: the same (only the fragment changes).
        for (const next of ["v=2&data=mnist", "epochs=3", "v=1&classes=4", "v=1&hidden=32,64&k=auto,auto,auto", "v=1&nonsense=1", "v=1&lr=nan"]) {
          await page.evaluate((f) => { location.hash = f; }, next);
          await expectIgnored(page, next);
        }
        // A good link pasted the same way applies its settings (and leaves the address clean).
        await page.evaluate(() => { location.hash = "v=1&data=mnist&classes=1,3&per=50&epochs=2&seed=9"; });
        const config = await waitForConfig(page, { classes: [1, 3], per_class: 50, epochs: 2, seed: 9 });
        assert.equal(config.hidden.join(","), "32,64");
        assert.match(await page.getByTestId("notice").textContent(), /press Train to reproduce/);
        assert.equal(await page.evaluate(() => location.hash), "");
      }
      assert.deepEqual(await cspViolations(page), []);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  }
});

test("a reload restores the kept experiment; forget removes it; a reload mid-training says the run is lost", async () => {
  assert.ok(trained, "the export test ran");
  const { page, context, problems } = trained;
  try {
    await page.reload();
    assert.equal(await waitForPhase(page, ["ready", "error"]), "ready");
    await page.waitForFunction(() => window.sigpath.state().config.seed === 7);
    const s = await settledState(page);
    assert.deepEqual(timeless(s), timeless(trained.state));
    assert.match(await page.getByTestId("experiment-origin").textContent(), /kept in this browser/);
    await screenshot(page, "share-reloaded");

    // A reload during training loses that run only, and says so.
    await configure(page, { fields: { per_class: "", epochs: 3 } });
    await waitForConfig(page, { per_class: null, epochs: 3 });
    await page.getByTestId("train-button").click();
    await page.waitForFunction(() => document.body.dataset.phase === "training" && window.sigpath.state().training?.step > 0, null, { timeout: 120_000 });
    await page.reload();
    assert.equal(await waitForPhase(page, ["ready", "error"]), "ready");
    await page.waitForFunction(() => /reloaded while a network was training/.test(document.querySelector('[data-testid="notice"]')?.textContent ?? ""));
    assert.deepEqual(timeless(await settledState(page)), timeless(trained.state), "the last finished experiment is back");
    await screenshot(page, "share-reloaded-mid-training");

    // Forget: the next visit opens the demo.
    await page.getByTestId("forget-button").click();
    await page.waitForSelector('[data-testid="autosave-status"][data-kept="false"]');
    await page.reload();
    assert.equal(await waitForPhase(page, ["ready", "error"]), "ready");
    await page.waitForFunction(() => window.sigpath.timings().interactive_ms != null);
    assert.deepEqual((await state(page)).config, DEFAULT_CONFIG);
    assert.match(await page.getByTestId("experiment-origin").textContent(), /demo/i);
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(problems.filter((p) => !/ERR_ABORTED|net::/.test(p)), []);
  } finally {
    await context.close();
  }
});
