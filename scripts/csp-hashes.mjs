// Trunk post_build hook: put the SHA-256 of each inline <script> Trunk wrote
// into index.html's Content-Security-Policy, in place of 'inline-scripts'.
// The loader Trunk injects names the hashed wasm file, so its hash changes
// with every build; computing it here keeps the policy exact (no
// 'unsafe-inline') and works on any static host.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error("csp-hashes: TRUNK_STAGING_DIR is not set (run me as a Trunk post_build hook)");
  process.exit(1);
}
const file = path.join(dir, "index.html");
const html = fs.readFileSync(file, "utf8");
const PLACEHOLDER = "'inline-scripts'";
if (!html.includes(PLACEHOLDER)) {
  console.error(`csp-hashes: ${file} has no ${PLACEHOLDER} in its Content-Security-Policy`);
  process.exit(1);
}
const hashes = [];
for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
  if (/\bsrc\s*=/i.test(match[1])) continue;
  const digest = crypto.createHash("sha256").update(match[2], "utf8").digest("base64");
  hashes.push(`'sha256-${digest}'`);
}
fs.writeFileSync(file, html.replace(PLACEHOLDER, [...new Set(hashes)].join(" ")));
console.log(`csp-hashes: ${hashes.length} inline script(s) allowed by hash`);
