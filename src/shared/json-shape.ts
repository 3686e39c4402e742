// The shape checks every stored or received crypto blob starts with, before any field is read: parsed JSON
// can be anything, and a field too many is refused rather than ignored, so no blob carries data unsigned.

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function hasExactKeys(value: Record<string, unknown>, keys: readonly string[]): boolean {
  const own = Object.keys(value);
  return own.length === keys.length && keys.every((key) => Object.hasOwn(value, key));
}
