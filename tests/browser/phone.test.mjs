// Issue 30: the visitor on a phone. A 390×844 touch viewport at device scale
// 2: nothing wider than the screen, the drawing pad on the first screen, a
// finger stroke that draws (and does not scroll the page), the settings
// folded behind a button that opens them and trains. The screenshots go to
// tests/output/screenshots/ (phone-*), and the desktop one to docs/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "./lib/server.mjs";
import { launch, state, waitForPhase, screenshot } from "./lib/browser.mjs";
import { configure, waitForConfig, trainAndWait } from "./lib/page.mjs";

const PHONE = { width: 390, height: 844 };
const here = path.dirname(fileURLToPath(import.meta.url));

let server;
let browser;
let phone;

before(async () => {
  server = await serve();
  browser = await launch();
  const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(server.url);
  assert.equal(await waitForPhase(page, ["ready", "error"]), "ready");
  phone = { context, page, problems };
});

after(async () => {
  await phone?.context.close();
  await browser?.close();
  await server?.close();
});

/** Elements wider than the viewport, or sticking out of it, that are not inside a scrolling box. */
async function overflowing(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const scrolls = (el) => {
      for (let p = el.parentElement; p; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (o === "auto" || o === "scroll" || o === "hidden") return true;
      }
      return false;
    };
    const out = [];
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || getComputedStyle(el).position === "fixed") continue;
      if ((r.right > width + 1 || r.left < -1) && !scrolls(el)) out.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
    }
    return { width, scrollWidth: document.documentElement.scrollWidth, out: out.slice(0, 10) };
  });
}

test("on a phone nothing is wider than the screen and the drawing pad is on the first screen", async () => {
  const { page } = phone;
  // Every view has mounted at "ready".
  const { width, scrollWidth, out } = await overflowing(page);
  assert.equal(width, PHONE.width);
  assert.ok(scrollWidth <= width, `the document is ${scrollWidth} px wide on a ${width} px screen: ${out.join("; ")}`);
  assert.deepEqual(out, []);
  const pad = await page.getByTestId("draw-canvas").boundingBox();
  assert.ok(pad && pad.y >= 0 && pad.y + pad.height <= PHONE.height, `the pad is on the first screen: ${JSON.stringify(pad)}`);
  assert.ok(pad.width >= 250, `the pad is finger-sized: ${pad.width} px`);
  // The settings are folded behind one button.
  assert.equal(await page.getByTestId("train-button").isVisible(), false);
  assert.equal(await page.getByTestId("config-toggle").isVisible(), true);
  // Touch targets of at least 44 px.
  const small = await page.evaluate(() =>
    [...document.querySelectorAll("button, select, input:not([type=checkbox]):not([type=file])")]
      .filter((el) => el.getBoundingClientRect().height > 0)
      .filter((el) => el.getBoundingClientRect().height < 44)
      .map((el) => `${el.tagName.toLowerCase()}[${el.dataset.testid ?? el.textContent.trim().slice(0, 20)}] ${el.getBoundingClientRect().height}`),
  );
  assert.deepEqual(small, [], "controls shorter than 44 px");
  await page.screenshot({ path: path.join(here, "../output/screenshots/phone-first-screen.png") });
  await screenshot(page, "phone-full-page");
});

test("a finger stroke on the pad draws a prediction and does not scroll the page", async () => {
  const { page } = phone;
  const box = await page.getByTestId("draw-canvas").boundingBox();
  const scrolled = await page.evaluate(() => window.scrollY);
  const cdp = await page.context().newCDPSession(page);
  const at = ([fx, fy]) => ({ x: box.x + fx * box.width, y: box.y + fy * box.height });
  // A downward stroke: the page would scroll up if the pad let the finger through.
  const stroke = Array.from({ length: 25 }, (_, i) => [0.5, 0.15 + (i / 24) * 0.7]);
  try {
    await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [at(stroke[0])] });
    for (const p of stroke.slice(1)) await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [at(p)] });
    await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  } finally {
    await cdp.detach();
  }
  await page.waitForFunction(() => window.sigpath.state().probe?.source === "drawing");
  const s = await state(page);
  assert.equal(s.probe.prediction, 1, `a vertical stroke reads as a 1: ${JSON.stringify(s.probe.probabilities)}`);
  assert.match(await page.getByTestId("probe-prediction").textContent(), /1/);
  assert.equal(await page.evaluate(() => window.scrollY), scrolled, "the page did not scroll");
  await page.screenshot({ path: path.join(here, "../output/screenshots/phone-drawn.png") });
});

test("on a phone the settings open from their button and train", async () => {
  const { page, problems } = phone;
  // A click: after the stroke test's DevTools touch events, Playwright's tap()
  // on this button was often not turned into a click by headless Chromium
  // (not diagnosed; see the closing note of issue 30). Touch input itself is
  // the stroke test's subject.
  await page.getByTestId("config-toggle").click();
  await page.waitForSelector('[data-testid="config-toggle"][aria-expanded="true"]', { timeout: 10_000 });
  assert.equal(await page.getByTestId("config-toggle").getAttribute("aria-expanded"), "true");
  assert.equal(await page.getByTestId("train-button").isVisible(), true);
  await configure(page, { classes: [0, 1], fields: { per_class: 100, epochs: 1, batch_size: 32, seed: 5 } });
  await waitForConfig(page, { classes: [0, 1], per_class: 100, seed: 5 });
  const { scrollWidth, out } = await overflowing(page);
  assert.ok(scrollWidth <= PHONE.width, `the open settings fit: ${out.join("; ")}`);
  await screenshot(page, "phone-settings");
  assert.equal(await trainAndWait(page), "ready", (await state(page)).error ?? "");
  const s = await state(page);
  assert.deepEqual(s.config.classes, [0, 1]);
  assert.ok(s.layers?.length >= 2);
  assert.ok((await overflowing(page)).scrollWidth <= PHONE.width, "the trained run's views fit too");
  await screenshot(page, "phone-trained");
  assert.deepEqual(problems, []);
});

test("on a desktop the demo's one-epoch training chart is a curve, and the README's screenshot is the built page", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1200 } });
  try {
    const page = await context.newPage();
    await page.goto(server.url);
    assert.equal(await waitForPhase(page, ["ready", "error"]), "ready");
    const s = await state(page);
    assert.equal(s.config.epochs, 1, "the demo trained one epoch");
    const points = Number(await page.getByTestId("training-chart").getAttribute("data-loss-points"));
    assert.ok(points > 1, `the chart has ${points} loss readings`);
    // A drawn 1 on the pad, so the screenshot shows a signature path.
    const box = await page.getByTestId("draw-canvas").boundingBox();
    await page.mouse.move(box.x + 0.5 * box.width, box.y + 0.15 * box.height);
    await page.mouse.down();
    for (let i = 1; i <= 20; i++) await page.mouse.move(box.x + 0.5 * box.width, box.y + (0.15 + (i / 20) * 0.7) * box.height);
    await page.mouse.up();
    await page.waitForFunction(() => window.sigpath.state().probe?.source === "drawing");
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(here, "../../docs/screenshot.png") });
  } finally {
    await context.close();
  }
});
