import { queryOptions, useQuery } from '@tanstack/react-query';
import { fromBase64Url } from '../../shared/crypto/encoding';
import { fingerprintSpki } from '../../shared/crypto/fingerprint';

// The fingerprint a page shows is always computed here from the key's bytes, never taken from the server's
// `fingerprint` field: a server that lied there could otherwise show one key and hand out another.

export const spkiFingerprintQueryOptions = (spki: string) =>
  queryOptions({
    queryKey: ['spki-fingerprint', spki],
    queryFn: () => fingerprintSpki(crypto, fromBase64Url(spki)),
    staleTime: Infinity,
  });

/** Waits while `spki` is undefined (a key still loading). */
export function useSpkiFingerprint(spki: string | undefined) {
  return useQuery({ ...spkiFingerprintQueryOptions(spki ?? ''), enabled: spki !== undefined });
}
