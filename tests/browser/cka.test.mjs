// Issue 29: how alike the layers are. The demo's run shows linear CKA between
// every two of its layers (input pixels, h1, h2, output probabilities) in the
// cka-matrix view, state().cka carries the matrix, hovering a cell names both
// layers with the value, and the findings say which layer each is most like.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serve } from "./lib/server.mjs";
import { launch, openPage, state, waitForPhase, screenshot } from "./lib/browser.mjs";

let server;
let browser;
let session;

before(async () => {
  server = await serve();
  browser = await launch();
  session = await openPage(browser, server.url);
  assert.equal(await waitForPhase(session.page, ["ready", "error"]), "ready");
  await session.page.waitForFunction(() => window.sigpath.state().cka != null, null, { timeout: 60_000 });
});

after(async () => {
  await session?.context.close();
  await browser?.close();
  await server?.close();
});

test("state().cka holds every pair of the run's layers, input and output included", async () => {
  const { page } = session;
  const { cka, layers } = await state(page);
  assert.deepEqual(cka.layers, ["input", ...layers.map((l) => l.name), "output"]);
  const n = cka.layers.length;
  assert.equal(cka.matrix.length, n);
  for (let i = 0; i < n; i++) {
    assert.equal(cka.matrix[i].length, n);
    assert.ok(Math.abs(cka.matrix[i][i] - 1) < 1e-6, `a layer with itself: ${cka.matrix[i][i]}`);
    for (let j = 0; j < n; j++) {
      const v = cka.matrix[i][j];
      assert.ok(v >= 0 && v <= 1 + 1e-9, `${cka.layers[i]} × ${cka.layers[j]}: ${v}`);
      assert.ok(Math.abs(v - cka.matrix[j][i]) < 1e-9, "symmetric");
    }
  }
  // Neighbouring layers are more alike than the input and the output.
  const at = (a, b) => cka.matrix[cka.layers.indexOf(a)][cka.layers.indexOf(b)];
  assert.ok(at("h1", "h2") > at("input", "output"), `h1×h2 ${at("h1", "h2")} vs input×output ${at("input", "output")}`);
  const timings = await page.evaluate(() => window.sigpath.timings());
  console.log(`# cka_ms ${timings.cka_ms?.toFixed(0)} (all ${n * (n - 1) / 2} pairs of the demo on 10,000 images)`);
  assert.ok(timings.cka_ms > 0);
});

test("the cka-matrix view names both layers and the value under the pointer, and the findings use it", async () => {
  const { page } = session;
  const canvas = page.getByTestId("cka-matrix");
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  assert.ok(box && box.width > 200 && box.height > 100, JSON.stringify(box));
  const { cka } = await state(page);
  const seen = new Map();
  for (let fy = 0.05; fy < 1; fy += 0.05) {
    for (let fx = 0.05; fx < 1; fx += 0.05) {
      await page.mouse.move(box.x + fx * box.width, box.y + fy * box.height);
      const tip = page.getByTestId("chart-tooltip");
      if (!(await tip.isVisible())) continue;
      const text = await tip.textContent();
      const m = text.match(/^(\S+) × (\S+)\s*linear CKA ([0-9.]+)/);
      if (m) seen.set(`${m[1]}|${m[2]}`, Number(m[3]));
    }
  }
  assert.ok(seen.size >= 8, `cells found under the pointer: ${[...seen.keys()]}`);
  for (const [key, value] of seen) {
    const [a, b] = key.split("|").map((s) => s.toLowerCase());
    const expected = cka.matrix[cka.layers.indexOf(a)][cka.layers.indexOf(b)];
    assert.ok(Math.abs(value - expected) <= 0.005 + 1e-9, `${key}: shown ${value}, state ${expected}`);
  }
  await page.mouse.move(0, 0);
  const sentence = await page.getByTestId("cka-finding").textContent();
  assert.match(sentence, /^Linear CKA .*: h1 is most like .* \(\d\.\d\d\)/);
  await screenshot(page, "cka-matrix");
});
