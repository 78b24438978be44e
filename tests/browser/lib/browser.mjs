// Launch Debian's Chromium headless, with or without WebGPU (SwiftShader).
import { chromium } from "playwright-core";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const OUTPUT = path.resolve(here, "../../output");

const BASE_ARGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/**
 * @param {{webgpu?: boolean}} options webgpu: expose WebGPU through SwiftShader;
 *   without it navigator.gpu yields no adapter (the CPU fallback path).
 */
export async function launch({ webgpu = false } = {}) {
  const args = [...BASE_ARGS];
  if (webgpu) args.push("--enable-unsafe-webgpu", "--enable-features=Vulkan", "--use-angle=swiftshader");
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args,
  });
}

/** A page that records console errors and uncaught exceptions. */
export async function openPage(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  return { context, page, problems };
}

/** `window.sigpath.state()` as the page reports it. */
export async function state(page) {
  return page.evaluate(() => window.sigpath.state());
}

/** Wait for body[data-phase] to be one of `phases`. */
export async function waitForPhase(page, phases, timeout = 120_000) {
  const list = Array.isArray(phases) ? phases : [phases];
  const selector = list.map((p) => `body[data-phase="${p}"]`).join(", ");
  await page.waitForSelector(selector, { timeout });
  return page.evaluate(() => document.body.dataset.phase);
}

/** Like waitForPhase, but the phase must also have held for `quietMs`: for a
 * page that may pass through a phase on its way (e.g. a failed load retried). */
export async function waitForSettledPhase(page, phases, { quietMs = 1500, timeout = 120_000 } = {}) {
  const list = Array.isArray(phases) ? phases : [phases];
  await page.evaluate(() => {
    if (window.__phaseWatch) return;
    window.__phaseChangedAt = performance.now();
    window.__phaseWatch = new MutationObserver(() => { window.__phaseChangedAt = performance.now(); });
    window.__phaseWatch.observe(document.body, { attributes: true, attributeFilter: ["data-phase"] });
  });
  await page.waitForFunction(
    ([l, quiet]) => l.includes(document.body.dataset.phase) && performance.now() - window.__phaseChangedAt >= quiet,
    [list, quietMs],
    { timeout, polling: 100 },
  );
  return page.evaluate(() => document.body.dataset.phase);
}

/** Save a screenshot under tests/output/screenshots/. */
export async function screenshot(page, name) {
  const dir = path.join(OUTPUT, "screenshots");
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
