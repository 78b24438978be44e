// Independent reads of the shipped data files (node's zlib, not the page's code),
// so tests can compare what the page shows with what the files hold.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const DATA = path.resolve(here, "../../../assets/data");

export function labels(file) {
  const bytes = zlib.gunzipSync(fs.readFileSync(path.join(DATA, file)));
  return bytes.subarray(8);
}

export function countsByLabel(file) {
  const counts = new Array(10).fill(0);
  for (const l of labels(file)) counts[l] += 1;
  return counts;
}
