import type { Asn1, ForgeRsaLib } from 'node-forge/lib/forge.js';
import { isAllowedKeyBits, rules, type KeyBits } from '../rules';
import type { CryptoEnv } from './crypto-env';
import { CryptoError, type CryptoErrorCode } from './crypto-error';
import { fingerprintSpki, isFingerprint } from './fingerprint';
import { binaryStringToBytes, bytesToBinaryString } from './forge-bytes';

export const RSA_PUBLIC_EXPONENT = 65_537;

export interface RsaPublicKeyInfo {
  bits: number;
  exponent: number;
}

// Values live in the low bits of asn1.Type; spelled out so this module needs no forge at load time.
const TAG = { INTEGER: 2, BITSTRING: 3, OCTETSTRING: 4, NULL: 5, OID: 6, SEQUENCE: 16 } as const;
const UNIVERSAL = 0;

function fail(code: CryptoErrorCode, message: string, cause?: unknown): never {
  // Stryker disable next-line ConditionalExpression,EqualityOperator,ObjectLiteral: the cause only feeds a developer's console
  throw new CryptoError(code, message, cause === undefined ? undefined : { cause });
}

/**
 * Parses strict DER: no trailing bytes, and re-encoding must give back the same bytes, which refuses the
 * BER leniencies forge's parser accepts (long-form lengths, padded integers) so one key has one encoding
 * and therefore one fingerprint.
 */
function parseDer(forge: ForgeRsaLib, der: string, code: CryptoErrorCode, what: string): Asn1 {
  let root: Asn1;
  try {
    // Stryker disable next-line BooleanLiteral: trailing bytes fail the re-encoding comparison below as well
    root = forge.asn1.fromDer(der, { strict: true, parseAllBytes: true, decodeBitStrings: false });
  } catch (cause) {
    fail(code, `The ${what} is not valid DER.`, cause);
  }
  if (forge.asn1.toDer(root).getBytes() !== der) fail(code, `The ${what} is not canonical DER.`);
  return root;
}

function sequence(node: Asn1 | undefined, length: number, code: CryptoErrorCode, what: string): Asn1[] {
  if (
    // Stryker disable next-line ConditionalExpression,LogicalOperator: every caller has a node: a parsed root or a counted field
    node === undefined ||
    Number(node.tagClass) !== UNIVERSAL ||
    Number(node.type) !== TAG.SEQUENCE ||
    !node.constructed ||
    !Array.isArray(node.value) ||
    node.value.length !== length
  ) {
    fail(code, `The ${what} does not have the expected structure.`);
  }
  return node.value;
}

function primitive(node: Asn1 | undefined, tag: number, code: CryptoErrorCode, what: string): string {
  if (
    node === undefined ||
    Number(node.tagClass) !== UNIVERSAL ||
    Number(node.type) !== tag ||
    node.constructed ||
    // Stryker disable next-line ConditionalExpression: forge gives every primitive node a string value
    typeof node.value !== 'string'
  ) {
    fail(code, `The ${what} does not have the expected structure.`);
  }
  return node.value;
}

/** AlgorithmIdentifier must be rsaEncryption with NULL parameters (RFC 3279), as WebCrypto exports it. */
function expectRsaAlgorithm(forge: ForgeRsaLib, node: Asn1 | undefined, code: CryptoErrorCode, what: string) {
  // Other algorithms carry other parameters (or none), so look at the OID before the field count.
  // Stryker disable next-line OptionalChaining: the algorithm is always a field of the counted outer sequence
  const oid = Array.isArray(node?.value) ? node.value[0] : undefined;
  if (forge.asn1.derToOid(primitive(oid, TAG.OID, code, what)) !== forge.pki.oids.rsaEncryption) {
    fail('unsupported_key_type', `The ${what} is not an RSA (rsaEncryption) key.`);
  }
  const [, parameters] = sequence(node, 2, code, what);
  if (primitive(parameters, TAG.NULL, code, what) !== '') fail(code, `The ${what} has bad parameters.`);
}

/** A positive INTEGER's bit length; canonical DER has already ruled out redundant leading bytes. */
function positiveIntegerBits(value: string): number {
  const first = value.charCodeAt(0);
  // Stryker disable next-line ConditionalExpression: an empty value also gives an empty `significant`, refused below
  if (value.length === 0 || first >= 0x80) return 0;
  const significant = first === 0 ? value.slice(1) : value;
  const top = significant.charCodeAt(0);
  // Zero gives -8 bits without the first test, refused as a size all the same; a second zero byte is
  // padding, which parseDer's canonical check refuses before this runs.
  // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent, as said above
  if (significant.length === 0 || top === 0) return 0;
  return (significant.length - 1) * 8 + (32 - Math.clz32(top));
}

/**
 * Reads bit size and public exponent from an RSA SubjectPublicKeyInfo, refusing anything else: garbage,
 * trailing bytes, other algorithms (EC, RSASSA-PSS-only keys), PKCS#1 RSAPublicKey without the wrapper.
 * It does not judge the values; `checkPublishedPublicKey` applies Ringpost's rules.
 */
