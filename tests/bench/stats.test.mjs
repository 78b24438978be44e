// The bench's arithmetic (lib/stats.mjs): its medians and ranges are what the
// docs/performance.md quotes, so they are checked here, without a
// browser. Run by scripts/test.sh: `node --test tests/bench/`.
import test from "node:test";
import assert from "node:assert/strict";
import { summary, fmt, table } from "./lib/stats.mjs";

test("summary: median of an odd and an even count, whatever the order", () => {
  assert.deepEqual(summary([30, 10, 20]), { n: 3, median: 20, min: 10, max: 30 });
  assert.deepEqual(summary([4, 1, 3, 2]), { n: 4, median: 2.5, min: 1, max: 4 });
  assert.deepEqual(summary([7]), { n: 1, median: 7, min: 7, max: 7 });
});

test("summary: runs without a figure (failed, not run) are left out, not counted as zero", () => {
  assert.deepEqual(summary([null, 5, undefined, NaN, Infinity, "9", 1]), { n: 2, median: 3, min: 1, max: 5 });
  assert.deepEqual(summary([null, NaN]), { n: 0, median: null, min: null, max: null });
  assert.deepEqual(summary([]), { n: 0, median: null, min: null, max: null });
});

test("summary: numbers sort as numbers, not as text", () => {
  // A default sort would put 100 before 9.
  assert.deepEqual(summary([9, 100, 20]), { n: 3, median: 20, min: 9, max: 100 });
});

test("fmt: three significant digits, grouped thousands, percentages and byte counts", () => {
  assert.equal(fmt(null), "-");
  assert.equal(fmt(50723.4), "50,723");
  assert.equal(fmt(23.19), "23.2");
  assert.equal(fmt(1.814), "1.81");
  assert.equal(fmt(0.06423), "0.064");
  assert.equal(fmt(0.9402, "%"), "94.02 %");
  assert.equal(fmt(4751592, "bytes"), "4,751,592");
});

test("table: columns as wide as their widest cell, numbers and their heading aligned right", () => {
  const text = table(["figure", "ms"], [["signatures", "23.2"], ["K-means", "1,070"]], new Set([1]));
  assert.deepEqual(text.split("\n"), [
    "figure         ms",
    "----------  -----",
    "signatures   23.2",
    "K-means     1,070",
  ]);
});
