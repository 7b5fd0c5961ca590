/**
 * What a device keeps of an account's binding to a service (docs/PROTOCOL.md §8), as
 * HostAccount.Service (lib/mesh/home/host.ts):
 *
 *   {"Url", "ServiceUdf", "Domain", "Address", "Connection": EnvelopedConnectionDevice,
 *    "Heads": {"MMM_…": {"Index", "Digest"}}}
 *
 * `Heads` is, per container, the last head this device saw at the service: every download
 * must chain from it (a service that rolls back, forks or changes a stored frame is refused).
 * @module
 */
import { DareError, base64urlDecode, base64urlEncode, isJsonObject, type JsonObject, type JsonValue } from '../../index.js';
import type { EnvelopeJson } from '../schema/index.js';
import type { AccountRecord } from '../home/host.js';

export interface SeenHead {
  readonly index: number;
  readonly apex: Uint8Array;
}

export interface ServiceBindingRecord {
  readonly url: string;
  readonly serviceUdf: string;
  readonly domain: string;
  readonly address: string;
  readonly connection: EnvelopeJson;
  readonly heads: ReadonlyMap<string, SeenHead>;
}

export const NO_HEAD: SeenHead = Object.freeze({ index: -1, apex: new Uint8Array(0) });

function bad(what: string): never {
  throw new DareError('MALFORMED', `the account's service binding: ${what}`);
}

export function readBinding(record: AccountRecord): ServiceBindingRecord | undefined {
  const s = record.service;
  if (s === undefined) return undefined;
  const str = (k: string): string => (typeof s[k] === 'string' ? s[k] as string : bad(`${k} missing`));
  if (!Array.isArray(s.Connection)) bad('Connection missing');
  const heads = new Map<string, SeenHead>();
  const h = s.Heads ?? {};
  if (!isJsonObject(h)) bad('Heads is not an object');
  for (const [label, v] of Object.entries(h)) {
    if (!isJsonObject(v) || typeof v.Index !== 'number' || typeof v.Digest !== 'string') bad(`Heads.${label}`);
    heads.set(label, { index: v.Index, apex: base64urlDecode(v.Digest) });
  }
  return {
    url: str('Url'), serviceUdf: str('ServiceUdf'), domain: str('Domain'), address: str('Address'),
    connection: { $envelope: s.Connection } as EnvelopeJson, heads,
  };
}

export function bindingJson(b: ServiceBindingRecord): JsonObject {
  const heads: JsonObject = {};
  for (const [l, h] of [...b.heads].sort(([a], [c]) => a.localeCompare(c))) heads[l] = { Index: h.index, Digest: base64urlEncode(h.apex) };
  return {
    Url: b.url, ServiceUdf: b.serviceUdf, Domain: b.domain, Address: b.address,
    Connection: b.connection.$envelope as JsonValue[], Heads: heads,
  };
}
