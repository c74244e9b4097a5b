import ipaddr from 'ipaddr.js';

export interface EgressPolicy {
  /** Loopback, RFC 1918, ULA and CGNAT: for self-hosted models in development, never in production. */
  allowPrivateNetworks: boolean;
}

export type AddressClass = 'public' | 'private' | 'loopback' | 'link_local' | 'metadata' | 'reserved';

// Cloud instance-metadata and host-agent endpoints: they hand out credentials, so they are never
// reachable whatever the policy (some sit in ranges a policy may otherwise allow, or even public space).
const METADATA = new Set([
  '169.254.169.254', // AWS, GCP, Azure, DigitalOcean, OpenStack...
  '169.254.170.2', // AWS ECS task credentials
  '169.254.170.23', // AWS EKS pod identity
  '100.100.100.200', // Alibaba Cloud (inside CGNAT space)
  '168.63.129.16', // Azure WireServer (public space)
  'fd00:ec2::254', // AWS IMDS over IPv6
  'fd00:ec2::23', // AWS EKS pod identity over IPv6
]);

const V4_CLASSES: Partial<Record<string, AddressClass>> = {
  unicast: 'public',
  as112: 'public',
  amt: 'public',
  private: 'private',
  carrierGradeNat: 'private',
  loopback: 'loopback',
  linkLocal: 'link_local',
};

const V6_CLASSES: Partial<Record<string, AddressClass>> = {
  as112v6: 'public',
  amt: 'public',
  uniqueLocal: 'private',
  deprecatedSiteLocal: 'private',
  loopback: 'loopback',
  linkLocal: 'link_local',
};

const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');
const NAT64 = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

/** Classifies an IP literal. Anything unparsable or unlisted is 'reserved', so callers fail closed. */
export function classifyAddress(ip: string): AddressClass {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip);
  } catch {
    return 'reserved';
  }
  if (parsed.kind() === 'ipv6') return classifyV6(parsed as ipaddr.IPv6);
  return classifyV4(parsed as ipaddr.IPv4);
}

function classifyV4(ip: ipaddr.IPv4): AddressClass {
  if (METADATA.has(ip.toString())) return 'metadata';
  // The rest (0/8, broadcast, multicast, 240/4, documentation, benchmarking) is 'reserved'.
  return V4_CLASSES[ip.range()] ?? 'reserved';
}

function classifyV6(ip: ipaddr.IPv6): AddressClass {
  // The kernel connects ::ffff:a.b.c.d to a.b.c.d itself, so it gets exactly the IPv4 verdict.
  if (ip.isIPv4MappedAddress()) return classifyV4(ip.toIPv4Address());
  const normalized = ip.toNormalizedString();
  if (METADATA.has(ip.toString()) || METADATA.has(normalized)) return 'metadata';
  // Translated prefixes reach the embedded IPv4 address (via a NAT64 gateway or 6to4 relay): judge that.
  if (ip.match(NAT64)) return classifyV4(embeddedV4(ip.parts[6], ip.parts[7]));
  const range = ip.range();
  if (range === '6to4') return classifyV4(embeddedV4(ip.parts[1], ip.parts[2]));
  // ipaddr calls everything it does not list 'unicast'; only 2000::/3 is actually allocated as global.
  if (range === 'unicast') return ip.match(GLOBAL_UNICAST) ? 'public' : 'reserved';
  return V6_CLASSES[range] ?? 'reserved';
}

function embeddedV4(high: number | undefined, low: number | undefined): ipaddr.IPv4 {
  const h = high ?? 0;
  const l = low ?? 0;
  return new ipaddr.IPv4([h >> 8, h & 0xff, l >> 8, l & 0xff]);
}

/** Public addresses always; private and loopback only when the policy allows; the rest never. */
export function addressAllowed(ip: string, policy: EgressPolicy): boolean {
  switch (classifyAddress(ip)) {
    case 'public':
      return true;
    case 'private':
    case 'loopback':
      return policy.allowPrivateNetworks;
    default:
      return false;
  }
}
