import type { ForgeRsaLib } from 'node-forge/lib/forge.js';
import type { CryptoEnv } from '../../src/shared/crypto/crypto-env';
import { CryptoError } from '../../src/shared/crypto/crypto-error';
import { RSA_PUBLIC_EXPONENT } from '../../src/shared/crypto/public-key';
import {
  assertAllowedKeyBits,
  forgeKeyPairToDer,
  forgePrng,
  keysFromState,
  type RsaKeyPairDer,
} from '../../src/shared/crypto/rsa-keygen';
import type { KeyBits } from '../../src/shared/rules';

// Key-generation paths that only the benchmark measures, kept out of src/shared/crypto so the app ships
// only the path it uses (generateRsaKeyPair: native WebCrypto, forge's sliced JavaScript as fallback).

/**
 * Whether forge's callback form will use a native generator. This mirrors forge's own detection: without
 * one it falls back to sub-workers loaded from `prime.worker.js`, a file a bundler does not serve, and
 * the callback never fires. Under Node forge also needs its PEM reader, which only the full package loads.
 */
export function forgeHasNativeKeygen(forge: ForgeRsaLib): boolean {
  if (forge.options.usePureJavaScript) return false;
  if (forge.util.isNodejs) return 'privateKeyFromPem' in forge.pki;
  const subtle = forge.util.globalScope.crypto?.subtle;
  return typeof subtle?.generateKey === 'function' && typeof subtle.exportKey === 'function';
}

/**
 * forge's callback form, which hands the prime search to the platform (crypto.subtle.generateKey in
 * browsers and workers, node:crypto under Node) and re-encodes with forge. `workerScript` (the URL of
 * node-forge/dist/prime.worker.min.js) is only needed when no native generator exists; without either
 * this refuses rather than wait forever.
 */
export function generateWithForgeNative(
  env: Pick<CryptoEnv, 'forge'>,
  bits: KeyBits,
  options: { workerScript?: string } = {},
): Promise<RsaKeyPairDer> {
  assertAllowedKeyBits(bits);
  const { forge } = env;
  if (!forgeHasNativeKeygen(forge) && options.workerScript === undefined) {
    return Promise.reject(
      new CryptoError('keygen_unavailable', 'No native RSA generator here and no forge worker script.'),
    );
  }
  // In a browser forge asks crypto.subtle for an 'RSASSA-PKCS1-v1_5' key. That legacy scheme is only the
  // label of a throwaway key: forge exports it as plain rsaEncryption PKCS#8 and it is never used to sign.
  return new Promise((resolve, reject) => {
    forge.pki.rsa.generateKeyPair(
      { bits, e: RSA_PUBLIC_EXPONENT, workerScript: options.workerScript },
      (err, keypair) => {
        if (err || !keypair) {
          reject(new CryptoError('keygen_failed', 'RSA key generation failed.', { cause: err }));
          return;
        }
        // forge calls back from inside its own promise chain, which would swallow a throw.
        try {
          resolve(forgeKeyPairToDer(env, keypair, bits));
        } catch (cause) {
          reject(new CryptoError('keygen_failed', 'The generated key could not be encoded.', { cause }));
        }
      },
    );
  });
}

/** forge's synchronous pure-JavaScript form, blocking until done: the cost the sliced form spreads out. */
export function generateWithForgeJsSync(
  env: Pick<CryptoEnv, 'forge' | 'randomBytes'>,
  bits: KeyBits,
): RsaKeyPairDer {
  assertAllowedKeyBits(bits);
  const state = env.forge.pki.rsa.createKeyPairGenerationState(bits, RSA_PUBLIC_EXPONENT, {
    prng: forgePrng(env),
  });
  env.forge.pki.rsa.stepKeyPairGenerationState(state, 0);
  return keysFromState(env, state.keys, bits);
}
