// Issue 3: the interactive views (scatter per layer, heatmaps, silhouette
// chart, layer flow, contingency tables), on the CPU path. Trains small
// models in the page, looks at every canvas, hovers and clicks like a visitor.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { serve } from "./lib/server.mjs";
import { launch, state, waitForPhase, screenshot, OUTPUT } from "./lib/browser.mjs";
import { configure, waitForConfig } from "./lib/page.mjs";

let server;
let browser;
before(async () => {
  server = await serve();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const LAYERS = ["h1", "h2"];
const CANVASES = [
  "layer-flow",
  "silhouette-chart",
  ...LAYERS.flatMap((l) => [`scatter-${l}`, `heatmap-${l}`, `class-heatmap-${l}`, `contingency-${l}`]),
];

/** A page of its own context (so the pixel ratio can be chosen). */
async function open(deviceScaleFactor = 1) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    // Failed requests are reported below, with their address.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(`console: ${m.text()}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`http ${r.status()}: ${r.url()}`);
  });
  await page.goto(server.url);
  return { context, page, problems };
}

async function train(page, settings, expected) {
  // A first visit may open on the bundled demo ("ready"); either way, train our own.
  await waitForPhase(page, ["idle", "ready"]);
  await configure(page, settings);
  await waitForConfig(page, expected);
  await page.getByTestId("train-button").click();
  await page.waitForFunction(() => window.sigpath.state().phase !== "ready");
  assert.equal(await waitForPhase(page, ["ready", "error"], 900_000), "ready", (await state(page)).error ?? "");
}

/** Pixel statistics of a canvas, read back in the page. `selector` is CSS. */
async function pixels(page, selector) {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel);
    if (!c) return null;
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let opaque = 0, nonWhite = 0, black = 0;
    const colours = new Set();
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] === 0) continue;
      opaque++;
      if (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250) nonWhite++;
      if (d[i] === 0 && d[i + 1] === 0 && d[i + 2] === 0 && d[i + 3] === 255) black++;
      if (colours.size < 5000) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    }
    const r = c.getBoundingClientRect();
    return { width: c.width, height: c.height, cssWidth: r.width, cssHeight: r.height, opaque, nonWhite, black, colours: colours.size };
  }, selector);
}
const byId = (id) => `[data-testid="${id}"]`;
const overlayOf = (id) => `[data-testid="${id}"] + canvas.overlay`;

/** A fingerprint of a canvas's pixels, to see whether it was redrawn differently. */
async function fingerprint(page, selector) {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel);
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let h = 0;
    for (let i = 0; i < d.length; i += 7) h = (h * 31 + d[i]) >>> 0;
    return `${c.width}x${c.height}:${h}`;
  }, selector);
}

async function saveView(page, id) {
  const dir = path.join(OUTPUT, "screenshots");
  await fs.mkdir(dir, { recursive: true });
  await page.getByTestId(id).scrollIntoViewIfNeeded();
  // The element's box on the page: the chart and its overlay together.
  await page.getByTestId(id).screenshot({ path: path.join(dir, `views-${id}.png`) });
}

/** Move the mouse over a grid of points of `id`'s box until `tipId` shows; returns the position. */
async function hoverUntil(page, id, tipId, { xs = [0.45, 0.4, 0.5, 0.35, 0.55, 0.3, 0.6], ys = [0.5, 0.45, 0.55, 0.4, 0.6, 0.35, 0.65, 0.3, 0.7] } = {}) {
  const el = page.getByTestId(id);
  await el.scrollIntoViewIfNeeded();
  const box = await el.boundingBox();
  for (const fy of ys) {
    for (const fx of xs) {
      const x = box.x + box.width * fx;
      const y = box.y + box.height * fy;
      await page.mouse.move(x, y);
      const tip = page.getByTestId(tipId);
      try {
        await tip.waitFor({ state: "visible", timeout: 150 });
        return { x, y, tip };
      } catch {
        // nothing under the pointer here
      }
    }
  }
  throw new Error(`no ${tipId} over ${id}`);
}

