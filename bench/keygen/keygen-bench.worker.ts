import { webCryptoEnv } from '../../src/shared/crypto/crypto-env';
import { forgeRsa } from '../../src/shared/crypto/forge-lib';
import { inspectRsaPublicKey, publicKeyFromPkcs8 } from '../../src/shared/crypto/public-key';
import {
  generateWithForgeJs,
  generateWithWebCrypto,
  type RsaKeyPairDer,
} from '../../src/shared/crypto/rsa-keygen';
import {
  checkKeyPair,
  importRsaPrivateKeys,
  importRsaPublicKeys,
} from '../../src/shared/crypto/webcrypto-keys';
import type { BenchJob, BenchJobResult, BenchPath } from './bench-protocol';
import { generateWithForgeJsSync, generateWithForgeNative } from './forge-keygen';

// Runs each key-generation path in a real module worker, as the app's crypto worker does, with the same
// minimal forge import. Verification happens outside the timed section.

const env = { ...webCryptoEnv(crypto), forge: forgeRsa };

function generate(path: BenchPath, bits: BenchJob['bits']): Promise<RsaKeyPairDer> {
  switch (path) {
    case 'forge-native':
      return generateWithForgeNative(env, bits);
    case 'forge-js-sync':
      return Promise.resolve(generateWithForgeJsSync(env, bits));
    case 'forge-js-sliced':
      return generateWithForgeJs(env, bits);
    case 'webcrypto':
      return generateWithWebCrypto(env, bits);
  }
}

async function verify(keys: RsaKeyPairDer, bits: number): Promise<boolean> {
  const info = inspectRsaPublicKey(env, keys.spki);
  const derived = publicKeyFromPkcs8(env, keys.pkcs8);
  const sameSpki = derived.length === keys.spki.length && derived.every((byte, i) => byte === keys.spki[i]);
  const privateKeys = await importRsaPrivateKeys(env, keys.pkcs8);
  await checkKeyPair(env, privateKeys, await importRsaPublicKeys(env, keys.spki));
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
