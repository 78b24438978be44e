// Issue 5: the findings panel answers the seed's three questions from the
// visitor's own run (where class structure emerges, 3 vs 8 / cat vs dog, what
// a foreign input looks like) and `state().ood` holds every detector's AUROC.
// Digits: the foreign set (Animal-Shape) loads and is scored in the
// background while the phase stays "ready". Animals: names, not numbers, and
// MNIST digits as the foreign set. CPU path (no WebGPU adapter).
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { serve } from "./lib/server.mjs";
import { launch, openPage, state, waitForPhase, screenshot } from "./lib/browser.mjs";
import { configure, waitForConfig, recordProgress, stopRecording } from "./lib/page.mjs";

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

/** Wait until `state().ood` is filled (or a failure is shown in its place). */
async function waitForOod(page, timeout = 300_000) {
  await page.waitForFunction(
    () => window.sigpath.state().ood !== null || /could not|failed/.test(document.querySelector('[data-testid="finding-foreign"]')?.textContent ?? ""),
    null,
    { timeout },
  );
  const s = await state(page);
  assert.ok(s.ood, `the foreign analysis failed: ${await page.getByTestId("finding-foreign").textContent()}`);
  return s.ood;
}

/** Share of a canvas's pixels that are not background (white or transparent). */
async function inkedShare(page, testId) {
  return page.getByTestId(testId).evaluate((canvas) => {
    const { width, height } = canvas;
    if (!width || !height) return 0;
    const data = canvas.getContext("2d").getImageData(0, 0, width, height).data;
    let inked = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
      if (a > 0 && (r < 235 || g < 235 || b < 235)) inked++;
    }
    return inked / (width * height);
  });
}

const NUMBER = /\d\.\d{2}/;