describe("views of a small run (3 classes, high-density screen)", () => {
  let context, page, problems;
  before(async () => {
    ({ context, page, problems } = await open(2));
    await train(page, { classes: [1, 3, 7], fields: { per_class: 200, epochs: 2, batch_size: 32 } }, { classes: [1, 3, 7], per_class: 200, epochs: 2 });
  });
  after(async () => {
    await context?.close();
  });

  test("every view is drawn, at the screen's pixel density, and saved as a screenshot", async () => {
    for (const id of CANVASES) {
      await page.getByTestId(id).waitFor({ state: "visible" });
      const p = await pixels(page, byId(id));
      assert.ok(p, `${id} exists`);
      assert.ok(p.cssWidth > 200 && p.cssHeight > 100, `${id} is laid out: ${p.cssWidth}×${p.cssHeight}`);
      assert.equal(p.width, Math.round(p.cssWidth * 2), `${id} is drawn at devicePixelRatio 2 (width)`);
      assert.equal(p.height, Math.round(p.cssHeight * 2), `${id} is drawn at devicePixelRatio 2 (height)`);
      assert.ok(p.nonWhite > p.width * p.height * 0.01, `${id} is not blank: ${p.nonWhite} coloured pixels`);
      assert.ok(p.colours > 8, `${id} has several colours: ${p.colours}`);
      await saveView(page, id);
    }
    // Every evaluation image is a point of the scatter.
    const n = (await state(page)).layers[0].cluster_sizes.reduce((a, b) => a + b, 0);
    for (const l of LAYERS) assert.equal(await page.getByTestId(`scatter-${l}`).getAttribute("data-drawn-points"), String(n));
    await screenshot(page, "views-small-run");
    assert.deepEqual(problems, []);
  });

  test("the colour mode recolours the scatters", async () => {
    const select = page.getByTestId("color-mode");
    assert.deepEqual(await select.locator("option").evaluateAll((os) => os.map((o) => o.value)), ["cluster", "label", "prediction", "correct"]);
    const seen = new Set();
    for (const mode of ["cluster", "label", "prediction", "correct"]) {
      await select.selectOption(mode);
      await page.waitForSelector(`${byId("scatter-h1")}[data-mode="${mode}"]`);
      await page.waitForSelector(`${byId("scatter-h2")}[data-mode="${mode}"]`);
      seen.add(await fingerprint(page, byId("scatter-h1")));
      if (mode === "correct") await saveView(page, "scatter-h1");
    }
    // Label and prediction can coincide on a well-trained model; cluster, label and right/wrong cannot.
    assert.ok(seen.size >= 3, `distinct pictures: ${seen.size}`);
    await select.selectOption("cluster");
    await page.waitForSelector(`${byId("scatter-h1")}[data-mode="cluster"]`);
    assert.deepEqual(problems, []);
  });

  test("hovering a point shows the image; clicking it makes it the probe and draws its path", async () => {
    const before = await pixels(page, overlayOf("layer-flow"));
    assert.equal(before.black, 0, "no probe path before a probe");
    const { x, y, tip } = await hoverUntil(page, "scatter-h1", "scatter-tooltip");
    const text = await tip.textContent();
    assert.match(text, /Test image #\d+/);
    assert.match(text, /label: [137]/);
    assert.match(text, /predicted: [137]/);
    assert.match(text, /cluster at H1: \d/);
    const label = Number(await tip.getAttribute("data-label"));
    const prediction = Number(await tip.getAttribute("data-prediction"));
    const cluster = Number(await tip.getAttribute("data-cluster"));
    const row = Number(await tip.getAttribute("data-row"));
    assert.ok([1, 3, 7].includes(label) && [1, 3, 7].includes(prediction));
    const thumb = await pixels(page, `${byId("scatter-tooltip")} canvas`);
    assert.equal(thumb.width, 28, "the thumbnail is the 28×28 image");
    assert.ok(thumb.nonWhite > 200 && thumb.nonWhite < 784, `the digit has ink and background: ${thumb.nonWhite}`);
    const hovered = await pixels(page, overlayOf("scatter-h1"));
    assert.ok(hovered.black > 0, "the hovered point is ringed");
    await page.screenshot({ path: path.join(OUTPUT, "screenshots", "views-scatter-tooltip.png") });

    await page.mouse.click(x, y);
    await page.waitForFunction(() => window.sigpath.state().probe?.source === "dataset", null, { timeout: 30_000 });
    const s = await state(page);
    assert.equal(s.probe.prediction, prediction, "the probe is the hovered image");
    assert.equal(s.probe.path[0], cluster, "its cluster at H1 is the one the tooltip named");
    // The path over the flow: true class, clusters, prediction (class indices).
    const classes = s.config.classes;
    const expected = [classes.indexOf(label), ...s.probe.path, classes.indexOf(prediction)].join(",");
    await page.waitForSelector(`${byId("layer-flow")}[data-probe-path="${expected}"]`);
    const after = await pixels(page, overlayOf("layer-flow"));
    assert.ok(after.black > 500, `the probe's path is drawn over the flow: ${after.black} casing pixels`);
    await page.mouse.move(0, 0);
    const marker = await pixels(page, overlayOf("scatter-h2"));
    assert.ok(marker.black > 20, `the probe's marker is on the other scatter too: ${marker.black}`);
    await saveView(page, "layer-flow");
    await saveView(page, "scatter-h2");
    console.log(`# probed test row ${row}: label ${label}, prediction ${prediction}, path ${expected}`);
    assert.deepEqual(problems, []);
  });

  test("hovering a band of the flow highlights its images in the scatters", async () => {
    const veilBefore = (await pixels(page, overlayOf("scatter-h1"))).opaque;
    const { tip } = await hoverUntil(page, "layer-flow", "chart-tooltip", { xs: [0.3, 0.5, 0.7, 0.2, 0.8], ys: [0.5, 0.3, 0.7, 0.2, 0.8] });
    const text = await tip.textContent();
    assert.match(text, /→/, `a band: ${text}`);
    const count = Number((await tip.locator(".tip-line").first().textContent()).match(/^(\d+) images of class [137]$/)[1]);
    assert.ok(count > 0);
    await assert.doesNotReject(page.waitForFunction((n) => document.querySelector('[data-testid="highlight-note"]').textContent.includes(`(${n} images)`), count));
    const veil = await pixels(page, overlayOf("scatter-h1"));
    assert.ok(veil.opaque > veilBefore + veil.width * veil.height * 0.2, "the scatter is veiled except the band's images");
    await page.getByTestId("scatter-h1").scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(OUTPUT, "screenshots", "views-band-highlight.png") });
    await page.mouse.move(0, 0);
    await page.waitForFunction(() => !document.querySelector('[data-testid="highlight-note"]').textContent.startsWith("Highlighted"));
    // The keyboard reaches the same bands: the largest band from the true classes first.
    await page.getByTestId("layer-flow").focus();
    await page.keyboard.press("ArrowDown");
    await page.waitForFunction(() => /^Highlighted: class \S+ → cluster \d+ at H1 \(\d+ images\)/.test(document.querySelector('[data-testid="highlight-note"]').textContent));
    await page.keyboard.press("ArrowRight");
    await page.waitForFunction(() => /^Highlighted: cluster \d+ at H1 → cluster \d+ at H2/.test(document.querySelector('[data-testid="highlight-note"]').textContent));
    await page.keyboard.press("Escape");
    await page.waitForFunction(() => !document.querySelector('[data-testid="highlight-note"]').textContent.startsWith("Highlighted"));
    assert.deepEqual(problems, []);
  });

  test("heatmaps and tables explain what is under the pointer", async () => {
    const { tip } = await hoverUntil(page, "heatmap-h1", "chart-tooltip", { xs: [0.5, 0.3], ys: [0.3, 0.5] });
    assert.match(await tip.textContent(), /neuron \d+ of H1: (mean )?activation -?\d/);
    const cls = await hoverUntil(page, "class-heatmap-h2", "chart-tooltip", { xs: [0.5], ys: [0.2, 0.4, 0.6] });
    assert.match(await cls.tip.textContent(), /Class [137].*neuron \d+ of H2: mean activation/s);
    const cell = await hoverUntil(page, "contingency-h1", "chart-tooltip", { xs: [0.5, 0.35], ys: [0.3, 0.5] });
    assert.match(await cell.tip.textContent(), /Cluster \d of H1 × class [137]\s*\d+ images/);
    await page.mouse.move(0, 0);
  });

  test("changing K in the silhouette chart updates the selector and every view", async () => {
    const k0 = (await state(page)).layers[0].k;
    const flow0 = await fingerprint(page, byId("layer-flow"));
    const table0 = await pixels(page, byId("contingency-h1"));
    // With the keyboard: focus the chart, → (or ← at the top of the range).
    await page.getByTestId("silhouette-chart").focus();
    await page.keyboard.press(k0 < 10 ? "ArrowRight" : "ArrowLeft");
    const k1 = k0 < 10 ? k0 + 1 : k0 - 1;
    await page.waitForFunction((k) => window.sigpath.state().layers[0].k === k, k1);
    assert.equal(await page.getByTestId("k-select-h1").inputValue(), String(k1));
    await page.waitForFunction(
      ([id, h]) => document.querySelector(`[data-testid="${id}"]`).height !== h,
      ["contingency-h1", table0.height],
    );
    assert.notEqual(await fingerprint(page, byId("layer-flow")), flow0, "the flow is redrawn with the new clusters");
    assert.match(await page.getByTestId("silhouette-status").textContent(), new RegExp(`H1: K = ${k1}, chosen by you`));

    // With the mouse: hover a marker of H2 and click it.
    const ks = Object.keys((await state(page)).layers[1].silhouette_by_k).map(Number);
    const xs = ks.map((_, i) => 0.12 + (0.62 * i) / (ks.length - 1));
    let picked = null;
    const chart = page.getByTestId("silhouette-chart");
    const box = await chart.boundingBox();
    for (const fy of [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.15, 0.8]) {
      for (const fx of xs) {
        await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
        const tip = page.getByTestId("chart-tooltip");
        try {
          await tip.waitFor({ state: "visible", timeout: 150 });
        } catch {
          continue;
        }
        const m = (await tip.textContent()).match(/H2, K = (\d+).*click to use/s);
        if (m) {
          picked = Number(m[1]);
          await page.mouse.click(box.x + box.width * fx, box.y + box.height * fy);
          break;
        }
      }
      if (picked) break;
    }
    assert.ok(picked, "found a K of H2 that is not in use");
    await page.waitForFunction((k) => window.sigpath.state().layers[1].k === k, picked);
    assert.equal(await page.getByTestId("k-select-h2").inputValue(), String(picked));
    await saveView(page, "silhouette-chart");
    await page.mouse.move(0, 0);
    assert.deepEqual(problems, []);
  });

  test("zoom and pan with the wheel, the buttons and the keyboard", async () => {
    const id = "scatter-h1";
    const el = page.getByTestId(id);
    await el.scrollIntoViewIfNeeded();
    const reset = page.getByTestId(`scatter-reset-${"h1"}`);
    assert.equal(await reset.isDisabled(), true, "nothing to reset yet");
    const all = Number(await el.getAttribute("data-drawn-points"));
    const box = await el.boundingBox();
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5);
    for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -200);
    await page.waitForFunction(([sel, n]) => Number(document.querySelector(sel).dataset.drawnPoints) < n, [byId(id), all]);
    assert.equal(await reset.isEnabled(), true);
    // Drag pans: the picture changes, the page does not scroll.
    const scrollY = await page.evaluate(() => window.scrollY);
    const before = await fingerprint(page, byId(id));
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(([sel, fp]) => {
      const c = document.querySelector(sel);
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let h = 0;
      for (let i = 0; i < d.length; i += 7) h = (h * 31 + d[i]) >>> 0;
      return `${c.width}x${c.height}:${h}` !== fp;
    }, [byId(id), before]);
    assert.equal(await page.evaluate(() => window.scrollY), scrollY);
    await saveView(page, id);
    await reset.click();
    await page.waitForSelector(`${byId(id)}[data-drawn-points="${all}"]`);
    // Keyboard: focus, + zooms, 0 resets, Enter follows the image at the cross.
    await el.focus();
    await page.keyboard.press("+");
    await page.waitForFunction(([sel, n]) => Number(document.querySelector(sel).dataset.drawnPoints) < n, [byId(id), all]);
    await page.keyboard.press("0");
    await page.waitForSelector(`${byId(id)}[data-drawn-points="${all}"]`);
    assert.equal(await reset.isDisabled(), true);
    assert.deepEqual(problems, []);
  });

  test("keyboard: Tab reaches the colour mode and the scatter; Enter follows the image at the cross", async () => {
    await page.getByTestId("color-mode").focus();
    await page.keyboard.press("Tab");
    // The zoom buttons of the first scatter come next, then its canvas.
    let focused = "";
    for (let i = 0; i < 5 && focused !== "scatter-h1"; i++) {
      focused = await page.evaluate(() => document.activeElement?.dataset?.testid ?? document.activeElement?.tagName);
      if (focused !== "scatter-h1") await page.keyboard.press("Tab");
    }
    assert.equal(focused, "scatter-h1");
    const tip = page.getByTestId("scatter-tooltip");
    await tip.waitFor({ state: "visible" });
    const row = await tip.getAttribute("data-row");
    const prediction = Number(await tip.getAttribute("data-prediction"));
    await page.keyboard.press("Enter");
    await page.waitForFunction((p) => {
      const s = window.sigpath.state();
      return s.probe?.source === "dataset" && s.probe.prediction === p;
    }, prediction);
    await page.keyboard.press("Escape");
    console.log(`# keyboard probe: row ${row}`);
    assert.deepEqual(problems, []);
  });

  test("on a tablet-sized window the views are redrawn to fit, without scrolling sideways", async () => {
    const wide = await pixels(page, byId("scatter-h1"));
    await page.setViewportSize({ width: 768, height: 1024 });
    // One column now: the scatter takes the new width of its box (wider than in two columns).
    await page.waitForFunction(([sel, w]) => {
      const c = document.querySelector(sel);
      return c.width !== w && c.width === Math.round(c.parentElement.clientWidth * 2);
    }, [byId("scatter-h1"), wide.width]);
    // Let the other charts take their new width too.
    await page.waitForTimeout(500);
    // (Only the views: the training chart elsewhere on the page keeps its width until it is redrawn.)
    const views = await page.evaluate(() => {
      const s = document.querySelector("section.views");
      return { scroll: s.scrollWidth, client: s.clientWidth, right: s.getBoundingClientRect().right };
    });
    assert.ok(views.scroll <= views.client && views.right <= 768, `the views panel does not scroll sideways: ${JSON.stringify(views)}`);
    for (const id of CANVASES) {
      const p = await pixels(page, byId(id));
      const box = await page.getByTestId(id).boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 768, `${id} fits the window: ${box.x}..${box.x + box.width}`);
      assert.equal(p.width, Math.round(p.cssWidth * 2), `${id} is redrawn at its new width`);
      assert.ok(p.nonWhite > p.width * p.height * 0.01, `${id} is not blank`);
    }
    await screenshot(page, "views-tablet");
    await page.getByTestId("color-mode").scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(OUTPUT, "screenshots", "views-tablet-scatters.png") });
    await page.setViewportSize({ width: 1280, height: 900 });
    assert.deepEqual(problems, []);
  });
});

