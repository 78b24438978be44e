// Issue 4: draw a digit (mouse, pen, touch) and watch its path: prediction,
// probabilities, path through the clusters, familiarity verdict; the probe
// gallery (test images, Animal-Shape images) and how often each is judged
// unfamiliar. One small network (digits 0 and 1) is trained on the CPU path.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serve } from "./lib/server.mjs";
import { launch, openPage, state, waitForPhase, screenshot } from "./lib/browser.mjs";
import { configure, waitForConfig, recordProgress, stopRecording } from "./lib/page.mjs";

let server;
let browser;
let session;

before(async () => {
  server = await serve();
  browser = await launch();
  session = await openPage(browser, server.url);
  const { page } = session;
  // The page may open on a ready demo network; either way, train our own.
  await waitForPhase(page, ["idle", "ready"]);
  await configure(page, { classes: [0, 1], fields: { per_class: 200, epochs: 2, batch_size: 32 } });
  await waitForConfig(page, { classes: [0, 1], per_class: 200, epochs: 2, batch_size: 32 });
  // Phases from here on: the background load of Animal-Shape must not show up.
  await recordProgress(page);
  await train(page);
});

/** Train with the current configuration and wait for the run to be ready. */
async function train(page) {
  await page.getByTestId("train-button").click();
  await page.waitForFunction(() => !["idle", "ready"].includes(document.body.dataset.phase));
  assert.equal(await waitForPhase(page, ["ready", "error"], 900_000), "ready", (await state(page)).error ?? "");
}

after(async () => {
  await session?.context.close();
  await browser?.close();
  await server?.close();
});

/** The drawing canvas's box in page coordinates. */
async function canvasBox(page) {
  const box = await page.getByTestId("draw-canvas").boundingBox();
  assert.ok(box && box.width > 100, `the drawing canvas is laid out: ${JSON.stringify(box)}`);
  return box;
}

/** Points of a vertical stroke and of an ellipse, as fractions of the canvas. */
const VERTICAL = Array.from({ length: 25 }, (_, i) => [0.52 - i * 0.002, 0.18 + (i / 24) * 0.64]);
const CIRCLE = Array.from({ length: 49 }, (_, i) => {
  const t = (i / 48) * 2 * Math.PI;
  return [0.5 + 0.22 * Math.cos(t), 0.5 + 0.3 * Math.sin(t)];
});

/** Draw `points` with the mouse (real pointer events on the canvas). */
async function drawWithMouse(page, points) {
  const box = await canvasBox(page);
  const at = ([fx, fy]) => [box.x + fx * box.width, box.y + fy * box.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 2 });
  await page.mouse.up();
}

/** Draw `points` as a pen (`pointerType: "pen"`) or a finger, through the DevTools protocol. */
async function drawWith(page, kind, points) {
  const box = await canvasBox(page);
  const at = ([fx, fy]) => ({ x: box.x + fx * box.width, y: box.y + fy * box.height });
  const cdp = await page.context().newCDPSession(page);
  try {
    if (kind === "touch") {
      await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [at(points[0])] });
      for (const p of points.slice(1)) await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [at(p)] });
      await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
    } else {
      const send = (type, p, extra = {}) =>
        cdp.send("Input.dispatchMouseEvent", { type, ...at(p), pointerType: "pen", button: "left", ...extra });
      await send("mousePressed", points[0], { clickCount: 1, buttons: 1 });
      for (const p of points.slice(1)) await send("mouseMoved", p, { buttons: 1 });
      await send("mouseReleased", points.at(-1), { clickCount: 1, buttons: 0 });
    }
  } finally {
    await cdp.detach();
  }
}

/** Wait for a drawing probe published after `before` (a probe_ms timing), return state().probe. */
async function drawnProbe(page) {
  await page.waitForFunction(() => window.sigpath.state().probe?.source === "drawing");
  return (await state(page)).probe;
}

async function clearDrawing(page) {
  await page.getByTestId("clear-drawing").click();
  await page.waitForFunction(() => window.sigpath.state().probe === null);
}

/** The 28x28 input shown in the panel: rows and columns holding ink, centre of mass. */
async function shownInput(page) {
  return page.getByTestId("probe-input").evaluate((canvas) => {
    const data = canvas.getContext("2d").getImageData(0, 0, 28, 28).data;
    let mass = 0, sx = 0, sy = 0;
    const rows = new Set(), cols = new Set();
    for (let i = 0; i < 784; i++) {
      const v = data[i * 4] / 255;
      if (v > 0) { rows.add(Math.floor(i / 28)); cols.add(i % 28); }
      mass += v; sx += (i % 28) * v; sy += Math.floor(i / 28) * v;
    }
    const span = (s) => (s.size ? Math.max(...s) - Math.min(...s) + 1 : 0);
    return { height: span(rows), width: span(cols), cx: sx / mass, cy: sy / mass, mass };
  });
}

