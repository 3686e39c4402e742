import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { addressBucket, clientAddressResolver } from './client-address';

/** Runs the resolver inside a real Hono request with the given X-Forwarded-For. */
async function resolve(hops: number, forwarded: string | null, peer = '10.0.0.1'): Promise<string> {
  const resolver = clientAddressResolver(hops, () => peer);
  const app = new Hono().get('/', (c) => c.text(resolver(c)));
  const response = await app.request('/', {
    headers: forwarded === null ? {} : { 'X-Forwarded-For': forwarded },
  });
  return response.text();
}

describe('the client address', () => {
  it('is the socket peer when no proxy is trusted, whatever X-Forwarded-For says', async () => {
    expect(await resolve(0, null)).toBe('10.0.0.1');
    expect(await resolve(0, '198.51.100.1')).toBe('10.0.0.1');
  });

  it('is the N-th entry from the right with N trusted proxies, never what the client wrote', async () => {
    expect(await resolve(1, 'forged, 198.51.100.1')).toBe('198.51.100.1');
    expect(await resolve(2, '6.6.6.6, 198.51.100.1, 10.0.0.9')).toBe('198.51.100.1');
    expect(await resolve(1, ' 198.51.100.2 ')).toBe('198.51.100.2');
  });

  it('falls back to the peer when fewer proxies appended than are trusted, or the entry is not an address', async () => {
    expect(await resolve(2, '198.51.100.1')).toBe('10.0.0.1');
    expect(await resolve(1, 'not-an-address')).toBe('10.0.0.1');
    expect(await resolve(1, '')).toBe('10.0.0.1');
  });
});

describe('address buckets', () => {
  it('count an IPv6 address by its /64', () => {
    expect(addressBucket('2001:db8:aa:bb::1')).toBe(addressBucket('2001:db8:aa:bb:ffff:1:2:3'));
    expect(addressBucket('2001:db8:aa:bb::1')).toBe('ip6:2001:db8:aa:bb::/64');
    expect(addressBucket('2001:db8:aa:bc::1')).not.toBe(addressBucket('2001:db8:aa:bb::1'));
  });

  it('count IPv4 by the full address, an IPv4-mapped IPv6 as its IPv4, and all of loopback as one', () => {
    expect(addressBucket('198.51.100.1')).toBe('ip4:198.51.100.1');
    expect(addressBucket('198.51.100.2')).not.toBe(addressBucket('198.51.100.1'));
    expect(addressBucket('::ffff:198.51.100.1')).toBe('ip4:198.51.100.1');
    expect(
      new Set(['127.0.0.1', '127.0.0.2', '127.255.0.9', '::1', '::ffff:127.0.0.3'].map(addressBucket)),
    ).toEqual(new Set(['loopback']));
  });

  it('keep anything else apart but bounded in length', () => {
    expect(addressBucket('unknown')).toBe('other:unknown');
    expect(addressBucket('x'.repeat(500))).toHaveLength('other:'.length + 64);
  });
});