describe("the full MNIST test set (10,000 points per scatter)", () => {
  test("scatters draw every test image; redraw times are printed", async () => {
    const { context, page, problems } = await open(2);
    try {
      await train(page, { classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], fields: { per_class: 300, epochs: 1, batch_size: 64 } }, { per_class: 300, epochs: 1 });
      const s = await state(page);
      const n = s.layers[0].cluster_sizes.reduce((a, b) => a + b, 0);
      assert.equal(n, 10_000);
      for (const l of LAYERS) await page.waitForSelector(`${byId(`scatter-${l}`)}[data-drawn-points="10000"]`);
      const times = [];
      const select = page.getByTestId("color-mode");
      for (const mode of ["label", "prediction", "correct", "cluster", "label", "cluster"]) {
        await select.selectOption(mode);
        await page.waitForSelector(`${byId("scatter-h2")}[data-mode="${mode}"]`);
        times.push((await page.evaluate(() => window.sigpath.timings())).scatter_ms);
      }
      for (const id of CANVASES) {
        const p = await pixels(page, byId(id));
        assert.ok(p.nonWhite > p.width * p.height * 0.01, `${id} is not blank`);
      }
      await select.selectOption("label");
      await page.waitForSelector(`${byId("scatter-h1")}[data-mode="label"]`);
      for (const id of ["scatter-h1", "scatter-h2", "layer-flow", "heatmap-h2", "contingency-h2"]) {
        await page.getByTestId(id).scrollIntoViewIfNeeded();
        await page.getByTestId(id).screenshot({ path: path.join(OUTPUT, "screenshots", `views-mnist10k-${id}.png`) });
      }
      // Hover cost: move across the scatter and time the page's handling.
      const box = await page.getByTestId("scatter-h1").boundingBox();
      const hoverMs = await page.evaluate(async ({ x0, y0, w, h }) => {
        const c = document.querySelector('[data-testid="scatter-h1"]');
        // Each move, then the microtasks it queued (the page's effects: overlay, tooltip).
        let total = 0;
        for (let i = 0; i < 200; i++) {
          const x = x0 + w * (0.15 + 0.6 * (i / 200));
          const y = y0 + h * 0.5;
          const started = performance.now();
          c.dispatchEvent(new PointerEvent("pointermove", { clientX: x, clientY: y, bubbles: true }));
          for (let k = 0; k < 4; k++) await Promise.resolve();
          total += performance.now() - started;
        }
        return total / 200;
      }, { x0: box.x, y0: box.y, w: box.width, h: box.height });
      const t = await page.evaluate(() => window.sigpath.timings());
      console.log(`# 10,000-point scatter redraw at devicePixelRatio 2 (ms, per colour-mode change, last of two layers): ${times.map((v) => v.toFixed(1)).join(", ")}`);
      console.log(`# pointer move over a 10,000-point scatter: ${hoverMs.toFixed(2)} ms per event (hit test + overlay + tooltip)`);
      console.log(`# extract ${t.extract_ms?.toFixed(0)} ms, cluster ${t.cluster_ms?.toFixed(0)} ms`);
      await screenshot(page, "views-mnist10k");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

/** From the page's first script on: each time a run's results go up (the
 * layer table appears), what the page holds then, one task later, and when
 * body[data-phase] turns "ready". In `window.__reveal`, a record per showing. */
function watchReveal() {
  window.__reveal = [];
  const sections = () => ({
    phase: document.body?.dataset.phase ?? null,
    flow: document.querySelectorAll('[data-testid="layer-flow"]').length,
    scatters: document.querySelectorAll('[data-testid^="scatter-h"]').length,
    heatmaps: document.querySelectorAll('[data-testid^="heatmap-"]').length,
    contingency: document.querySelectorAll('[data-testid^="contingency-"]').length,
    findings: document.querySelectorAll('[data-testid="findings"]').length,
  });
  let current = null;
  new MutationObserver(() => {
    const table = document.querySelector('[data-testid="layer-table"]') != null;
    if (table && current == null) {
      current = { first: sections() };
      window.__reveal.push(current);
      // A posted message: it runs after the tasks the page has queued so far (its own yields), in order.
      const channel = new MessageChannel();
      const record = current;
      channel.port1.onmessage = () => { record.next = sections(); };
      channel.port2.postMessage(null);
    } else if (!table) {
      current = null;
    }
    if (current && !current.atReady && document.body?.dataset.phase === "ready") current.atReady = sections();
  }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-phase"] });
}

describe("a run's views go up a section per task", () => {
  // Mounted in one task they held the page for 220 to 320 ms after the demo
  // loaded; a task later the last sections must still be to come, and the
  // page must not say "ready" before they are all there.
  const whole = { flow: 1, scatters: 2, heatmaps: 2, contingency: 2, findings: 1 };
  const checkRecord = (record, what) => {
    assert.ok(record?.next, `${what}: the page was watched a task after the first section`);
    assert.equal(record.first.contingency, 0, `${what}: the tables come after the layer table`);
    assert.equal(record.next.contingency + record.next.findings, 0, `${what}: a task later the last sections are still to come: ${JSON.stringify(record.next)}`);
    assert.notEqual(record.next.phase, "ready", `${what}: not "ready" before every section is there`);
    const { phase, ...atReady } = record.atReady ?? {};
    assert.equal(phase, "ready", `${what}: the phase turned ready`);
    assert.deepEqual(atReady, whole, `${what}: at "ready" every section is there`);
  };

  test("the demo at load, then a run trained in the page", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      await page.addInitScript(watchReveal);
      await page.goto(server.url);
      await waitForPhase(page, "ready");
      const demo = await page.evaluate(() => window.__reveal);
      assert.equal(demo.length, 1, "the demo went up once");
      checkRecord(demo[0], "the demo");

      await train(page, { classes: [1, 3, 7], fields: { per_class: 100, epochs: 1, batch_size: 32 } }, { classes: [1, 3, 7], per_class: 100, epochs: 1 });
      const records = await page.evaluate(() => window.__reveal);
      assert.equal(records.length, 2, "the trained run went up once more");
      checkRecord(records[1], "the trained run");
      await screenshot(page, "views-after-staged-reveal");
    } finally {
      await context.close();
    }
  });

  test("Train pressed while the demo goes up: the page says ready only when the run has finished", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      await page.addInitScript(() => {
        window.__phases = [];
        let pressed = false;
        new MutationObserver(() => {
          const phase = document.body?.dataset.phase;
          if (phase && window.__phases.at(-1) !== phase) window.__phases.push(phase);
          // The demo's first section is up and the rest is to come: press Train now.
          if (!pressed && document.querySelector('[data-testid="layer-table"]')) {
            pressed = true;
            const button = document.querySelector('[data-testid="train-button"]');
            window.__pressed = { at: window.__phases.length, phase, disabled: button?.disabled ?? null, flow: document.querySelector('[data-testid="layer-flow"]') != null };
            button?.click();
          }
        }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-phase"] });
      });
      await page.goto(server.url);
      await page.waitForFunction(() => window.__pressed);
      const pressed = await page.evaluate(() => window.__pressed);
      assert.equal(pressed.disabled, false, "Train could be pressed");
      assert.equal(pressed.flow, false, "it was pressed while the demo's views were still going up");
      // The default settings: all of MNIST, one epoch.
      await page.waitForFunction(() => window.__phases.includes("analyzing") && document.body.dataset.phase === "ready", null, { timeout: 900_000 });
      const phases = await page.evaluate(() => window.__phases);
      assert.deepEqual(phases.slice(pressed.at), ["training", "analyzing", "ready"], `phases from the press on: ${phases.join(" → ")}`);
      assert.match(await page.getByTestId("experiment-origin").textContent(), /trained in this page/);
      assert.deepEqual(await page.evaluate(() => document.querySelectorAll('[data-testid^="contingency-"]').length), 2, "the run's views are there");
    } finally {
      await context.close();
    }
  });
});