test("an empty canvas gives no prediction and says draw a digit", async () => {
  const { page } = session;
  const s = await state(page);
  assert.equal(s.probe, null);
  assert.match(await page.getByTestId("probe-prediction").textContent(), /^Draw a digit/);
  assert.equal(await page.getByTestId("probe-verdict").isVisible(), false);
});

test("a vertical stroke drawn with the mouse is a 1, a circle a 0; the path has one step per hidden layer", async () => {
  const { page, problems } = session;
  const s0 = await state(page);
  await drawWithMouse(page, VERTICAL);
  let probe = await drawnProbe(page);
  assert.equal(probe.prediction, 1, `probabilities ${probe.probabilities}`);
  assert.equal(probe.path.length, s0.config.hidden.length);
  assert.equal(probe.path.length, s0.layers.length);
  probe.path.forEach((cluster, i) => assert.ok(cluster < s0.layers[i].k, `cluster ${cluster} exists at ${s0.layers[i].name}`));
  assert.equal(probe.probabilities.length, 2);
  assert.ok(Math.abs(probe.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4);
  assert.ok(probe.ood_score >= 0 && probe.ood_score <= 1);
  assert.ok(["in-distribution", "unfamiliar"].includes(probe.ood_verdict));

  // What the network receives: a stroke 20 pixels tall, centred by mass.
  const input = await shownInput(page);
  assert.equal(input.height, 20, JSON.stringify(input));
  assert.ok(Math.abs(input.cx - 14) <= 0.6 && Math.abs(input.cy - 14) <= 0.6, `centre of mass ${input.cx}, ${input.cy}`);
  // The page says what it sees, and draws the path and the verdict.
  assert.match(await page.getByTestId("probe-prediction").textContent(), /sees a 1/);
  const verdict = page.getByTestId("probe-verdict");
  assert.equal(await verdict.getAttribute("data-verdict"), probe.ood_verdict);
  assert.match(await verdict.textContent(), probe.ood_verdict === "unfamiliar" ? /Unlike anything/ : /Looks like the digits/);
  const pathLabel = await page.getByTestId("signature-path").getAttribute("aria-label");
  for (const layer of s0.layers) assert.match(pathLabel, new RegExp(`${layer.name}: cluster ${probe.path[s0.layers.indexOf(layer)]}`));
  for (const layer of s0.layers) await page.getByTestId(`probe-layer-${layer.name}`).waitFor();
  const timing = (await page.evaluate(() => window.sigpath.timings())).probe_ms;
  assert.ok(timing > 0, "the end of the stroke is timed");
  await page.getByTestId("draw-canvas").scrollIntoViewIfNeeded();
  await screenshot(page, "draw-vertical-stroke");

  await clearDrawing(page);
  assert.match(await page.getByTestId("probe-prediction").textContent(), /^Draw a digit/);
  await drawWithMouse(page, CIRCLE);
  probe = await drawnProbe(page);
  assert.equal(probe.prediction, 0, `probabilities ${probe.probabilities}`);
  assert.equal(probe.path.length, s0.layers.length);
  assert.match(await page.getByTestId("probe-prediction").textContent(), /sees a 0/);
  await screenshot(page, "draw-circle");
  await clearDrawing(page);
  assert.deepEqual(problems, []);
});

test("pen and touch strokes draw too", async () => {
  const { page, problems } = session;
  for (const kind of ["pen", "touch"]) {
    await drawWith(page, kind, VERTICAL);
    assert.equal((await drawnProbe(page)).prediction, 1, `${kind}: vertical stroke`);
    await clearDrawing(page);
    await drawWith(page, kind, CIRCLE);
    assert.equal((await drawnProbe(page)).prediction, 0, `${kind}: circle`);
    await clearDrawing(page);
  }
  assert.deepEqual(problems, []);
});

test("end of stroke to updated views (timings().probe_ms)", async () => {
  const { page } = session;
  const figures = [];
  for (let i = 0; i < 10; i++) {
    const previous = (await page.evaluate(() => window.sigpath.timings())).probe_count;
    await drawWithMouse(page, i % 2 ? CIRCLE : VERTICAL);
    await drawnProbe(page);
    // The stroke's own figure (a new one replaces the previous).
    await page.waitForFunction((old) => window.sigpath.timings().probe_count !== old, previous);
    figures.push((await page.evaluate(() => window.sigpath.timings())).probe_ms);
    await clearDrawing(page);
  }
  const sorted = [...figures].sort((a, b) => a - b);
  console.log(`# end of stroke -> updated views: median ${sorted[5].toFixed(1)} ms, max ${sorted[9].toFixed(1)} ms over 10 strokes (CPU path, 784-32-64-2 net)`);
});

test("gallery images are probes; Animal-Shape images are judged unfamiliar more often than test digits", async () => {
  const { page, problems } = session;
  // The foreign set loads in the background without moving the phase off "ready".
  await page.getByTestId("gallery-foreign-0").waitFor({ timeout: 120_000 });
  await page.getByTestId("gallery-test-0").waitFor();
  const rec = await stopRecording(page);
  assert.deepEqual(rec.phases.slice(rec.phases.indexOf("training")), ["training", "analyzing", "ready"]);
  assert.equal((await state(page)).phase, "ready");

  await page.getByTestId("gallery-foreign-2").click();
  await page.waitForFunction(() => window.sigpath.state().probe?.source === "dataset");
  assert.match(await page.getByTestId("probe-caption").textContent(), /^Animal-Shape image \d+: a cat$/);
  await page.getByTestId("draw-canvas").scrollIntoViewIfNeeded();
  await screenshot(page, "draw-gallery-animal");

  await page.getByTestId("gallery-test-1").click();
  await page.waitForFunction(() => /^Test image/.test(document.querySelector('[data-testid="probe-caption"]').textContent));
  const caption = await page.getByTestId("probe-caption").textContent();
  const shown = Number(caption.match(/: an? (\d)$/)[1]);
  assert.equal((await state(page)).probe.source, "dataset");
  assert.ok([0, 1].includes(shown), caption);

  // Any image by number, from the keyboard-friendly form.
  await page.getByTestId("probe-source").selectOption("animals");
  await page.getByTestId("probe-index").fill("7");
  await page.getByTestId("probe-send").click();
  await page.waitForFunction(() => /^Animal-Shape image 7:/.test(document.querySelector('[data-testid="probe-caption"]').textContent));

  // 30 of each through the automation hook.
  const rate = async (set, indices) => {
    let unfamiliar = 0;
    for (const i of indices) {
      const probe = await page.evaluate(([s, n]) => window.sigpath.probeImage(s, n), [set, i]);
      assert.equal(probe.source, "dataset");
      assert.equal(probe.path.length, 2);
      if (probe.ood_verdict === "unfamiliar") unfamiliar += 1;
    }
    return unfamiliar / indices.length;
  };
  const evalCount = (await page.evaluate(() => window.sigpath.state().layers[0].cluster_sizes.reduce((a, b) => a + b, 0)));
  const digits = await rate("test", Array.from({ length: 30 }, (_, i) => Math.floor((i * evalCount) / 30)));
  const animals = await rate("animals", Array.from({ length: 30 }, (_, i) => (i * 67) % 2000));
  console.log(`# judged unfamiliar: Animal-Shape ${(animals * 100).toFixed(0)} % (30 images), test digits 0/1 ${(digits * 100).toFixed(0)} % (30 images)`);
  assert.ok(animals > digits, `animals ${animals} vs digits ${digits}`);
  await assert.rejects(page.evaluate(() => window.sigpath.probeImage("test", 1e9)), /past its end/);
  await assert.rejects(page.evaluate(() => window.sigpath.probeImage("cats", 0)), /Unknown image set/);
  assert.equal((await state(page)).phase, "ready");
  assert.deepEqual(problems, []);
});

test("the default network (784-32-64-10): end of stroke to updated views", async () => {
  const { page, problems } = session;
  await configure(page, { classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], fields: { per_class: 100, epochs: 1, hidden: "32, 64" } });
  await waitForConfig(page, { classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], per_class: 100, epochs: 1, hidden: [32, 64] });
  await train(page);
  const figures = [];
  for (let i = 0; i < 10; i++) {
    const previous = (await page.evaluate(() => window.sigpath.timings())).probe_count;
    await drawWithMouse(page, i % 2 ? CIRCLE : VERTICAL);
    const probe = await drawnProbe(page);
    assert.equal(probe.probabilities.length, 10);
    assert.equal(probe.path.length, 2);
    await page.waitForFunction((old) => window.sigpath.timings().probe_count !== old, previous);
    figures.push((await page.evaluate(() => window.sigpath.timings())).probe_ms);
    await clearDrawing(page);
  }
  const sorted = [...figures].sort((a, b) => a - b);
  const evalCount = (await state(page)).layers[0].cluster_sizes.reduce((a, b) => a + b, 0);
  console.log(`# default network, ${evalCount} evaluation images: end of stroke -> updated views median ${sorted[5].toFixed(1)} ms, max ${sorted[9].toFixed(1)} ms over 10 strokes`);
  assert.deepEqual(problems, []);
});
