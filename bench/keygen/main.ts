import { createCryptoClient } from '../../src/client/crypto/crypto-client';
import { fromBase64Url } from '../../src/shared/crypto/encoding';
import { fingerprintSpki } from '../../src/shared/crypto/fingerprint';
import { OAEP_PARAMS, PSS_PARAMS, importRsaPublicKeys } from '../../src/shared/crypto/webcrypto-keys';
import type { BenchBits, BenchJob, BenchJobResult, KeygenPageApi, SmokeResult } from './bench-protocol';

// The bench page: drives the measurement worker, and runs the app's real crypto client and worker once
// per key size as a smoke test. bench/keygen.ts calls `keygenBench` through Playwright.

function runJob(job: BenchJob): Promise<BenchJobResult> {
  const worker = new Worker(new URL('./keygen-bench.worker.ts', import.meta.url), { type: 'module' });
  return new Promise<BenchJobResult>((resolve, reject) => {
    worker.addEventListener('message', (event: MessageEvent<BenchJobResult>) => resolve(event.data));
    worker.addEventListener('error', (event) => reject(new Error(event.message || 'bench worker failed')));
    worker.postMessage(job);
  }).finally(() => worker.terminate());
}

/** Watches the main thread while `work` runs: the longest gap between 5 ms timer ticks. */
async function withMainThreadWatch<T>(work: () => Promise<T>): Promise<{ value: T; maxGapMs: number }> {
  let last = performance.now();
  let maxGapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
  }, 5);
  try {
    return { value: await work(), maxGapMs };
  } finally {
    clearInterval(timer);
  }
}

async function smoke(bits: BenchBits): Promise<SmokeResult> {
  const { subtle } = crypto;
  const client = createCryptoClient();
  const stages: string[] = [];
  const result: SmokeResult = {
    bits,
    keygenPath: '',
    generateMs: 0,
    activateMs: 0,
    restoreMs: 0,
    maxMainThreadGapMs: 0,
    stages,
    ok: false,
  };
  try {
    const wrapKey = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    const activateStarted = performance.now();
    const { value: activated, maxGapMs } = await withMainThreadWatch(() =>
      client.call(
        'activate',
        { bits, wrapKey, accountName: 'bench' },
        { onProgress: (p) => stages.push(p.stage) },
      ),
    );
    result.activateMs = performance.now() - activateStarted;
    result.maxMainThreadGapMs = maxGapMs;
    result.generateMs = activated.generateMs;
    result.keygenPath = activated.keygenPath;

    const restoreStarted = performance.now();
    const restored = await client.call('restore', {
      backup: activated.backup,
      wrapKey,
      accountName: 'bench',
      spki: activated.spki,
      fingerprint: activated.fingerprint,
    });
    result.restoreMs = performance.now() - restoreStarted;

    const spki = fromBase64Url(activated.spki);
    const publicKeys = await importRsaPublicKeys({ subtle }, spki);
    const probe = crypto.getRandomValues(new Uint8Array(32));
    const ciphertext = await subtle.encrypt(OAEP_PARAMS, publicKeys.encryptKey, probe);
    const decrypted = new Uint8Array(await subtle.decrypt(OAEP_PARAMS, restored.decryptKey, ciphertext));
    const signature = await subtle.sign(PSS_PARAMS, activated.signKey, probe);
    result.ok =
      (await fingerprintSpki({ subtle }, spki)) === activated.fingerprint &&
      [activated.decryptKey, activated.signKey, restored.decryptKey, restored.signKey].every(
        (k) => !k.extractable,
      ) &&
      decrypted.every((byte, i) => byte === probe[i]) &&
      (await subtle.verify(PSS_PARAMS, publicKeys.verifyKey, signature, probe));
  } catch (error) {
    result.error = String(error);
  } finally {
    client.terminate();
  }
  return result;
}

// Main-thread tasks over 50 ms while the page runs (the browser's own definition of a long task): key
// generation must never cause one, whichever path the worker takes.
let longTasks = 0;
new PerformanceObserver((list) => {
  longTasks += list.getEntries().length;
}).observe({ type: 'longtask' });

const api: KeygenPageApi = { runJob, smoke, longTasks: () => longTasks };
Object.assign(globalThis, { keygenBench: api });
document.body.dataset.ready = 'true';
