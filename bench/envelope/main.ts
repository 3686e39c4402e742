import type {
  EnvelopeJob,
  EnvelopeJobResult,
  EnvelopePageApi,
  EnvelopePageResult,
  LongTaskSummary,
} from './envelope-protocol';

// The bench page: runs one job in the measurement worker while watching the main thread for long
// tasks, which would mean envelope work (or its messaging) froze the page. bench/envelope.ts calls
// `envelopeBench` through Playwright.

function runInWorker(job: EnvelopeJob): Promise<EnvelopeJobResult> {
  const worker = new Worker(new URL('./envelope-bench.worker.ts', import.meta.url), { type: 'module' });
  return new Promise<EnvelopeJobResult>((resolve, reject) => {
    worker.addEventListener('message', (event: MessageEvent<EnvelopeJobResult>) => resolve(event.data));
    worker.addEventListener('error', (event) => reject(new Error(event.message || 'bench worker failed')));
    worker.postMessage(job);
  }).finally(() => worker.terminate());
}

async function runJob(job: EnvelopeJob): Promise<EnvelopePageResult> {
  // Fails where the browser has no Long Tasks API, rather than reporting a reassuring zero.
  if (!PerformanceObserver.supportedEntryTypes.includes('longtask')) {
    throw new Error('This browser does not report long tasks.');
  }
  const longTasks: LongTaskSummary = { count: 0, totalMs: 0, longestMs: 0 };
  const record = (entries: PerformanceEntryList) => {
    for (const entry of entries) {
      longTasks.count++;
      longTasks.totalMs += entry.duration;
      longTasks.longestMs = Math.max(longTasks.longestMs, entry.duration);
    }
  };
  const observer = new PerformanceObserver((list) => record(list.getEntries()));
  observer.observe({ type: 'longtask' });
  try {
    const result = await runInWorker(job);
    // Entries are delivered asynchronously: take any still queued before stopping.
    record(observer.takeRecords());
    return { result, longTasks };
  } finally {
    observer.disconnect();
  }
}

const api: EnvelopePageApi = { runJob };
Object.assign(globalThis, { envelopeBench: api });
document.body.dataset.ready = 'true';
