/**
 * Where the service of `name@DOMAIN` is (docs/PROTOCOL.md §1; mesh brief §3 "Transport"):
 * an explicit mapping first (`--resolve DOMAIN=URL`, `MESH_RESOLVE="DOMAIN=URL,…"`), then DNS
 * SRV `_mmm._tcp.DOMAIN` (lowest priority, then highest weight), then
 * `https://DOMAIN/.well-known/mmm/`. The SRV lookup is injected (node:dns at the edge).
 * @module
 */
import { DareError } from '../../index.js';
import { MMM_PATH } from '../service/protocol.js';

export interface SrvRecord {
  readonly name: string;
  readonly port: number;
  readonly priority: number;
  readonly weight: number;
}

export interface DiscoveryOptions {
  /** DOMAIN -> URL, from --resolve and MESH_RESOLVE (the flags win). */
  readonly resolve?: ReadonlyMap<string, string>;
  /** Looks up SRV records; resolves to [] (or throws) when there are none. */
  readonly srv?: (name: string) => Promise<readonly SrvRecord[]>;
}

/** The URL of a service endpoint: a URL without a path gets /.well-known/mmm/. */
export function endpointUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new DareError('MALFORMED', `${JSON.stringify(text.slice(0, 100))} is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new DareError('MALFORMED', `${text.slice(0, 100)}: a service URL is http or https`);
  if (u.pathname === '' || u.pathname === '/') u.pathname = MMM_PATH;
  return u.toString();
}

/** Reads `DOMAIN=URL,DOMAIN=URL` (MESH_RESOLVE) and `DOMAIN=URL` items (--resolve). */
export function parseResolve(items: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of items.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)) {
    const i = item.indexOf('=');
    if (i <= 0) throw new DareError('MALFORMED', `resolve ${JSON.stringify(item.slice(0, 100))}: expected DOMAIN=URL`);
    out.set(item.slice(0, i).toLowerCase(), endpointUrl(item.slice(i + 1)));
  }
  return out;
}

export function domainOf(address: string): string {
  const i = address.lastIndexOf('@');
  if (i < 0) throw new DareError('MALFORMED', `${JSON.stringify(address.slice(0, 80))} is not an address name@domain`);
  return address.slice(i + 1).toLowerCase();
}

/** The service URL for an address or a domain. */
export async function discoverService(addressOrDomain: string, options: DiscoveryOptions = {}): Promise<string> {
  const domain = addressOrDomain.includes('@') ? domainOf(addressOrDomain) : addressOrDomain.toLowerCase();
  const mapped = options.resolve?.get(domain);
  if (mapped !== undefined) return mapped;
  if (options.srv) {
    const records = await options.srv(`_mmm._tcp.${domain}`).catch((): readonly SrvRecord[] => []);
    const best = [...records].sort((a, b) => a.priority - b.priority || b.weight - a.weight)[0];
    if (best !== undefined) return endpointUrl(`https://${best.name.replace(/\.$/, '')}:${best.port}`);
  }
  return endpointUrl(`https://${domain}`);
}
