import { webCryptoEnv } from '../../src/shared/crypto/crypto-env';
import { fromBase64Url } from '../../src/shared/crypto/encoding';
import {
  envelopeSignedBytes,
  openEnvelope,
  sealEnvelope,
  type SealEnvelopeInput,
} from '../../src/shared/crypto/envelope-v1';
import { fingerprintSpki } from '../../src/shared/crypto/fingerprint';
import { generateWithWebCrypto } from '../../src/shared/crypto/rsa-keygen';
import {
  importRsaPrivateKeys,
  importRsaPublicKeys,
  OAEP_PARAMS,
  PSS_PARAMS,
} from '../../src/shared/crypto/webcrypto-keys';
import { countCharacters, messageTextProblem, utf8Length } from '../../src/shared/message-text';
import { rules } from '../../src/shared/rules';
import * as openpgp from 'openpgp';
import type {
  EnvelopeBenchBits,
  EnvelopeJob,
  EnvelopeJobResult,
  EnvelopePrimitive,
  OpenPgpPeer,
} from './envelope-protocol';

// Seals and opens envelope v1 in a real module worker with keys as the app's crypto worker holds them:
// a PKCS#8 made here by WebCrypto, imported non-extractable once for RSA-PSS signing and once for
// RSA-OAEP unwrapping. Only the two library calls are timed; key setup, the JSON round trip an envelope
// makes through the network and the check of the opened text happen outside the timed sections.

const env = webCryptoEnv(crypto);

// Mixed scripts and emoji (a flag and a skin-tone pair among them), so grapheme counting in
// messageTextProblem sees more than ASCII; the padded plaintext is 1,024 bytes whatever the text.
const GRAPHEMES = ['H', 'é', 'ß', ' ', '日', '本', '👋', '🏽', 'я', 'ع', '🇫🇷', '!', '👍🏽', 'ñ', 'k', '文'];

function benchText(): string {
  let text = '';
  for (let i = 0; countCharacters(text) < rules.messageMaxChars; i++) {
    text += GRAPHEMES[i % GRAPHEMES.length] ?? '';
  }
  const problem = messageTextProblem(text);
  if (problem !== null) throw new Error(`bench text refused: ${problem}`);
  return text;
}

interface Party {
  name: string;
  fingerprint: string;
  signKey: CryptoKey;
  decryptKey: CryptoKey;
  encryptKey: CryptoKey;
  verifyKey: CryptoKey;
}

async function makeParty(name: string, bits: EnvelopeBenchBits): Promise<Party> {
  const { spki, pkcs8 } = await generateWithWebCrypto(env, bits);
  const [privateKeys, publicKeys, fingerprint] = await Promise.all([
    importRsaPrivateKeys(env, pkcs8),
    importRsaPublicKeys(env, spki),
    fingerprintSpki(env, spki),
  ]);
  // importRsaPrivateKeys zeroes only its own copy; the app's worker zeroes this one too.
  pkcs8.fill(0);
  return { name, fingerprint, ...privateKeys, ...publicKeys };
}

/**
 * The same work with OpenPGP.js: a signed and encrypted message of the same text to one recipient
 * (binary, as unarmored as envelope v1's JSON is compact), then decrypted with the signature required.
 * Keys are made and parsed outside the timed sections, as the app's are.
 */
async function runOpenPgp(job: EnvelopeJob & { peer: OpenPgpPeer }, result: EnvelopeJobResult, text: string) {
  const keyOptions =
    job.peer === 'openpgp-curve25519'
      ? ({ type: 'curve25519' } as const)
      : ({ type: 'rsa', rsaBits: 2048 } as const);
  const [alice, bob] = await Promise.all(
    ['alice', 'bob'].map((name) =>
      openpgp.generateKey({ ...keyOptions, userIDs: [{ name }], format: 'object' }),
    ),
  );
  if (!alice || !bob) throw new Error('OpenPGP made no keys.');
  let verified = true;
  for (let run = 0; run < job.warmup + job.runs; run++) {
    const sealStarted = performance.now();
    const sealed = await openpgp.encrypt({
      message: await openpgp.createMessage({ text }),
      encryptionKeys: bob.publicKey,
      signingKeys: alice.privateKey,
      format: 'binary',
    });
    const sealedMs = performance.now() - sealStarted;

    const openStarted = performance.now();
    const opened = await openpgp.decrypt({
      message: await openpgp.readMessage({ binaryMessage: sealed }),
      decryptionKeys: bob.privateKey,
      verificationKeys: alice.publicKey,
      expectSigned: true,
    });
    const openedMs = performance.now() - openStarted;

    if (run >= job.warmup) {
      result.sealMs.push(sealedMs);
      result.openMs.push(openedMs);
    }
    verified = verified && opened.data === text;
  }
  result.verified = verified;
}

