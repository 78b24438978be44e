// Issue 8: training in the page on both paths (WebGPU through SwiftShader,
// and the CPU fallback when WebGPU is absent), progress, cancel, bad input.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { serve, workerPath } from "./lib/server.mjs";
import { launch, openPage, state, waitForPhase, screenshot } from "./lib/browser.mjs";
import { configure, waitForConfig, recordProgress, stopRecording, trainAndWait } from "./lib/page.mjs";

let server;
before(async () => {
  server = await serve();
});
after(async () => {
  await server?.close();
});

/** Trains 3 classes x 200 images; the accuracy floor this small run reaches. */
const SMALL = { classes: [1, 3, 7], fields: { per_class: 200, epochs: 2, batch_size: 32 } };
const STATED_ACCURACY = 0.85;

for (const path of ["cpu", "webgpu"]) {
  describe(`training on the ${path} path`, () => {
    let browser;
    before(async () => {
      browser = await launch({ webgpu: path === "webgpu" });
    });
    after(async () => {
      await browser?.close();
    });

    test("3 classes x 200 images train to a stated accuracy, with progress", async () => {
      const seen = server.requests.length;
      const workerFetched = () => server.requests.slice(seen).some((r) => r.includes("sigpath-gpu"));
      const { context, page, problems } = await openPage(browser, server.url);
      try {
        // A first visit shows the bundled demo ("ready").
        await waitForPhase(page, ["idle", "ready"]);
        assert.equal(workerFetched(), false, "the WebGPU trainer is not fetched before a run needs it");
        await configure(page, SMALL);
        await waitForConfig(page, { classes: [1, 3, 7], per_class: 200, epochs: 2, batch_size: 32 });
        // The warm-up lists the test split's non-zero pixels (both paths);
        // the run's evaluation subset takes its rows of that list.
        await page.waitForFunction(() => window.sigpath.timings().listing_ms != null, null, { timeout: 30_000 });
        const listed = (await page.evaluate(() => window.sigpath.timings())).listing_ms;
        await recordProgress(page);
        // The demo is "ready" already: wait for this run's end.
        assert.equal(await trainAndWait(page), "ready", (await state(page)).error ?? "");
        const rec = await stopRecording(page);
        const s = await state(page);
        const timings = await page.evaluate(() => window.sigpath.timings());
        assert.ok(listed > 0, `listing_ms ${listed}`);
        assert.equal(timings.listing_ms, listed, "the run does not list the test split again");
        assert.ok(timings.extract_ms > 0, JSON.stringify(timings));
        assert.equal(s.backend, path, `trained on ${s.backend}; badge: ${await page.getByTestId("backend-badge").textContent()}`);
        const t = s.training;
        assert.equal(t.epochs, 2);
        assert.equal(t.epoch, 2);
        assert.equal(t.steps, Math.ceil(600 / 32));
        assert.equal(t.step, t.steps);
        assert.equal(t.loss_per_epoch.length, 2);
        assert.ok(t.loss_per_epoch[1] < t.loss_per_epoch[0], `loss falls: ${t.loss_per_epoch}`);
        assert.ok(t.test_accuracy >= STATED_ACCURACY, `test accuracy ${t.test_accuracy}`);
        assert.ok(t.samples_per_sec > 0 && t.epoch_secs.length === 2);
        console.log(`# ${path}: test accuracy ${(t.test_accuracy * 100).toFixed(1)} %, ${t.samples_per_sec.toFixed(0)} samples/s, ` +
          `longest frame gap ${rec.maxGapMs.toFixed(0)} ms, phases ${rec.phases.join(" > ")}`);
        // Recording starts on the demo ("ready").
        assert.deepEqual(rec.phases.filter((p) => p !== "idle").slice(-3), ["training", "analyzing", "ready"]);
        assert.ok(rec.phases.indexOf("training") <= 1, `phases ${rec.phases}`);
        const badge = await page.getByTestId("backend-badge").textContent();
        assert.match(badge, path === "webgpu" ? /WebGPU/ : /CPU \(.*(no GPU adapter|does not offer WebGPU)/);
        // WebGPU trains in the worker's own wasm, the CPU in the page's.
        assert.equal(workerFetched(), path === "webgpu", `requests: ${server.requests.slice(seen).filter((r) => r.includes("sigpath-gpu"))}`);
        const shown = await page.getByTestId("test-accuracy").textContent();
        assert.equal(shown, `${(t.test_accuracy * 100).toFixed(1)} %`);
        await screenshot(page, `train-${path}-small`);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });

    test(path === "cpu"
      ? "once the page is ready, the CPU path warms up in the background without touching what is shown"
      : "with WebGPU to train on, only the clustering warms up until the visitor forces the CPU", async () => {
      const { context, page, problems } = await openPage(browser, server.url);
      try {
        assert.equal(await waitForPhase(page, ["idle", "ready"]), "ready");
        const shown = await state(page);
        if (path === "cpu") {
          await page.waitForFunction(() => window.sigpath.timings().warmup_steps != null, null, { timeout: 30_000 });
          const t = await page.evaluate(() => window.sigpath.timings());
          assert.equal(t.warmup_steps, 120);
          assert.ok(t.warmup_ms > 0, `warmup_ms ${t.warmup_ms}`);
          // The clustering part ran within it.
          assert.ok(t.warmup_clustering_ms > 0 && t.warmup_clustering_ms < t.warmup_ms, JSON.stringify(t));
          assert.ok(t.listing_ms > 0 && t.listing_ms < t.warmup_clustering_ms, JSON.stringify(t));
          console.log(`# cpu: warm-up of ${t.warmup_steps} steps and the clustering took ${t.warmup_ms.toFixed(0)} ms after the page was ready (clustering ${t.warmup_clustering_ms.toFixed(0)} ms)`);
        } else {
          // The clustering runs on the CPU whatever trains: its part of the
          // warm-up runs anyway, the training part waits for force-cpu.
          await page.waitForFunction(() => window.sigpath.timings().warmup_clustering_ms != null, null, { timeout: 30_000 });
          const clustered = await page.evaluate(() => window.sigpath.timings());
          assert.ok(clustered.warmup_clustering_ms > 0, JSON.stringify(clustered));
          await page.waitForTimeout(1000);
          assert.equal((await page.evaluate(() => window.sigpath.timings())).warmup_steps, null);
          await page.getByTestId("force-cpu").check();
          await page.waitForFunction(() => window.sigpath.timings().warmup_steps != null, null, { timeout: 30_000 });
          const t = await page.evaluate(() => window.sigpath.timings());
          assert.equal(t.warmup_steps, 120);
          assert.equal(t.warmup_clustering_ms, clustered.warmup_clustering_ms, "the clustering part is not done twice");
          assert.ok(clustered.listing_ms > 0, JSON.stringify(clustered));
          assert.equal(t.listing_ms, clustered.listing_ms, "the test split is listed once");
        }
        const after = await state(page);
        assert.equal(after.phase, "ready");
        assert.deepEqual(after.training, shown.training, "the demo's figures stay");
        assert.deepEqual(after.layers, shown.layers);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });

    if (path === "webgpu") {
      // The page decides whether to warm up shortly after "ready", after asking
      // for a WebGPU adapter. A tick of force-cpu while it was asking was once
      // lost, and the run that followed trained in baseline code: tick at
      // moments around that decision, each in a fresh page.
      test("force-cpu ticked just as the page settles still gets the CPU warm-up", async () => {
        for (const delayMs of [0, 250, 500, 800]) {
          const { context, page, problems } = await openPage(browser, server.url);
          try {
            assert.equal(await waitForPhase(page, ["idle", "ready"]), "ready");
            await page.waitForTimeout(delayMs);
            await page.getByTestId("force-cpu").check();
            const steps = await page
              .waitForFunction(() => window.sigpath.timings().warmup_steps, null, { timeout: 20_000 })
              .then((h) => h.jsonValue(), () => null);
            assert.equal(steps, 120, `force-cpu ticked ${delayMs} ms after "ready": no warm-up`);
            assert.deepEqual(problems, []);
          } finally {
            await context.close();
          }
        }
      });
    }

    test("the progress bar advances, the page stays responsive, and cancel leaves a usable page", async () => {
      const { context, page, problems } = await openPage(browser, server.url);
      try {
        // A first visit shows the bundled demo ("ready").
        await waitForPhase(page, ["idle", "ready"]);
        // Enough work to watch: all of MNIST on the CPU, a slice on SwiftShader.
        // (The CPU path does an epoch of all MNIST in about a second: ten epochs outlast the clicks below.)
        const fields = path === "cpu" ? { per_class: "", epochs: 10 } : { per_class: 300, epochs: 3 };
        await configure(page, { fields });
        await waitForConfig(page, { epochs: fields.epochs });
        await recordProgress(page);
        await page.getByTestId("train-button").click();
        await page.waitForFunction(() => Number(document.querySelector('[data-testid="progress"]')?.value) > 0.1, null, { timeout: 300_000 });
        // Clicks while training are handled promptly: a few on the chart (they do nothing), then cancel.
        const chart = page.getByTestId("training-chart");
        for (let i = 0; i < 5; i++) {
          await chart.click({ position: { x: 10 + 20 * i, y: 10 } });
          await page.waitForTimeout(120);
        }
        const clickedAt = Date.now();
        await page.getByTestId("cancel-button").click();
        assert.equal(await waitForPhase(page, ["idle", "ready", "error"]), "idle");
        const rec = await stopRecording(page);
        // The training bar (before it the bar may show the training images loading).
        const progress = rec.values.filter((v, i) => v > 0 && rec.labels[i] === "Training");
        assert.ok(new Set(progress).size >= 3, `the bar moved through several values: ${[...new Set(progress)].slice(0, 10)}`);
        for (let i = 1; i < progress.length; i++) assert.ok(progress[i] >= progress[i - 1] - 1e-9, "progress never goes back");
        const delays = rec.inputDelaysMs;
        assert.ok(delays.length >= 6, `every press reached the page: ${delays.length}`);
        console.log(`# ${path}: cancel handled after ${Date.now() - clickedAt} ms; input delay of clicks while training: ` +
          `max ${Math.max(...delays).toFixed(0)} ms, median ${delays.sort((a, b) => a - b)[delays.length >> 1].toFixed(0)} ms ` +
          `over ${delays.length}; longest frame gap while training ${rec.maxGapMs.toFixed(0)} ms`);
        // Not a speed test: a page that stopped yielding would hold a click for seconds.
        assert.ok(Math.max(...delays) < 2000, `clicks waited ${delays.map((d) => d.toFixed(0))} ms`);
        const s = await state(page);
        assert.ok(s.training.epoch < fields.epochs || s.training.step < s.training.steps, "stopped before the end");
        assert.equal(s.layers, null);
        assert.match(await page.getByTestId("notice").textContent(), /cancelled/i);
        assert.equal(await page.getByTestId("train-button").isEnabled(), true);
        await screenshot(page, `train-${path}-cancelled`);
        // Still usable: a small run completes.
        await configure(page, SMALL);
        await waitForConfig(page, { classes: [1, 3, 7], per_class: 200 });
        await page.getByTestId("train-button").click();
        assert.equal(await waitForPhase(page, ["ready", "error"], 600_000), "ready");
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });

    if (path === "webgpu") {
      test("a WebGPU failure mid-run says so and offers the CPU, which then trains", async () => {
        // A stand-in trainer: it says it is ready (postcard of WorkerEvent::Ready is
        // one zero byte), takes the run, then dies as a lost device would.
        const failing = [
          "self.postMessage(new Uint8Array([0]));",
          "self.onmessage = () => setTimeout(() => { throw new Error('the device was lost (test)'); }, 50);",
        ].join("\n");
        const broken = await serve({ overrides: { [workerPath("sigpath:gpu-worker")]: { body: failing } } });
        const { context, page, problems } = await openPage(browser, broken.url);
        try {
          await waitForPhase(page, ["idle", "ready"]);
          await configure(page, SMALL);
          await waitForConfig(page, { classes: [1, 3, 7], per_class: 200 });
          assert.equal(await trainAndWait(page), "error");
          const s = await state(page);
          assert.match(s.error, /WebGPU failed while training \(.*the device was lost \(test\).*\)\. You can continue on the CPU\./);
          assert.equal(await page.getByTestId("error-message").textContent(), s.error);
          await screenshot(page, "train-webgpu-failed-mid-run");
          assert.equal(await trainAndWait(page, 600_000, "use-cpu-button"), "ready", (await state(page)).error ?? "");
          const after = await state(page);
          assert.equal(after.backend, "cpu");
          assert.equal(after.error, null);
          assert.ok(after.training.test_accuracy >= STATED_ACCURACY, `test accuracy ${after.training.test_accuracy}`);
          assert.equal(await page.getByTestId("force-cpu").isChecked(), true);
          // The stand-in's own throw is reported from the worker; nothing else is.
          assert.deepEqual(problems.filter((p) => !p.includes("the device was lost (test)")), []);
        } finally {
          await context.close();
          await broken.close();
        }
      });

      test("when the WebGPU trainer cannot be loaded, the run trains on the CPU and says why", async () => {
        const broken = await serve({ overrides: { [workerPath("sigpath:gpu-worker")]: { status: 404, body: "gone" } } });
        const { context, page, problems } = await openPage(browser, broken.url);
        try {
          await waitForPhase(page, ["idle", "ready"]);
          await configure(page, SMALL);
          await waitForConfig(page, { classes: [1, 3, 7], per_class: 200 });
          assert.equal(await trainAndWait(page), "ready", (await state(page)).error ?? "");
          const s = await state(page);
          assert.equal(s.backend, "cpu");
          assert.ok(s.training.test_accuracy >= STATED_ACCURACY, `test accuracy ${s.training.test_accuracy}`);
          assert.match(await page.getByTestId("backend-badge").textContent(), /CPU \(.*WebGPU trainer/);
          assert.ok(broken.requests.some((r) => r.endsWith("sigpath-gpu_loader.js")), "the page asked for the worker");
          // The 404 itself is the only complaint.
          assert.deepEqual(problems.filter((p) => !/404|Failed to load/.test(p)), []);
          await screenshot(page, "train-webgpu-worker-missing");
        } finally {
          await context.close();
          await broken.close();
        }
      });
    }
  });
}

test("invalid settings are refused with a message next to each field", async () => {
  const browser = await launch();
  const { context, page, problems } = await openPage(browser, server.url);
  try {
    // A first visit shows the bundled demo ("ready").
    await waitForPhase(page, ["idle", "ready"]);
    const { config: before, phase: phaseBefore } = await state(page);
    const cases = [
      ["epochs", "0", /at least one epoch/],
      ["batch_size", "100000", /larger than the training set/],
      ["learning_rate", "-1", /learning rate/],
      ["learning_rate", "fast", /learning rate/],
      ["hidden", "32, 0", /at least one neuron/],
      ["per_class", "lots", /whole number/],
    ];
    for (const [field, value, message] of cases) {
      await page.getByTestId(`config-${field}`).fill(value);
      const note = page.getByTestId(`field-error-${field}`);
      await note.waitFor({ state: "visible" });
      assert.match(await note.textContent(), message, `${field} = ${value}`);
      await page.getByTestId("train-button").click();
      await page.getByTestId("notice").waitFor({ state: "visible" });
      assert.match(await page.getByTestId("notice").textContent(), /Fix the settings/);
      const s = await state(page);
      assert.equal(s.phase, phaseBefore, "nothing trains");
      assert.deepEqual(s.config, before, "the last valid configuration stays");
      await page.getByTestId(`config-${field}`).fill(field === "hidden" ? "32, 64" : field === "per_class" ? "" : String(before[field]));
      await note.waitFor({ state: "hidden" });
    }
    await page.getByRole("button", { name: "None", exact: true }).click();
    await page.getByTestId("class-4").check();
    await page.getByTestId("field-error-classes").waitFor({ state: "visible" });
    await screenshot(page, "train-invalid-settings");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    await browser.close();
  }
});
