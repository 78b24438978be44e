// Trunk post_build hook, on the staging folder before it becomes dist/:
//
// 1. Name the workers' files by their content, as Trunk names the page's wasm
//    and glue: pool-worker.js becomes pool-worker-<hash>.js and gpu/ (the WebGPU
//    trainer, scripts/build-gpu-worker.sh) moves to gpu/<hash>/. The page finds
//    them through two <meta> tags written here. With fixed names, a browser
//    holding an older build's files in its HTTP cache would pair them with a
//    newer page (the trainer's glue and wasm then fail to link, and a run falls
//    back to the CPU).
// 2. Put the SHA-256 of each inline <script> Trunk wrote into index.html's
//    Content-Security-Policy, in place of 'inline-scripts'. The loader Trunk
//    injects names the hashed wasm file, so its hash changes with every build;
//    computing it here keeps the policy exact (no 'unsafe-inline').
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) fail("TRUNK_STAGING_DIR is not set (run me as a Trunk post_build hook)");
const file = path.join(dir, "index.html");
let html = fs.readFileSync(file, "utf8");

function fail(message) {
  console.error(`post-build: ${message}`);
  process.exit(1);
}

/** Every file below `root`, as sorted paths relative to it. */
function filesBelow(root, rel = "") {
  return fs
    .readdirSync(path.join(root, rel), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesBelow(root, path.join(rel, e.name)) : [path.join(rel, e.name)]))
    .sort();
}

/** 16 hex digits of the SHA-256 of the files' names and contents. */
function contentHash(root, files) {
  const hash = crypto.createHash("sha256");
  for (const f of files) hash.update(`${f}\0`).update(fs.readFileSync(path.join(root, f))).update("\0");
  return hash.digest("hex").slice(0, 16);
}

// --- 1. workers named by content ------------------------------------------------
const names = {};
const pool = path.join(dir, "pool-worker.js");
if (!fs.existsSync(pool)) fail(`${pool} is missing (index.html copies it from assets/)`);
names["sigpath:pool-worker"] = `pool-worker-${contentHash(dir, ["pool-worker.js"])}.js`;
fs.renameSync(pool, path.join(dir, names["sigpath:pool-worker"]));

const gpu = path.join(dir, "gpu");
const gpuFiles = fs.existsSync(gpu) ? filesBelow(gpu) : [];
if (!gpuFiles.includes("sigpath-gpu_loader.js")) fail(`${gpu} has no sigpath-gpu_loader.js (scripts/build-gpu-worker.sh writes it)`);
const gpuHash = contentHash(gpu, gpuFiles);
const moved = path.join(dir, `gpu-${gpuHash}`);
fs.renameSync(gpu, moved);
fs.mkdirSync(gpu);
fs.renameSync(moved, path.join(gpu, gpuHash));
names["sigpath:gpu-worker"] = `gpu/${gpuHash}/sigpath-gpu_loader.js`;

if (!html.includes("</head>")) fail(`${file} has no </head>`);
const metas = Object.entries(names).map(([name, url]) => `<meta name="${name}" content="./${url}" />`);
html = html.replace("</head>", `${metas.join("\n")}\n</head>`);

// --- 2. inline scripts allowed by hash -------------------------------------------
const PLACEHOLDER = "'inline-scripts'";
if (!html.includes(PLACEHOLDER)) fail(`${file} has no ${PLACEHOLDER} in its Content-Security-Policy`);
const hashes = [];
for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
  if (/\bsrc\s*=/i.test(match[1])) continue;
  const digest = crypto.createHash("sha256").update(match[2], "utf8").digest("base64");
  hashes.push(`'sha256-${digest}'`);
}
fs.writeFileSync(file, html.replace(PLACEHOLDER, [...new Set(hashes)].join(" ")));
console.log(`post-build: ${Object.values(names).join(", ")}; ${hashes.length} inline script(s) allowed by hash`);