describe("a digit network", () => {
  let session;
  let firstOod;
  before(async () => {
    session = await openPage(browser, server.url);
    const { page } = session;
    await waitForPhase(page, ["idle", "ready"]);
    await configure(page, { classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], fields: { per_class: 150, epochs: 2, batch_size: 32 } });
    await waitForConfig(page, { per_class: 150, epochs: 2, batch_size: 32 });
    // From before the run: the scoring may be over by the time the first test starts.
    await recordProgress(page);
    await page.getByTestId("train-button").click();
    assert.equal(await waitForPhase(page, ["training", "analyzing", "ready", "error"], 60_000) !== "error", true);
    await page.waitForFunction(() => window.sigpath.state().training?.step > 0 || document.body.dataset.phase === "ready", null, { timeout: 120_000 });
    assert.equal(await waitForPhase(page, ["ready", "error"], 600_000), "ready", (await state(page)).error ?? "");
  });
  after(async () => {
    await session?.context.close();
  });

  test("the foreign set is scored in the background while the phase stays ready", async () => {
    const { page, problems } = session;
    const started = Date.now();
    const ood = await waitForOod(page);
    const rec = await stopRecording(page);
    firstOod = ood;
    const t = await page.evaluate(() => window.sigpath.timings());
    console.log(`# digits: background analysis ${t.ood_ms?.toFixed(0)} ms, longest slice ${t.ood_slice_ms?.toFixed(0)} ms, ` +
      `scoring under the current K ${t.ood_rescore_ms?.toFixed(0)} ms, pair finding ${t.pair_ms?.toFixed(0)} ms`);
    console.log(`# digits: foreign analysis done ${((Date.now() - started) / 1000).toFixed(1)} s after "ready"; ` +
      `longest frame gap since Train ${rec.maxGapMs.toFixed(0)} ms; state().ood = ${JSON.stringify(ood)}`);
    // Once this run is ready, scoring never takes the page out of "ready".
    const runReady = rec.phases.indexOf("ready", rec.phases.indexOf("training"));
    assert.ok(rec.phases.includes("training") && runReady > 0, `phases: ${rec.phases.join(" > ")}`);
    assert.deepEqual(rec.phases.slice(runReady), ["ready"], `phases while scoring: ${rec.phases.join(" > ")}`);
    assert.equal(ood.probe_set, "animals");
    assert.deepEqual(Object.keys(ood.auroc_by_layer).sort(), ["h1", "h2"]);
    for (const [layer, a] of Object.entries(ood.auroc_by_layer)) {
      assert.ok(a >= 0 && a <= 1, `nearest-centre AUROC at ${layer}: ${a}`);
    }
    assert.ok(ood.auroc_max_softmax >= 0 && ood.auroc_max_softmax <= 1, `max softmax ${ood.auroc_max_softmax}`);
    assert.deepEqual(Object.keys(ood.auroc_mahalanobis).sort(), ["h1", "h2"]);
    assert.equal(ood.foreign_count, 10_000, "every Animal-Shape image is scored");
    assert.equal(ood.in_count, 10_000, "against the 10,000 test digits");
    // The signatures tell the two sets apart better than chance.
    assert.ok(Math.max(...Object.values(ood.auroc_mahalanobis)) > 0.7, JSON.stringify(ood));
    assert.deepEqual(problems, []);
  });

  test("the findings panel answers the three questions with this run's numbers", async () => {
    const { page } = session;
    const panel = page.getByTestId("findings");
    await panel.scrollIntoViewIfNeeded();
    const s = await state(page);

    const emergence = await page.getByTestId("finding-emergence").textContent();
    for (const layer of s.layers) {
      assert.ok(emergence.includes(`${layer.name} NMI ${layer.nmi.toFixed(2)}, purity ${layer.purity.toFixed(2)} (K = ${layer.k})`), emergence);
    }
    assert.match(emergence, /Class structure emerges at h\d|No layer's clusters reach NMI/);
    assert.match(emergence, /changes most between h1 and h2|does not rise/);

    // The pair finding is computed a step per task after the results show.
    await page.waitForFunction(() => / vs /.test(document.querySelector('[data-testid="finding-pair"]').textContent));
    const pair = await page.getByTestId("finding-pair").textContent();
    assert.match(pair, /Are the signatures of 3 different from those of 8\?/);
    assert.match(pair, /3 vs 8 \([\d,]+ and [\d,]+ test images\)/);
    assert.match(pair, /at h1 the two-class silhouette is -?\d\.\d{2}, their centres lie \d+\.\d{2} spreads apart and they share \d+% of their cluster membership/);
    assert.match(pair, /told apart best at h\d, where the neurons that differ most are h\d#\d+ \(3 -?\d\.\d{2}, 8 -?\d\.\d{2}\)/);
    assert.equal(await page.getByTestId("pair-a").inputValue(), "3");
    assert.equal(await page.getByTestId("pair-b").inputValue(), "8");

    const foreign = await page.getByTestId("finding-foreign").textContent();
    assert.match(foreign, /10,000 Animal-Shape images through the digits network/);
    assert.match(foreign, /at h1 their mean activation is \d+\.\d{2} against \d+\.\d{2} for the digits, and \d+ of 32 neurons stay silent/);
    assert.match(foreign, /at h2 .* of 64 neurons stay silent/);
    const best = Math.max(...Object.values(s.ood.auroc_by_layer), ...Object.values(s.ood.auroc_mahalanobis), s.ood.auroc_all_layers, s.ood.auroc_max_softmax);
    assert.ok(foreign.includes(`AUROC ${best.toFixed(3)}`), `the best detector's AUROC ${best.toFixed(3)} is named: ${foreign}`);
    assert.ok(foreign.includes(`max-softmax baseline reaches ${s.ood.auroc_max_softmax.toFixed(3)}`), foreign);
    // The detector table shows every AUROC of state().ood.
    for (const [layer, a] of Object.entries(s.ood.auroc_by_layer)) {
      const row = page.locator(`[data-testid="ood-table"] tr[data-detector="centre-${layer}"]`);
      assert.equal((await row.locator("td").textContent()).trim(), a.toFixed(3));
    }
    assert.match(foreign, NUMBER);

    // The score distributions are drawn.
    const share = await inkedShare(page, "ood-chart");
    assert.ok(share > 0.02, `the score chart is drawn (${(share * 100).toFixed(1)} % of its pixels)`);
    assert.ok(await inkedShare(page, "foreign-profile") > 0.1, "the profile strips are drawn");
    await panel.screenshot({ path: `${(await import("./lib/browser.mjs")).OUTPUT}/screenshots/findings-digits-panel.png` });
    await screenshot(page, "findings-digits");
  });

  test("another pair and another K recompute the findings", async () => {
    const { page, problems } = session;
    // Every text the finding shows on the way: computed in one task, the
    // sentence would replace the old one before anything could see a step between.
    await page.evaluate(() => {
      window.__pairTexts = [];
      const shown = document.querySelector('[data-testid="finding-pair"] p.finding');
      new MutationObserver(() => window.__pairTexts.push(shown.textContent))
        .observe(shown, { subtree: true, childList: true, characterData: true });
    });
    await page.getByTestId("pair-a").selectOption("4");
    await page.waitForFunction(() => /4 vs 8 \(/.test(document.querySelector('[data-testid="finding-pair"]').textContent));
    const texts = await page.evaluate(() => window.__pairTexts);
    assert.ok(texts.includes("Comparing the signatures of 4 and 8…"), `the finding says it is comparing while it does: ${JSON.stringify(texts)}`);
    assert.match(texts.at(-1), /^4 vs 8 \(/);
    assert.match(await page.getByTestId("finding-pair").locator("h3").textContent(), /signatures of 4 different from those of 8/);
    // Choosing the other side's class swaps the pair.
    await page.getByTestId("pair-b").selectOption("4");
    await page.waitForFunction(() => /8 vs 4 \(/.test(document.querySelector('[data-testid="finding-pair"]').textContent));

    const before = (await state(page)).ood.auroc_by_layer.h1;
    const kBefore = (await state(page)).layers[0].k;
    const k = kBefore === 2 ? "3" : "2";
    await page.getByTestId("k-select-h1").selectOption(k);
    await page.waitForFunction((b) => window.sigpath.state().ood?.auroc_by_layer.h1 !== b, before, { timeout: 30_000 });
    const s = await state(page);
    assert.equal(s.layers[0].k, Number(k));
    assert.notEqual(s.ood.auroc_by_layer.h1, before, "the nearest-centre detector follows K");
    assert.equal(s.ood.auroc_max_softmax, firstOod.auroc_max_softmax, "max softmax does not depend on K");
    assert.deepEqual(s.ood.auroc_mahalanobis, firstOod.auroc_mahalanobis, "nor does Mahalanobis");
    assert.ok((await page.getByTestId("finding-emergence").textContent()).includes(`(K = ${k})`));
    const row = page.locator('[data-testid="ood-table"] tr[data-detector="centre-h1"] td');
    assert.equal((await row.textContent()).trim(), s.ood.auroc_by_layer.h1.toFixed(3));
    const t = await page.evaluate(() => window.sigpath.timings());
    console.log(`# digits: re-scoring after the K change ${t.ood_rescore_ms?.toFixed(0)} ms, pair finding ${t.pair_ms?.toFixed(0)} ms`);
    console.log(`# digits: h1 nearest-centre AUROC ${before.toFixed(3)} at K = ${kBefore}, ${s.ood.auroc_by_layer.h1.toFixed(3)} at K = ${k}`);

    // The chart can show any detector.
    await page.getByTestId("ood-detector").selectOption("max-softmax");
    assert.ok(await inkedShare(page, "ood-chart") > 0.02);
    assert.deepEqual(problems, []);
  });
});

describe("an Animal-Shape network", () => {
  test("compares cat with dog by name and scores MNIST digits as the foreign set", async () => {
    const { context, page, problems } = await openPage(browser, server.url);
    try {
      await waitForPhase(page, ["idle", "ready"]);
      await configure(page, { dataset: "animals" });
      await waitForConfig(page, { dataset: "animals" });
      await waitForPhase(page, ["idle", "ready"], 120_000);
      await configure(page, { classes: [1, 2, 4], fields: { per_class: 200, epochs: 3, batch_size: 32 } });
      await waitForConfig(page, { dataset: "animals", classes: [1, 2, 4], per_class: 200, epochs: 3 });
      await page.getByTestId("train-button").click();
      await page.waitForFunction(() => window.sigpath.state().training !== null, null, { timeout: 60_000 });
      assert.equal(await waitForPhase(page, ["ready", "error"], 600_000), "ready", (await state(page)).error ?? "");
      const ood = await waitForOod(page);
      assert.equal(ood.probe_set, "mnist");
      assert.deepEqual(Object.keys(ood.auroc_by_layer).sort(), ["h1", "h2"]);
      assert.equal(ood.in_count, 600, "200 test images of each of the three animals");
      assert.equal(ood.foreign_count, 10_000, "the MNIST test digits");

      await page.waitForFunction(() => / vs /.test(document.querySelector('[data-testid="finding-pair"]').textContent));
      const pair = await page.getByTestId("finding-pair").textContent();
      assert.match(pair, /Are the signatures of cat different from those of dog\?/);
      assert.match(pair, /cat vs dog \(200 and 200 test images\)/);
      assert.match(pair, /\(cat -?\d\.\d{2}, dog -?\d\.\d{2}\)/);
      const options = await page.getByTestId("pair-a").locator("option").allTextContents();
      assert.deepEqual(options, ["bird", "cat", "dog"]);
      const emergence = await page.getByTestId("finding-emergence").textContent();
      assert.match(emergence, /match the animal shapes: h1 NMI \d\.\d{2}/);
      const foreign = await page.getByTestId("finding-foreign").textContent();
      assert.match(foreign, /10,000 MNIST digits through the animal shapes network/);
      assert.match(foreign, /calls \d+% of them “(bird|cat|dog)”/);
      await page.getByTestId("findings").scrollIntoViewIfNeeded();
      await screenshot(page, "findings-animals");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
