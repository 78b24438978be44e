// A static server for dist/ on loopback, for the browser tests. It can serve
// the page under a sub-path and replace chosen files (a corrupted asset, a 404).
import http from "node:http";
import fs from "node:fs/promises";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
// SIGPATH_DIST lets several builds be tested side by side (e.g. `trunk build --dist /tmp/x`).
export const DIST = path.resolve(process.env.SIGPATH_DIST ?? path.resolve(here, "../../../dist"));

/**
 * Where the built page finds a worker's script, below the page: the content of
 * its `<meta name="sigpath:gpu-worker">` or `"sigpath:pool-worker"` (content-hashed
 * names, written by scripts/post-build.mjs), e.g. "pool-worker-0123456789abcdef.js".
 */
export function workerPath(meta, root = DIST) {
  const html = readFileSync(path.join(root, "index.html"), "utf8");
  const found = html.match(new RegExp(`<meta name="${meta}" content="\\./([^"]+)"`));
  if (!found) throw new Error(`${root}/index.html has no <meta name="${meta}">: build the page with scripts/build.sh`);
  return found[1];
}

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
 * Start serving `root` at http://127.0.0.1:<port><prefix>.
 * @param {{prefix?: string, overrides?: Record<string, {status?: number, body?: Buffer|string}>, root?: string}} options
 *   overrides: keyed by the path below the prefix, e.g. "data/mnist/t10k-images-idx3-ubyte.gz".
 */
export async function serve({ prefix = "/", overrides = {}, root = DIST } = {}) {
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    requests.push(url.pathname);
    if (!url.pathname.startsWith(prefix)) {
      res.writeHead(404).end("outside the served prefix");
      return;
    }
    let rel = decodeURIComponent(url.pathname.slice(prefix.length));
    if (rel === "" || rel.endsWith("/")) rel += "index.html";
    if (overrides[rel]) {
      const o = overrides[rel];
      res.writeHead(o.status ?? 200, { "content-type": TYPES[path.extname(rel)] ?? "application/octet-stream" });
      res.end(o.body ?? "");
      return;
    }
    const file = path.resolve(root, rel);
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await fs.readFile(file);
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
