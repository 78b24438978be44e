// Issue 25: one owner for the experiment on screen. An answer that arrives
// for an experiment the visitor has already replaced (the demo's restore, a
// run's foreign-input scoring) is dropped, never shown over the newer one:
// for an opened file, a pasted link, and a finished run.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { serve, DIST } from "./lib/server.mjs";
import { launch, state, waitForPhase, screenshot } from "./lib/browser.mjs";
import { configure, waitForConfig, trainAndWait } from "./lib/page.mjs";

let server;
let browser;
const DEMO_BYTES = fs.readFileSync(path.join(DIST, "demo/experiment.sigpath"));

before(async () => {
  server = await serve();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh page whose demo request is held until `release()` is called. */
async function openWithDemoHeld() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  let release;
  const released = new Promise((resolve) => { release = resolve; });
  let requested;
  const demoRequested = new Promise((resolve) => { requested = resolve; });
  await context.route("**/demo/experiment.sigpath", async (route) => {
    requested();
    await released;
    await route.continue();
  });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(server.url);
  await demoRequested;
  return { context, page, problems, release };
}

/** Names of the page's performance marks, in order. */
async function marks(page) {
  return page.evaluate(() => performance.getEntriesByType("mark").map((m) => m.name));
}

/** Wait until `count` restores have been read and checked (the point where a
 * superseded one is dropped), then a little longer for anything it might show. */
async function waitForRestoresChecked(page, count) {
  await page.waitForFunction(
    (n) => performance.getEntriesByType("mark").filter((m) => m.name === "sigpath:restore-checked").length >= n,
    count,
    { timeout: 60_000 },
  );
  await page.waitForTimeout(1500);
}

/** state() once the foreign-input analysis has finished and nothing changes. */
async function settled(page) {
  await page.waitForFunction(() => window.sigpath.state().ood != null, null, { timeout: 180_000 });
  let last = JSON.stringify(await state(page));
  for (;;) {
    await page.waitForTimeout(1000);
    const now = JSON.stringify(await state(page));
    if (now === last) return JSON.parse(now);
    last = now;
  }
}

async function openFile(page, name) {
  await page.getByTestId("import-input").setInputFiles({ name, mimeType: "application/octet-stream", buffer: DEMO_BYTES });
}

test("an experiment file opened while the demo is on its way stays on screen when the demo arrives", async () => {
  const { context, page, problems, release } = await openWithDemoHeld();
  try {
    await openFile(page, "opened-first.sigpath");
    await page.waitForFunction(() => /opened-first/.test(document.querySelector('[data-testid="experiment-origin"]')?.textContent ?? ""));
    assert.equal(await waitForPhase(page, ["ready", "error"]), "ready");
    release();
    await waitForRestoresChecked(page, 2);
    assert.match(await page.getByTestId("experiment-origin").textContent(), /experiment file opened-first\.sigpath/);
    assert.equal(await waitForPhase(page, ["ready", "error"]), "ready");
    assert.equal((await marks(page)).filter((m) => m === "sigpath:restore-shown").length, 1, "only the file was shown");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("a link pasted while the demo is on its way keeps its settings when the demo arrives", async () => {
  const { context, page, problems, release } = await openWithDemoHeld();
  try {
    // The page listens for links once it is mounted.
    await page.waitForFunction(() => window.sigpath?.state != null);
    await page.evaluate(() => { location.hash = "v=1&data=mnist&classes=1,3&per=50&epochs=2&seed=9"; });
    await waitForConfig(page, { classes: [1, 3], per_class: 50, epochs: 2, seed: 9 });
    release();
    await waitForRestoresChecked(page, 1);
    const s = await state(page);
    assert.deepEqual(s.config.classes, [1, 3], "the link's settings are still in the form");
    assert.equal(s.config.seed, 9);
    assert.equal(s.layers, null, "the demo's results were not shown over the link");
    assert.equal(await waitForPhase(page, ["idle", "ready", "error"]), "idle");
    assert.ok(!(await marks(page)).includes("sigpath:restore-shown"));
    assert.ok(await page.getByTestId("train-button").isEnabled(), "the link's run can be trained");
    await screenshot(page, "superseded-link");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("a run's foreign-input scoring still under way when a file is opened never lands on the file's experiment", async () => {
  // What the file's experiment scores on its own, in a page of its own.
  const reference = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  let expected;
  try {
    const page = await reference.newPage();
    await page.goto(server.url);
    assert.equal(await waitForPhase(page, ["ready", "error"]), "ready");
    await openFile(page, "reference.sigpath");
    await page.waitForFunction(() => /reference/.test(document.querySelector('[data-testid="experiment-origin"]')?.textContent ?? ""));
    expected = await settled(page);
  } finally {
    await reference.close();
  }

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    const problems = [];
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    await page.goto(server.url);
    assert.equal(await waitForPhase(page, ["ready", "error"]), "ready");
    await configure(page, { classes: [1, 3, 7], fields: { per_class: 100, epochs: 1, batch_size: 32, seed: 7 } });
    await waitForConfig(page, { classes: [1, 3, 7], seed: 7 });
    assert.equal(await trainAndWait(page), "ready");
    // The run is on screen and its foreign inputs are (almost always) still being scored.
    console.log(`# the run's scoring was ${(await state(page)).ood == null ? "under way" : "already done"} when the file was opened`);
    await openFile(page, "after-the-run.sigpath");
    await page.waitForFunction(() => /after-the-run/.test(document.querySelector('[data-testid="experiment-origin"]')?.textContent ?? ""));
    const s = await settled(page);
    assert.deepEqual(s.config, expected.config);
    assert.deepEqual(s.ood, expected.ood, "the foreign inputs scored are the file's, not the run's");
    assert.deepEqual(s.layers, expected.layers);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
