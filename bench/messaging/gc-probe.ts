// Preloaded (`--import`) into a bench server child started with `--expose-gc`: the parent sends 'gc' over
// the IPC channel and gets the memory figures back once a full collection has run, so an RSS reading
// compares live memory and not whatever garbage the last few requests happened to leave behind.

process.on('message', (message: unknown) => {
  if (message !== 'gc') return;
  globalThis.gc?.();
  // A second pass after a turn of the loop also collects what finalizers and weak references let go.
  setImmediate(() => {
    globalThis.gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    process.send?.({ rss, heapUsed });
  });
});
// The probe must never be what keeps a stopping server alive.
process.channel?.unref();
