import { randomBytes } from 'node:crypto';
import { envelopeV1Schema, type EnvelopeV1 } from '../../shared/protocol/messages';

const b64 = (bytes: number) => randomBytes(bytes).toString('base64url');

/**
 * An envelope that passes `envelopeV1Schema` with random bytes of the right lengths: the server never
 * opens one, so its tests need the shape only (1024-bit keys: 128-byte wrapped keys and signature).
 */
export function testEnvelope(fields: {
  from: string;
  to: string;
  fromFingerprint: string;
  toFingerprint?: string;
  id?: string;
  ts?: number;
}): EnvelopeV1 {
  return envelopeV1Schema.parse({
    v: 1,
    id: fields.id ?? b64(16),
    from: fields.from,
    to: fields.to,
    ts: fields.ts ?? Date.UTC(2026, 0, 1),
    kid: { from: fields.fromFingerprint, to: fields.toFingerprint ?? randomBytes(32).toString('hex') },
    iv: b64(12),
    ct: b64(1_040),
    wk: { to: b64(128), from: b64(128) },
    sig: b64(128),
  });
}
