import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

export const WEBHOOK_URL_MAX_LENGTH = 2048;

const metadata = new BlockList();
metadata.addAddress('169.254.169.254'); // AWS, GCP, Azure, OpenStack
metadata.addAddress('100.100.100.200'); // Alibaba Cloud
metadata.addAddress('fd00:ec2::254', 'ipv6'); // AWS over IPv6

const linkLocal = new BlockList();
linkLocal.addSubnet('169.254.0.0', 16);
linkLocal.addSubnet('fe80::', 10, 'ipv6');

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8);
loopback.addAddress('::1', 'ipv6');

const unusable = new BlockList();
unusable.addSubnet('0.0.0.0', 8);
unusable.addAddress('::', 'ipv6');
unusable.addSubnet('224.0.0.0', 4); // multicast
unusable.addSubnet('255.255.255.255', 32);
unusable.addSubnet('ff00::', 8, 'ipv6');

/** IPv4-mapped IPv6 (::ffff:127.0.0.1) is checked as the IPv4 address it carries. */
function normalise(address: string): { address: string; type: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return { address: mapped[1], type: 'ipv4' };
  return { address, type: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

/** Why an IP address may not receive webhooks, or null when it may. */
export function refusedAddress(address: string, allowLoopback: boolean): string | null {
  const { address: a, type } = normalise(address);
  if (metadata.check(a, type)) return 'a cloud metadata address';
  if (linkLocal.check(a, type)) return 'a link-local address';
  if (unusable.check(a, type)) return 'not a unicast address';
  if (!allowLoopback && loopback.check(a, type)) return 'a loopback address';
  return null;
}

/**
 * Checks a webhook URL before it is stored: http(s) only, no embedded credentials, a sane length,
 * and no literal address or well-known name that points inside the host or the cloud. Names are
 * checked again after DNS resolution at delivery time (see guardedLookup).
 */
export function webhookUrlProblem(raw: string, allowLoopback: boolean): string | null {
  if (raw.length > WEBHOOK_URL_MAX_LENGTH) return `must be at most ${WEBHOOK_URL_MAX_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http or https';
  if (url.username || url.password) return 'must not contain a user name or password';
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === '') return 'must name a host';
  if (isIP(host)) {
    const why = refusedAddress(host, allowLoopback);
    return why ? `points at ${why}` : null;
  }
  if (host === 'metadata.google.internal' || host === 'metadata') return 'points at a cloud metadata address';
  if (!allowLoopback && (host === 'localhost' || host.endsWith('.localhost')))
    return 'points at a loopback address';
  return null;
}

/**
 * A DNS lookup for outgoing webhook requests that refuses names resolving to refused addresses,
 * so a hostname cannot be re-pointed at the metadata service after it was registered.
 */
export function guardedLookup(allowLoopback: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { family: options.family ?? 0, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) {
        callback(error, '', 4);
        return;
      }
      const refused = addresses
        .map((a) => refusedAddress(a.address, allowLoopback))
        .find((why) => why !== null);
      const first = addresses[0];
      if (refused || !first) {
        callback(new Error(`${hostname} resolves to ${refused ?? 'no address'}; delivery refused`), '', 4);
        return;
      }
      if ((options as { all?: boolean }).all) {
        (callback as unknown as (err: null, all: LookupAddress[]) => void)(null, addresses);
      } else {
        callback(null, first.address, first.family);
      }
    });
  };
}
