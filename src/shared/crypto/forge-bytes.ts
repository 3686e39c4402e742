// node-forge passes bytes around as "binary strings" (one UTF-16 unit per byte). These are the only
// conversions between them and Uint8Array. Binary strings cannot be wiped, so secret bytes that pass
// through forge linger in memory until collected: one reason forge only makes and encodes keys here.

// String.fromCharCode takes its bytes as arguments; chunks keep the call under engines' argument limits.
const CHUNK = 8_192;

export function bytesToBinaryString(bytes: Uint8Array): string {
  let out = '';
  // Stryker disable next-line EqualityOperator: one more turn would add the empty string
  for (let offset = 0; offset < bytes.length; offset += CHUNK) {
    out += String.fromCharCode(...bytes.subarray(offset, offset + CHUNK));
  }
  return out;
}

export function binaryStringToBytes(binary: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(binary.length);
  // Stryker disable next-line EqualityOperator: one more turn writes NaN past the end, which a typed array ignores
  for (let i = 0; i < binary.length; i++) {
    const code = binary.charCodeAt(i);
    if (code > 0xff) throw new RangeError('not a binary string');
    out[i] = code;
  }
  return out;
}