async function runJob(job: EnvelopeJob): Promise<EnvelopeJobResult> {
  const text = benchText();
  const sealMs: number[] = [];
  const openMs: number[] = [];
  const result: EnvelopeJobResult = {
    bits: job.bits,
    sealMs,
    openMs,
    textCharacters: countCharacters(text),
    textBytes: utf8Length(text),
    crossOriginIsolated,
    verified: false,
  };
  try {
    if (job.peer) {
      await runOpenPgp({ ...job, peer: job.peer }, result, text);
      return result;
    }
    const [sender, recipient] = await Promise.all([makeParty('alice', job.bits), makeParty('bob', job.bits)]);
    let verified = [sender, recipient].every((p) => !p.signKey.extractable && !p.decryptKey.extractable);
    const sealInput: Omit<SealEnvelopeInput, 'ts'> = {
      from: sender.name,
      to: recipient.name,
      text,
      senderSignKey: sender.signKey,
      senderPublicKey: sender.encryptKey,
      recipientPublicKey: recipient.encryptKey,
      senderFingerprint: sender.fingerprint,
      recipientFingerprint: recipient.fingerprint,
    };
    const expected = {
      from: sender.name,
      to: recipient.name,
      kidFrom: sender.fingerprint,
      kidTo: recipient.fingerprint,
    };

    // Seal and open alternate, as a conversation does; each run opens the envelope it just sealed.
    for (let run = 0; run < job.warmup + job.runs; run++) {
      const sealStarted = performance.now();
      const envelope = await sealEnvelope(env, { ...sealInput, ts: Date.now() });
      const sealed = performance.now() - sealStarted;
      // A reader gets the envelope as JSON from the server or IndexedDB, not the sealer's object.
      const received: unknown = JSON.parse(JSON.stringify(envelope));

      const openStarted = performance.now();
      const opened = await openEnvelope(env, {
        envelope: received,
        decryptKey: recipient.decryptKey,
        as: 'recipient',
        senderVerifyKey: sender.verifyKey,
        expected,
      });
      const openedMs = performance.now() - openStarted;

      if (run >= job.warmup) {
        sealMs.push(sealed);
        openMs.push(openedMs);
      }
      verified = verified && opened.text === text && opened.id === envelope.id;
    }
    result.verified = verified;
    result.primitivesMs = await timePrimitives(
      job,
      sender,
      recipient,
      await sealEnvelope(env, { ...sealInput, ts: 0 }),
    );
  } catch (error) {
    result.error = String(error);
  }
  return result;
}

/** Each WebCrypto call an envelope's critical path makes, alone, on the same keys and bytes. */
async function timePrimitives(
  job: EnvelopeJob,
  sender: Party,
  recipient: Party,
  envelope: Awaited<ReturnType<typeof sealEnvelope>>,
): Promise<Record<EnvelopePrimitive, number[]>> {
  const { subtle } = crypto;
  const signed = envelopeSignedBytes(envelope);
  const signature = fromBase64Url(envelope.sig);
  const wrapped = fromBase64Url(envelope.wk.to);
  const small = new Uint8Array(32);
  const calls: Record<EnvelopePrimitive, () => Promise<unknown>> = {
    sign: () => subtle.sign(PSS_PARAMS, sender.signKey, signed),
    verify: () => subtle.verify(PSS_PARAMS, sender.verifyKey, signature, signed),
    unwrap: () =>
      subtle.unwrapKey('raw', wrapped, recipient.decryptKey, OAEP_PARAMS, { name: 'AES-GCM' }, false, [
        'decrypt',
      ]),
    hop: () => subtle.digest('SHA-256', small),
  };
  const times = { sign: [], verify: [], unwrap: [], hop: [] } as Record<EnvelopePrimitive, number[]>;
  for (let run = 0; run < job.warmup + job.runs; run++) {
    for (const [name, call] of Object.entries(calls) as [EnvelopePrimitive, () => Promise<unknown>][]) {
      const started = performance.now();
      await call();
      if (run >= job.warmup) times[name].push(performance.now() - started);
    }
  }
  return times;
}

addEventListener('message', (event: MessageEvent<EnvelopeJob>) => {
  void runJob(event.data).then((result) => postMessage(result));
});
