// Helpers to drive the page's own controls the way a visitor does.
import { state } from "./browser.mjs";

/** Keep `classes` (array of class values) and set the other form fields by data-testid suffix. */
export async function configure(page, { dataset, classes, fields = {} } = {}) {
  if (dataset) await page.getByTestId("config-dataset").selectOption(dataset);
  if (classes) {
    await page.getByRole("button", { name: "None", exact: true }).click();
    for (const c of classes) await page.getByTestId(`class-${c}`).check();
  }
  for (const [name, value] of Object.entries(fields)) {
    await page.getByTestId(`config-${name}`).fill(String(value));
  }
}

/** Wait until state().config matches `expected` (a partial object). */
export async function waitForConfig(page, expected, timeout = 10_000) {
  await page.waitForFunction(
    (exp) => {
      const c = window.sigpath.state().config;
      return Object.entries(exp).every(([k, v]) => JSON.stringify(c[k]) === JSON.stringify(v));
    },
    expected,
    { timeout },
  );
  return (await state(page)).config;
}

/** Record, every animation frame, the progress bar's value and the longest gap
 * between frames (how long the page could not paint or handle input), and the
 * input delay of every pointer press. */
export async function recordProgress(page) {
  await page.evaluate(() => {
    window.__rec = { values: [], labels: [], maxGapMs: 0, phases: [], inputDelaysMs: [] };
    // How long a click waited before the page handled it (event creation to handler).
    if (!window.__inputWatch) {
      window.__inputWatch = true;
      document.addEventListener("pointerdown", (e) => window.__rec?.inputDelaysMs.push(performance.now() - e.timeStamp), { capture: true });
    }
    let last = performance.now();
    const tick = () => {
      const now = performance.now();
      window.__rec.maxGapMs = Math.max(window.__rec.maxGapMs, now - last);
      last = now;
      const bar = document.querySelector('[data-testid="progress"]');
      if (bar) {
        window.__rec.values.push(Number(bar.value));
        // What the bar measures ("Training", "Loading …"): each task has its own scale.
        window.__rec.labels.push(bar.labels?.[0]?.textContent ?? "");
      }
      const phase = document.body.dataset.phase;
      if (window.__rec.phases.at(-1) !== phase) window.__rec.phases.push(phase);
      window.__rec.raf = requestAnimationFrame(tick);
    };
    window.__rec.raf = requestAnimationFrame(tick);
  });
}

export async function stopRecording(page) {
  return page.evaluate(() => {
    cancelAnimationFrame(window.__rec.raf);
    return window.__rec;
  });
}

/** Click Train (or the button `testid` that starts a run) and wait for that run
 * to end; returns the phase it ended in ("ready" or "error"). Works when the page
 * is already "ready" (the demo a first visit shows, or an earlier run): it waits
 * for this run's "training". */
export async function trainAndWait(page, timeout = 600_000, testid = "train-button") {
  await page.evaluate(() => {
    window.__runStarted = false;
    window.__runWatch?.disconnect();
    window.__runWatch = new MutationObserver(() => {
      if (document.body.dataset.phase === "training") window.__runStarted = true;
    });
    window.__runWatch.observe(document.body, { attributes: true, attributeFilter: ["data-phase"] });
  });
  await page.getByTestId(testid).click();
  await page.waitForFunction(
    () => window.__runStarted && ["ready", "error"].includes(document.body.dataset.phase),
    null,
    { timeout },
  );
  return page.evaluate(() => document.body.dataset.phase);
}
