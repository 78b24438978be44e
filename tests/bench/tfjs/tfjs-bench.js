// The TensorFlow.js side of the bench: the same network as sigpath's default
// (784-32-64-10, ReLU, softmax cross-entropy, Adam lr 1e-3), trained and probed
// on the same MNIST files the page loads. bench.mjs drives it through
// window.tfjsBench; every call returns plain JSON.
/* global tf */
"use strict";

(() => {
  const HIDDEN = [32, 64];
  const CLASSES = 10;
  const PIXELS = 28 * 28;

  const data = { train: null, test: null };
  let model = null;

  function log(line) {
    const el = document.getElementById("log");
    if (el) el.textContent += `${line}\n`;
  }

  // One gzip'd IDX file, inflated by the browser as the page does.
  async function fetchIdx(url, magic) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    const inflated = res.body.pipeThrough(new DecompressionStream("gzip"));
    const bytes = new Uint8Array(await new Response(inflated).arrayBuffer());
    const view = new DataView(bytes.buffer);
    if (view.getUint32(0) !== magic) throw new Error(`${url}: not an IDX file with magic ${magic}`);
    const count = view.getUint32(4);
    const header = magic === 2051 ? 16 : 8;
    return { count, body: bytes.subarray(header) };
  }

  async function loadSplit(base, images, labels) {
    const [x, y] = await Promise.all([fetchIdx(base + images, 2051), fetchIdx(base + labels, 2049)]);
    if (x.count !== y.count) throw new Error(`${images}: ${x.count} images but ${y.count} labels`);
    return { count: x.count, pixels: x.body, labels: y.body };
  }

  // Rows to train on: all, or the first `perClass` of each class in file order
  // (what sigpath's per_class field selects).
  function selectRows(split, perClass) {
    if (perClass == null) return null;
    const taken = new Array(CLASSES).fill(0);
    const rows = [];
    for (let i = 0; i < split.count; i += 1) {
      const c = split.labels[i];
      if (taken[c] < perClass) {
        taken[c] += 1;
        rows.push(i);
      }
    }
    return rows;
  }

  // Float tensors [n, 784] in [0, 1] and one-hot [n, 10] on the current backend.
  function tensors(split, rows) {
    const n = rows ? rows.length : split.count;
    const x = new Float32Array(n * PIXELS);
    const y = new Float32Array(n * CLASSES);
    for (let r = 0; r < n; r += 1) {
      const i = rows ? rows[r] : r;
      const src = split.pixels.subarray(i * PIXELS, (i + 1) * PIXELS);
      for (let p = 0; p < PIXELS; p += 1) x[r * PIXELS + p] = src[p] / 255;
      y[r * CLASSES + split.labels[i]] = 1;
    }
    return { n, x: tf.tensor2d(x, [n, PIXELS]), y: tf.tensor2d(y, [n, CLASSES]) };
  }

  function buildModel(seed) {
    const m = tf.sequential();
    HIDDEN.forEach((units, i) => {
      m.add(tf.layers.dense({
        units,
        activation: "relu",
        inputShape: i === 0 ? [PIXELS] : undefined,
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + i }),
        name: `h${i + 1}`,
      }));
    });
    m.add(tf.layers.dense({
      units: CLASSES,
      activation: "softmax",
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + HIDDEN.length }),
      name: "out",
    }));
    m.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy" });
    return m;
  }

  function webglRenderer() {
    try {
      const gl = document.createElement("canvas").getContext("webgl2") ??
        document.createElement("canvas").getContext("webgl");
      if (!gl) return null;
      const ext = gl.getExtension("WEBGL_debug_renderer_info");
      return ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
    } catch (e) {
      return `error: ${e.message}`;
    }
  }

  async function accuracy(m, x, labels, n) {
    const chunk = 1000;
    let correct = 0;
    for (let start = 0; start < n; start += chunk) {
      const size = Math.min(chunk, n - start);
      const pred = tf.tidy(() => m.predict(x.slice([start, 0], [size, PIXELS])).argMax(1));
      const got = await pred.data();
      pred.dispose();
      for (let i = 0; i < size; i += 1) if (got[i] === labels[start + i]) correct += 1;
    }
    return correct / n;
  }

  window.tfjsBench = {
    /** Versions and what the browser offers, before any backend is chosen. */
    info() {
      return {
        tfjs_version: tf.version.tfjs,
        wasm_backend_version: tf.wasm?.version_wasm ?? null,
        webgl_renderer: webglRenderer(),
        cross_origin_isolated: self.crossOriginIsolated === true,
        hardware_concurrency: navigator.hardwareConcurrency,
      };
    },

    /** Switch to `name` ("wasm" | "webgl" | "cpu"); report what tf.getBackend() says. */
    async setBackend(name, wasmBase) {
      if (name === "wasm") tf.wasm.setWasmPaths(new URL(wasmBase, location.href).href);
      const ok = await tf.setBackend(name);
      await tf.ready();
      const details = { requested: name, ok, backend: tf.getBackend() };
      if (tf.getBackend() === "wasm") {
        details.wasm_simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
        details.wasm_threads = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
        details.wasm_variant = details.wasm_threads ? "threaded-simd" : details.wasm_simd ? "simd" : "plain";
      }
      if (tf.getBackend() === "webgl") {
        details.webgl_version = tf.env().getNumber("WEBGL_VERSION");
        details.webgl_renderer = webglRenderer();
      }
      log(`backend ${JSON.stringify(details)}`);
      return details;
    },

    /** Fetch and inflate MNIST from `base` (the page's data folder). */
    async loadData(base) {
      const t0 = performance.now();
      data.train = await loadSplit(base, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz");
      data.test = await loadSplit(base, "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");
      const loadMs = performance.now() - t0;
      log(`data ${data.train.count} + ${data.test.count} in ${loadMs.toFixed(0)} ms`);
      return { train: data.train.count, test: data.test.count, load_ms: loadMs };
    },

    /**
     * Train a fresh model for `epochs` epochs (shuffled) at `batchSize`, on all
     * training images or the first `perClass` of each class; then the test accuracy
     * on all 10,000 test images. The clock runs around model.fit only: the float
     * tensors are made before it, the accuracy after it.
     */
    async train({ batchSize, epochs = 1, perClass = null, seed = 42 }) {
      model?.dispose();
      const rows = selectRows(data.train, perClass);
      const train = tensors(data.train, rows);
      const test = tensors(data.test, null);
      model = buildModel(seed);
      const epochMs = [];
      let epochStart = 0;
      const t0 = performance.now();
      const history = await model.fit(train.x, train.y, {
        batchSize,
        epochs,
        shuffle: true,
        verbose: 0,
        callbacks: {
          onEpochBegin: () => { epochStart = performance.now(); },
          onEpochEnd: () => { epochMs.push(performance.now() - epochStart); },
        },
      });
      const fitMs = performance.now() - t0;
      const testAccuracy = await accuracy(model, test.x, data.test.labels, test.n);
      tf.dispose([train.x, train.y, test.x, test.y]);
      const result = {
        backend: tf.getBackend(),
        batch_size: batchSize,
        epochs,
        train_images: train.n,
        steps_per_epoch: Math.ceil(train.n / batchSize),
        fit_ms: fitMs,
        epoch_secs: epochMs.map((ms) => ms / 1000),
        samples_per_sec: (train.n * epochs) / (fitMs / 1000),
        loss_per_epoch: history.history.loss,
        test_accuracy: testAccuracy,
        tensors_alive: tf.memory().numTensors,
      };
      log(`train ${JSON.stringify(result)}`);
      return result;
    },

    /**
     * The hidden layers' outputs (the signatures) for the first `images` test
     * images, from the trained model: predict + data() readback of every output.
     * One warm-up pass first (shader compilation, wasm first-call costs), then
     * `repeats` timed passes.
     */
    async extract({ images = 10000, batchSize = 10000, repeats = 1 }) {
      if (!model) throw new Error("train first");
      const outputs = HIDDEN.map((_, i) => model.getLayer(`h${i + 1}`).output);
      const features = tf.model({ inputs: model.inputs, outputs });
      const all = tensors(data.test, null);
      const x = all.x.slice([0, 0], [Math.min(images, all.n), PIXELS]);
      tf.dispose([all.x, all.y]);
      const pass = async () => {
        const t0 = performance.now();
        const outs = features.predict(x, { batchSize });
        const values = await Promise.all(outs.map((o) => o.data()));
        const ms = performance.now() - t0;
        const shapes = outs.map((o) => o.shape);
        tf.dispose(outs);
        return { ms, shapes, floats: values.reduce((s, v) => s + v.length, 0) };
      };
      const warm = await pass();
      const timed = [];
      for (let r = 0; r < repeats; r += 1) timed.push(await pass());
      x.dispose();
      const result = {
        backend: tf.getBackend(),
        images: x.shape[0],
        batch_size: batchSize,
        warmup_ms: warm.ms,
        extract_ms: timed.map((t) => t.ms),
        shapes: timed[0]?.shapes ?? warm.shapes,
      };
      log(`extract ${JSON.stringify(result)}`);
      return result;
    },
  };

  document.body.dataset.phase = "idle";
})();
