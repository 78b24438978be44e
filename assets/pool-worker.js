// A clustering worker of the page (src/app/worker_pool.rs): runs the page's own
// wasm, which the page sends first with the URL of its JS glue, then answers
// one job at a time (postcard bytes, src/core/jobs.rs). Jobs that arrive while
// the wasm is starting wait here, in order.
let bindings = null;
let started = false;
const early = [];

function answer(job) {
  try {
    const bytes = bindings.pool_job(job);
    self.postMessage(bytes, [bytes.buffer]);
  } catch (error) {
    // A trap leaves the instance unusable: the page ends this worker.
    self.postMessage(`it failed: ${error && error.message ? error.message : error}`);
  }
}

async function start({ glue, module }) {
  try {
    const glueModule = await import(glue);
    // Runs the page's `main`, which sees no window and leaves the page alone.
    await glueModule.default({ module_or_path: module });
    bindings = glueModule;
  } catch (error) {
    self.postMessage(`its wasm could not start: ${error && error.message ? error.message : error}`);
    return;
  }
  self.postMessage("ready");
  for (const job of early.splice(0)) answer(job);
}

self.onmessage = (event) => {
  if (!started) {
    started = true;
    start(event.data);
  } else if (bindings === null) {
    early.push(event.data);
  } else {
    answer(event.data);
  }
};
