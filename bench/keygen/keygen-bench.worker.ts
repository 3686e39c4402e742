import { forgeRsa } from '../../src/shared/crypto/forge-lib';
import { inspectRsaPublicKey, publicKeyFromPkcs8 } from '../../src/shared/crypto/public-key';
import { randomBytesFrom } from '../../src/shared/crypto/random';
import {
  generateWithForgeJs,
  generateWithForgeJsSync,
  generateWithForgeNative,
  generateWithWebCrypto,
  type RsaKeyPairDer,
} from '../../src/shared/crypto/rsa-keygen';
import {
  checkKeyPair,
  importRsaPrivateKeys,
  importRsaPublicKeys,
} from '../../src/shared/crypto/webcrypto-keys';
import type { BenchJob, BenchJobResult, BenchPath } from './bench-protocol';

// Runs each key-generation path in a real module worker, as the app's crypto worker does, with the same
// minimal forge import. Verification happens outside the timed section.

const { subtle } = crypto;
const randomBytes = randomBytesFrom(crypto);

function generate(path: BenchPath, bits: BenchJob['bits']): Promise<RsaKeyPairDer> {
  switch (path) {
    case 'forge-native':
      return generateWithForgeNative(forgeRsa, bits);
    case 'forge-js-sync':
      return Promise.resolve(generateWithForgeJsSync(forgeRsa, bits, randomBytes));
    case 'forge-js-sliced':
      return generateWithForgeJs(forgeRsa, bits, { randomBytes });
    case 'webcrypto':
      return generateWithWebCrypto(subtle, bits);
  }
}

async function verify(keys: RsaKeyPairDer, bits: number): Promise<boolean> {
  const info = inspectRsaPublicKey(forgeRsa, keys.spki);
  const derived = publicKeyFromPkcs8(forgeRsa, keys.pkcs8);
  const sameSpki = derived.length === keys.spki.length && derived.every((byte, i) => byte === keys.spki[i]);
  const privateKeys = await importRsaPrivateKeys(subtle, keys.pkcs8);
  await checkKeyPair(subtle, randomBytes, privateKeys, await importRsaPublicKeys(subtle, keys.spki));
  return info.bits === bits && info.exponent === 65_537 && sameSpki;
}

async function runJob(job: BenchJob): Promise<BenchJobResult> {
  const timesMs: number[] = [];
  let verified = true;
  try {
    for (let run = 0; run < job.warmup + job.runs; run++) {
      const started = performance.now();
      const keys = await generate(job.path, job.bits);
      const elapsed = performance.now() - started;
      if (run >= job.warmup) timesMs.push(elapsed);
      verified = (await verify(keys, job.bits)) && verified;
    }
    return { path: job.path, bits: job.bits, timesMs, verified };
  } catch (error) {
    return { path: job.path, bits: job.bits, timesMs, verified: false, error: String(error) };
  }
}

addEventListener('message', (event: MessageEvent<BenchJob>) => {
  void runJob(event.data).then((result) => postMessage(result));
});
