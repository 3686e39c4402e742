import { formatFingerprint } from '../../../shared/crypto/fingerprint';

/** 16 groups of four hex digits, for reading aloud; `label` names what the fingerprint belongs to. */
export function Fingerprint({ value, label }: { value: string; label: string }) {
  return (
    <code className="fingerprint" aria-label={label}>
      {formatFingerprint(value)}
    </code>
  );
}