export function inspectRsaPublicKey({ forge }: Pick<CryptoEnv, 'forge'>, spki: Uint8Array): RsaPublicKeyInfo {
  const code = 'invalid_public_key';
  const what = 'public key';
  const [algorithm, subjectPublicKey] = sequence(
    parseDer(forge, bytesToBinaryString(spki), code, what),
    2,
    code,
    what,
  );
  expectRsaAlgorithm(forge, algorithm, code, what);
  const bitString = primitive(subjectPublicKey, TAG.BITSTRING, code, what);
  // The first content byte of a BIT STRING counts unused bits; a DER-wrapped key has none.
  if (bitString.charCodeAt(0) !== 0) fail(code, 'The public key bit string is malformed.');
  const [modulus, exponent] = sequence(parseDer(forge, bitString.slice(1), code, what), 2, code, what);
  const n = primitive(modulus, TAG.INTEGER, code, what);
  const e = primitive(exponent, TAG.INTEGER, code, what);
  const bits = positiveIntegerBits(n);
  // An RSA modulus is the product of two odd primes.
  if (bits < 2 || (n.charCodeAt(n.length - 1) & 1) === 0) fail(code, 'The RSA modulus is not valid.');
  const exponentBits = positiveIntegerBits(e);
  if (exponentBits < 2 || exponentBits > 32) {
    fail('unsupported_exponent', 'The RSA public exponent is out of range.');
  }
  let value = 0;
  for (let i = 0; i < e.length; i++) value = value * 256 + e.charCodeAt(i);
  return { bits, exponent: value };
}

/**
 * What the server checks before publishing a key: RSA, an allowed size, e = 65537, and a fingerprint
 * that names exactly these bytes.
 */
export async function checkPublishedPublicKey(
  env: Pick<CryptoEnv, 'forge' | 'subtle'>,
  spki: Uint8Array,
  claimedFingerprint: string,
): Promise<{ bits: KeyBits; fingerprint: string }> {
  const { bits, exponent } = inspectRsaPublicKey(env, spki);
  if (!isAllowedKeyBits(bits)) {
    fail('unsupported_key_size', `RSA keys must be ${rules.keyBitsAllowed.join(', ')} bits, not ${bits}.`);
  }
  if (exponent !== RSA_PUBLIC_EXPONENT) {
    fail('unsupported_exponent', 'The RSA public exponent must be 65537.');
  }
  if (!isFingerprint(claimedFingerprint)) {
    fail('invalid_fingerprint', 'A fingerprint is 64 lowercase hex digits.');
  }
  const fingerprint = await fingerprintSpki(env, spki);
  if (fingerprint !== claimedFingerprint) {
    fail('fingerprint_mismatch', 'The fingerprint does not match the public key.');
  }
  return { bits, fingerprint };
}

function readRsaPrivateKey(forge: ForgeRsaLib, root: Asn1) {
  try {
    return forge.pki.privateKeyFromAsn1(root);
  } catch (cause) /* Stryker disable next-line BlockStatement: not reached here */ {
    // The caller has checked every field first, so today's forge never throws here; kept for one that does.
    // Stryker disable next-line StringLiteral: as above, not reached with today's forge
    return fail('invalid_private_key', 'The private key could not be read.', cause);
  }
}

/**
 * The SPKI of the public half of a PKCS#8 RSA private key, so a restored backup can be checked against
 * the published key. Only PKCS#8 v0 wrapping a two-prime RSAPrivateKey is accepted: what WebCrypto,
 * OpenSSL and forge write.
 */
export function publicKeyFromPkcs8(
  { forge }: Pick<CryptoEnv, 'forge'>,
  pkcs8: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const code = 'invalid_private_key';
  const what = 'private key';
  const root = parseDer(forge, bytesToBinaryString(pkcs8), code, what);
  const [version, algorithm, privateKey] = sequence(root, 3, code, what);
  if (primitive(version, TAG.INTEGER, code, what) !== '\x00') {
    fail(code, 'Only PKCS#8 version 0 is supported.');
  }
  expectRsaAlgorithm(forge, algorithm, code, what);
  const rsaKey = parseDer(forge, primitive(privateKey, TAG.OCTETSTRING, code, what), code, what);
  const fields = sequence(rsaKey, 9, code, what);
  if (primitive(fields[0], TAG.INTEGER, code, what) !== '\x00') {
    fail(code, 'Only two-prime RSA keys are supported.');
  }
  for (const field of fields) primitive(field, TAG.INTEGER, code, what);
  const key = readRsaPrivateKey(forge, root);
  const spki = forge.asn1
    .toDer(forge.pki.publicKeyToAsn1(forge.pki.rsa.setPublicKey(key.n, key.e)))
    .getBytes();
  return binaryStringToBytes(spki);
}
