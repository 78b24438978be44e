// Issue 2: the page loads the shipped data, reports its state, shows the
// selection, and turns a broken asset into a plain message.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { serve } from "./lib/server.mjs";
import { launch, openPage, state, waitForPhase, waitForSettledPhase, screenshot } from "./lib/browser.mjs";
import { countsByLabel } from "./lib/data.mjs";
import { trainAndWait } from "./lib/page.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function countRows(page) {
  return page.$$eval('[data-testid="count-row"]', (rows) =>
    rows.map((r) => ({
      cls: Number(r.dataset.class),
      train: Number(r.querySelector('[data-testid="count-train"]').textContent),
      test: Number(r.querySelector('[data-testid="count-test"]').textContent),
    })),
  );
}

test("the page loads MNIST, reports its state and shows the counts of a selection", async () => {
  const server = await serve();
  const { context, page, problems } = await openPage(browser, server.url);
  try {
    // A first visit opens the bundled demo (issue 6): "ready" rather than "idle".
    assert.equal(await waitForPhase(page, ["ready", "idle", "error"]), "ready");
    const s = await state(page);
    assert.equal(s.phase, "ready");
    assert.equal(s.error, null);
    assert.equal(s.config.dataset, "mnist");
    assert.deepEqual(s.config.classes, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await page.waitForFunction(() => window.sigpath.timings().data_ready_ms != null);
    const timings = await page.evaluate(() => window.sigpath.timings());
    assert.ok(timings.data_ready_ms > 0, "data_ready_ms is reported");
    // The training images load when the visitor trains; their labels come first, for the counts.
    console.log(`# data ready ${timings.data_ready_ms.toFixed(0)} ms after navigation (MNIST test split + training labels)`);

    // The whole data set: the counts are MNIST's training counts (from the training labels).
    const trainCounts = countsByLabel("mnist/train-labels-idx1-ubyte.gz");
    const testCounts = countsByLabel("mnist/t10k-labels-idx1-ubyte.gz");
    let rows = await countRows(page);
    assert.deepEqual(rows.map((r) => r.train), trainCounts);
    await screenshot(page, "foundation-all-classes");

    // Keep 7, 1, 3 with 100 images each.
    await page.getByRole("button", { name: "None", exact: true }).click();
    for (const c of [7, 1, 3]) await page.getByTestId(`class-${c}`).check();
    await page.getByTestId("config-per_class").fill("100");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="count-row"]').length === 3);
    await page.waitForFunction(() => document.querySelector('[data-testid="count-total"]')?.textContent === "300");
    rows = await countRows(page);
    assert.deepEqual(rows.map((r) => r.cls), [1, 3, 7]);
    assert.deepEqual(rows.map((r) => r.train), [100, 100, 100]);
    assert.deepEqual(rows.map((r) => r.test), [1, 3, 7].map((c) => testCounts[c]));
    const s2 = await state(page);
    assert.deepEqual(s2.config.classes, [1, 3, 7]);
    assert.equal(s2.config.per_class, 100);

    // The sample grid shows 3 rows of ink on black.
    const grid = await page.getByTestId("sample-grid").evaluate((c) => {
      const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] > 128) ink += 1;
      return { width: c.width, height: c.height, ink };
    });
    assert.equal(grid.height, 3 * 28);
    assert.ok(grid.ink > 500, `the sample grid has ink (${grid.ink} bright pixels)`);
    await screenshot(page, "foundation-selection-1-3-7");

    // One class only: refused with a message next to the field, config unchanged.
    await page.getByRole("button", { name: "None", exact: true }).click();
    await page.getByTestId("class-3").check();
    await page.getByTestId("field-error-classes").waitFor({ state: "visible" });
    assert.match(await page.getByTestId("field-error-classes").textContent(), /at least two classes/);
    assert.deepEqual((await state(page)).config.classes, [1, 3, 7]);
    for (const c of [1, 7]) await page.getByTestId(`class-${c}`).check();
    await page.getByTestId("field-error-classes").waitFor({ state: "hidden" });

    // Animal-Shape: class names instead of digits, 800 per class for training.
    await page.getByTestId("config-dataset").selectOption("animals");
    await page.getByRole("button", { name: "All", exact: true }).click();
    await page.getByTestId("config-per_class").fill("");
    // The demo's MNIST views stay on screen ("ready"); Animal-Shape may already be loaded for the findings.
    await page.waitForFunction(
      () => window.sigpath.state().config.dataset === "animals" && ["idle", "ready"].includes(document.body.dataset.phase),
      null,
      { timeout: 120_000 },
    );
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="count-row"]').length === 10);
    rows = await countRows(page);
    assert.deepEqual(rows.map((r) => r.train), new Array(10).fill(800));
    assert.deepEqual(rows.map((r) => r.test), new Array(10).fill(200));
    assert.match(await page.getByTestId("class-counts").textContent(), /cat.*dog/s);
    await screenshot(page, "foundation-animals");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    await server.close();
  }
});

test("a corrupted IDX asset gives a plain message and the page keeps working", async () => {
  const server = await serve({
    overrides: { "data/mnist/t10k-images-idx3-ubyte.gz": { body: crypto.randomBytes(4096) } },
  });
  const { context, page } = await openPage(browser, server.url);
  try {
    // The page may ask for the file twice (for the screen, then for the demo): wait until it has given up.
    assert.equal(await waitForSettledPhase(page, ["idle", "error"]), "error");
    const banner = page.getByTestId("error-message");
    await banner.waitFor({ state: "visible" });
    const text = await banner.textContent();
    assert.match(text, /MNIST test images/);
    assert.match(text, /not gzip/);
    const s = await state(page);
    assert.equal(s.phase, "error");
    assert.equal(s.error, text);
    await screenshot(page, "foundation-corrupt-asset");

    // What still works: the other data set.
    await page.getByTestId("config-dataset").selectOption("animals");
    assert.equal(await waitForPhase(page, ["idle"]), "idle");
    assert.equal((await state(page)).error, null);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="count-row"]').length === 10);
  } finally {
    await context.close();
    await server.close();
  }
});

test("a gzip stream cut short and a missing file are reported in words (when training loads them)", async () => {
  const fs = await import("node:fs");
  const { DATA } = await import("./lib/data.mjs");
  const real = fs.readFileSync(`${DATA}/mnist/train-images-idx3-ubyte.gz`);
  for (const [override, pattern] of [
    [{ body: real.subarray(0, real.length / 3) }, /MNIST training images.*(damaged|cut short)/],
    [{ status: 404, body: "gone" }, /MNIST training images.*could not be downloaded.*404/],
  ]) {
    const server = await serve({ overrides: { "data/mnist/train-images-idx3-ubyte.gz": override } });
    const { context, page, problems } = await openPage(browser, server.url);
    try {
      // The training images are fetched by the first Train, not on load.
      assert.equal(await waitForPhase(page, ["ready", "idle", "error"]), "ready");
      assert.equal(await trainAndWait(page, 120_000), "error");
      assert.match(await page.getByTestId("error-message").textContent(), pattern);
      assert.ok(!problems.some((p) => p.startsWith("pageerror")), `no uncaught exception: ${problems}`);
    } finally {
      await context.close();
      await server.close();
    }
  }
});
