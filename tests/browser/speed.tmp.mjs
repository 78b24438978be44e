// Temporary: one epoch of all MNIST on the CPU path at the given batch sizes.
import { serve } from "./lib/server.mjs";
import { launch, openPage, waitForPhase } from "./lib/browser.mjs";
import { configure, waitForConfig, trainAndWait } from "./lib/page.mjs";
const server = await serve();
const browser = await launch();
const out = [];
for (const bs of [64, 256, 64, 256]) {
  const { page, context } = await openPage(browser, server.url);
  await waitForPhase(page, ["idle", "ready"]);
  await configure(page, { fields: { per_class: "", epochs: 1, batch_size: bs } });
  await waitForConfig(page, { epochs: 1, per_class: null, batch_size: bs });
  await trainAndWait(page);
  const s = await page.evaluate(() => window.sigpath.state());
  const t = await page.evaluate(() => window.sigpath.timings());
  out.push({ bs, sps: Math.round(s.training.samples_per_sec), acc: s.training.test_accuracy, extract: t.extract_ms, cluster: Math.round(t.cluster_ms) });
  await context.close();
}
console.log(JSON.stringify(out));
await browser.close(); await server.close();
