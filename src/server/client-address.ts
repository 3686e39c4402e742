import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import ipaddr from 'ipaddr.js';

/** The peer's address as the socket reports it, or 'unknown' where there is no socket (in-process tests). */
export function socketAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The client's address for per-address limits. With no trusted proxy (the default) it is the socket's
 * peer, and `X-Forwarded-For` is ignored, since anyone can write it. With `hops` trusted proxies in front,
 * each appends the address it received the request from, so the last `hops` entries are theirs and the
 * `hops`-th from the right is what the outermost trusted proxy saw: the client. Entries further left were
 * written by the client and are never read. A header with fewer entries than trusted hops did not come
 * through all of them, so the socket's peer is used.
 */
export function clientAddressResolver(
  hops: number,
  peer: (c: Context) => string = socketAddress,
): (c: Context) => string {
  if (hops === 0) return peer;
  return (c) => {
    const entries = (c.req.header('X-Forwarded-For') ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    const candidate = entries[entries.length - hops];
    return candidate !== undefined && ipaddr.isValid(candidate) ? candidate : peer(c);
  };
}

/**
 * The bucket an address is counted in. One IPv6 host is usually given a whole /64, so counting full IPv6
 * addresses would give it 2^64 fresh buckets: IPv6 is counted per /64. IPv4-mapped IPv6 counts as the
 * IPv4 address, and every loopback address (127.0.0.0/8, ::1) as one host.
 */
export function addressBucket(address: string): string {
  if (!ipaddr.isValid(address)) return `other:${address.slice(0, 64)}`;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  if (parsed.range() === 'loopback') return 'loopback';
  if (parsed.kind() === 'ipv4') return `ip4:${parsed.toString()}`;
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `ip6:${parts.map((part) => part.toString(16)).join(':')}::/64`;
}
