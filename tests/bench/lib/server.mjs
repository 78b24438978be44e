// The bench's own loopback static server: the built page (dist/) at "/", the
// TF.js bench page at "/tfjs/", and the TF.js npm bundles at "/npm/@tensorflow/".
import http from "node:http";
import fs from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const BENCH = path.resolve(here, "..");
export const ROOT = path.resolve(BENCH, "../..");
export const DIST = path.join(ROOT, "dist");
const ASSETS_DATA = path.join(ROOT, "assets/data");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".css": "text/css",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".gz": "application/gzip",
  ".md": "text/markdown",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/**
 * Where the MNIST files are served from: the page's own copy in dist/, or, when
 * the page has not been built yet, the same files in assets/ (the TF.js side
 * needs nothing else).
 */
export function dataRoot(dist = DIST) {
  const built = path.join(dist, "data");
  return existsSync(path.join(built, "mnist")) ? built : ASSETS_DATA;
}

/**
 * @param {{isolateTfjs?: boolean}} options isolateTfjs: send COOP/COEP with the
 *   TF.js page so it is cross-origin isolated (SharedArrayBuffer: the wasm
 *   backend's threaded build). Off by default, as on a plain static host.
 *   dist: the built page to serve at "/" (default dist/).
 */
export async function serve({ isolateTfjs = false, dist = DIST } = {}) {
  const data = dataRoot(dist);
  // Longest prefix first.
  const mounts = [
    ["/npm/@tensorflow/", path.join(BENCH, "node_modules/@tensorflow")],
    ["/tfjs/", path.join(BENCH, "tfjs")],
    ["/data/", data],
    ["/", dist],
  ];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    const pathname = decodeURIComponent(url.pathname);
    const [prefix, root] = mounts.find(([p]) => pathname.startsWith(p));
    let rel = pathname.slice(prefix.length);
    if (rel === "" || rel.endsWith("/")) rel += "index.html";
    const file = path.resolve(root, rel);
    if (file !== root && !file.startsWith(root + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    const headers = { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-store" };
    if (isolateTfjs && (prefix === "/tfjs/" || prefix === "/npm/@tensorflow/" || prefix === "/data/")) {
      headers["cross-origin-opener-policy"] = "same-origin";
      headers["cross-origin-embedder-policy"] = "require-corp";
      headers["cross-origin-resource-policy"] = "same-origin";
    }
    try {
      const body = await fs.readFile(file);
      res.writeHead(200, headers);
      res.end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    dataRoot: data,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
