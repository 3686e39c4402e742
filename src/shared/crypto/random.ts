/** A cryptographically secure byte source, passed in so the same code runs in the worker, Node and tests. */
export type RandomBytes = (length: number) => Uint8Array<ArrayBuffer>;

export interface RandomValuesSource {
  getRandomValues(array: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer>;
}

// getRandomValues refuses more than 65,536 bytes per call.
const MAX_RANDOM_VALUES = 65_536;

/** Adapts `crypto` (browser, worker or Node's global) to a RandomBytes function. */
export function randomBytesFrom(source: RandomValuesSource): RandomBytes {
  return (length) => {
    const out = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += MAX_RANDOM_VALUES) {
      source.getRandomValues(out.subarray(offset, offset + MAX_RANDOM_VALUES));
    }
    return out;
  };
}
