// Issue 9: the clustering runs on workers that load the page's own wasm
// (src/app/worker_pool.rs), and gives what the page computes by itself when
// the workers cannot start or fail.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { serve, workerPath } from "./lib/server.mjs";
import { launch, openPage, state, waitForPhase, screenshot } from "./lib/browser.mjs";
import { configure, waitForConfig, trainAndWait } from "./lib/page.mjs";

const SMALL = { classes: [0, 3, 8], fields: { per_class: 150, epochs: 1, batch_size: 32, seed: 11 } };

/** Where two CSV texts first differ, for the failure message. */
function firstDifference(a, b) {
  const [x, y] = [a.split("\n"), b.split("\n")];
  const row = x.findIndex((line, i) => line !== y[i]);
  return row < 0 ? `${x.length} vs ${y.length} rows` : `row ${row}: ${x[row]?.slice(0, 120)} vs ${y[row]?.slice(0, 120)}`;
}

/** Train SMALL on a page served by `server`; what the clustering gave. */
async function clusterRun(browser, server, name) {
  const { context, page, problems } = await openPage(browser, server.url);
  try {
    await waitForPhase(page, ["idle", "ready"]);
    await configure(page, SMALL);
    await waitForConfig(page, { classes: [0, 3, 8], per_class: 150, epochs: 1, batch_size: 32, seed: 11 });
    assert.equal(await trainAndWait(page), "ready", (await state(page)).error ?? "");
    const s = await state(page);
    const timings = await page.evaluate(() => window.sigpath.timings());
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    // What the visitor sees of it: the chosen K of each layer.
    const shownK = [];
    // The same network on every page: the same test accuracy.
    const accuracy = await page.getByTestId("test-accuracy").textContent();
    for (const layer of s.layers) shownK.push(await page.getByTestId(`k-select-${layer.name}`).inputValue());
    // Every image's signature, as the visitor downloads them.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-csv").click()]);
    const csv = await readFile(await download.path(), "utf8");
    await screenshot(page, `cluster-${name}`);
    return { s, timings, cores, shownK, accuracy, csv, problems };
  } finally {
    await context.close();
  }
}

describe("clustering on workers", () => {
  let browser;
  before(async () => {
    browser = await launch({ webgpu: false });
  });
  after(async () => {
    await browser?.close();
  });

  test("the workers cluster every layer, as the page does by itself", async () => {
    const script = workerPath("sigpath:pool-worker");
    const server = await serve();
    const missing = await serve({ overrides: { [script]: { status: 404, body: "gone" } } });
    // A worker that starts, then fails its first job.
    const failing = 'self.onmessage = () => { self.onmessage = () => self.postMessage("it failed: stand-in"); self.postMessage("ready"); };';
    const broken = await serve({ overrides: { [script]: { body: failing } } });
    try {
      const pooled = await clusterRun(browser, server, "workers");
      assert.ok(server.requests.some((r) => r.endsWith(`/${script}`)), "the worker script was fetched");
      const expected = Math.min(Math.max(pooled.cores, 1), 4);
      assert.equal(pooled.timings.cluster_workers, expected);
      assert.deepEqual(pooled.problems, []);
      assert.equal(pooled.s.layers.length, 2);

      const inPage = await clusterRun(browser, missing, "in-page");
      assert.equal(inPage.timings.cluster_workers, 0, "no worker: the page clusters by itself");
      assert.deepEqual(inPage.problems.filter((p) => !/404|Failed to load|pool-worker/.test(p)), []);

      const afterFailure = await clusterRun(browser, broken, "worker-failed");
      assert.equal(afterFailure.timings.cluster_workers, 0, "a failed worker: the page finishes the clustering");
      assert.deepEqual(afterFailure.problems, []);

      // Same seed, same network: the same clusterings whoever computed them.
      const rows = pooled.csv.trim().split("\n");
      // Every MNIST test image of 0, 3 and 8 (980 + 1,010 + 974).
      assert.equal(rows.length - 1, 2964, "one row per evaluation image");
      assert.ok(rows[0].startsWith("index,label,prediction,cluster_h1,cluster_h2,h1_0,"), rows[0]);
      for (const other of [inPage, afterFailure]) {
        // The same activations and clusters of every image, in the same order,
        // whoever clustered them.
        assert.ok(other.csv === pooled.csv, `signatures differ: ${firstDifference(other.csv, pooled.csv)}`);
        assert.equal(other.accuracy, pooled.accuracy);
        assert.equal(other.s.training.test_accuracy, pooled.s.training.test_accuracy);
        assert.deepEqual(other.shownK, pooled.shownK);
        for (const [i, layer] of pooled.s.layers.entries()) {
          const theirs = other.s.layers[i];
          assert.equal(theirs.k_auto, layer.k_auto, `layer ${layer.name}`);
          assert.deepEqual(Object.keys(theirs.silhouette_by_k), Object.keys(layer.silhouette_by_k));
          for (const [k, score] of Object.entries(layer.silhouette_by_k)) {
            assert.ok(Math.abs(theirs.silhouette_by_k[k] - score) < 1e-9, `layer ${layer.name}, K = ${k}: ${theirs.silhouette_by_k[k]} vs ${score}`);
          }
        }
      }
      console.log(`# clustering: ${pooled.timings.cluster_ms.toFixed(0)} ms on ${pooled.timings.cluster_workers} workers, ` +
        `${inPage.timings.cluster_ms.toFixed(0)} ms in the page; K per layer ${pooled.shownK.join(", ")}`);
    } finally {
      await Promise.all([server.close(), missing.close(), broken.close()]);
    }
  });
});
