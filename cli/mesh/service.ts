/**
 * The service side of `mesh` (docs/PROTOCOL.md; issue 15 "Client"): where an account's service
 * is (--service, --resolve, MESH_RESOLVE, SRV, well-known), the binding account creation uses,
 * binding an offline account, re-binding a recovered one, sync before and after catalog
 * commands, and unbinding. Refusals exit 8, an unreachable service 9, a service that fails its
 * checks 4 (lib/mesh/client).
 * @module
 */
import {
  AccountContext, MeshClient, bindingJson, serviceAddress, createProfile, decodeMeshObject, deriveScheduledKeys, discoverService, endpointUrl,
  localSigner, openProfile, parseResolve, profileSignatureKey, readBinding, serviceBinding, syncAccount, MAX_ENTRY_BYTES,
  type AccountRecord, type EnvelopeJson, type MeshHome, type MeshObject, type ServiceBinding, type ServiceBindingRecord, type SyncReport,
} from '../../lib/mesh/index.js';
import { DareError } from '../../lib/index.js';
import type { Io } from '../io.js';
import { httpTransport, srvLookup } from './http.js';
import { accountSync, note, type GlobalArgs } from './context.js';

export interface ServiceArgs extends GlobalArgs {
  service?: string;
  resolve?: string[];
  offline?: boolean;
}

/** The service URL of `address`: --service, else --resolve/MESH_RESOLVE, SRV, well-known. */
export async function serviceUrl(io: Io, a: ServiceArgs, address: string): Promise<string> {
  if (a.service !== undefined) return endpointUrl(String(a.service));
  return discoverService(address, { resolve: resolveMap(io, a), srv: srvLookup });
}

/** The ServiceBinding of `mesh account create ADDRESS`. */
export function bindingFor(io: Io, a: ServiceArgs, address: string): ServiceBinding & { serviceUdf(): string | undefined } {
  let udf: string | undefined;
  let inner: ServiceBinding | undefined;
  return {
    serviceUdf: () => udf,
    async profileFields(name) {
      inner = serviceBinding({ url: await serviceUrl(io, a, address), transport: httpTransport, onService: (u) => (udf = u) });
      return inner.profileFields(name);
    },
    bind: (staged) => (inner as ServiceBinding).bind(staged),
  };
}

/** The explicit DOMAIN=URL mapping: MESH_RESOLVE, then --resolve (the flags win). */
function resolveMap(io: Io, a: ServiceArgs): Map<string, string> {
  return parseResolve([...(io.env.MESH_RESOLVE ? [io.env.MESH_RESOLVE] : []), ...(a.resolve ?? []).map(String)]);
}

/**
 * A client of the account's service, its chain checked against the pinned UDF: at the URL an
 * explicit mapping gives for its domain, else the URL it was bound at.
 */
export async function clientOf(io: Io, a: ServiceArgs, b: ServiceBindingRecord): Promise<MeshClient> {
  const url = resolveMap(io, a).get(b.domain) ?? b.url;
  return MeshClient.connect({ url, transport: httpTransport, serviceUdf: b.serviceUdf });
}

/** Syncs a bound account (the home open for writing). */
export async function syncBound(io: Io, a: ServiceArgs, ctx: AccountContext): Promise<SyncReport | undefined> {
  const b = readBinding(ctx.record);
  if (b === undefined) return undefined;
  return syncAccount(ctx, await clientOf(io, a, b));
}

/** This device's ConnectionDevice, from its CatalogedDevice in MMM_Device. */
async function ownConnection(ctx: AccountContext): Promise<EnvelopeJson> {
  const device = await ctx.home.device();
  const c = await ctx.openCatalog('MMM_Device');
  try {
    const bytes = device ? await c.get(device.udf) : undefined;
    if (bytes === undefined) throw new DareError('NOT_FOUND', `MMM_Device of ${ctx.record.name} does not list this device`);
    const entry = decodeMeshObject(bytes, 'CatalogedDevice', { maxBytes: MAX_ENTRY_BYTES }) as MeshObject<'CatalogedDevice'>;
    if (entry.EnvelopedConnectionDevice === undefined) throw new DareError('MALFORMED', 'this device\'s CatalogedDevice holds no ConnectionDevice');
    return entry.EnvelopedConnectionDevice as EnvelopeJson;
  } finally {
    await c.close();
  }
}

async function saveRecord(h: MeshHome, record: AccountRecord): Promise<void> {
  const host = await h.hostCatalog();
  if (host === null) throw new TypeError('the home is not open for writing');
  await host.putAccount(record);
}

/**
 * `mesh account bind NAME ADDRESS`: the offline account's profile signed again with its
 * AccountAddress and the ServiceUdf (same keys, same UDF), BindAccount, then a sync uploads
 * every catalog. A failure after the bind unbinds again and leaves the record as it was.
 */
export async function bindOffline(io: Io, a: ServiceArgs, h: MeshHome, record: AccountRecord, address: string): Promise<{ record: AccountRecord; serviceUdf: string }> {
  if (record.service !== undefined) throw new DareError('CONFLICT', `${record.name} is bound to a service already`);
  const secrets = (await h.keyStore()).account(record.profileUdf);
  const seed = secrets?.accountSeed();
  if (seed === undefined) throw new DareError('NO_MATCHING_KEY', `this device does not hold the seed of ${record.name}: bind it from the device that created it`);
  const client = await MeshClient.connect({ url: await serviceUrl(io, a, address), transport: httpTransport });
  const canonical = serviceAddress(address, client.service.domain || address.slice(address.lastIndexOf('@') + 1));
  const old = (await openProfile(record.envelope, 'ProfileUser', record.profileUdf)).profile as unknown as Record<string, unknown>;
  const suite = profileSignatureKey(old as never).crv === 'Ed25519' ? '25519' : '448';
  const keep = Object.fromEntries(Object.entries(old).filter(([k]) => !k.startsWith('$') && !deriveScheduledKeysFields.has(k)));
  const profile = await createProfile('ProfileUser', seed, { ...keep, AccountAddress: canonical, ServiceUdf: client.service.serviceUdf } as never, { suite });
  if (profile.udf !== record.profileUdf) throw new DareError('SIGNATURE_INVALID', 'the account seed does not give the account\'s profile');
  await client.bind(canonical, profile.envelope, localSigner(deriveScheduledKeys('ProfileUser', seed, suite).ProfileSignature));
  const ctx = new AccountContext(h, { ...record, envelope: profile.envelope });
  try {
    const connection = await ownConnection(ctx);
    ctx.record = { ...ctx.record, name: canonical, service: bindingJson({ url: client.service.url, serviceUdf: client.service.serviceUdf, domain: client.service.domain, address: canonical, connection, heads: new Map() }) };
    await syncAccount(ctx, client);
    return { record: ctx.record, serviceUdf: client.service.serviceUdf };
  } catch (e) {
    await client.unbind(record.profileUdf, localSigner(deriveScheduledKeys('ProfileUser', seed, suite).AdministratorSignature)).catch(() => undefined);
    await saveRecord(h, record).catch(() => undefined);
    throw e;
  }
}

const deriveScheduledKeysFields = new Set(['ProfileSignature', 'AdministratorSignature', 'AccountEncryption', 'AccountAuthentication', 'AccountSignature', 'EscrowEncryption']);

/**
 * After `mesh account recover` of an account whose profile names a service: the binding
 * (this device's new ConnectionDevice, no heads seen), then a sync, which replaces the fresh
 * local catalogs with the service's and adds this device to MMM_Device (the rebase of sync.ts).
 */
export async function rebindRecovered(io: Io, a: ServiceArgs, h: MeshHome, record: AccountRecord): Promise<SyncReport | undefined> {
  const p = (await openProfile(record.envelope, 'ProfileUser', record.profileUdf)).profile as unknown as { AccountAddress?: string; ServiceUdf?: string };
  if (typeof p.AccountAddress !== 'string' || typeof p.ServiceUdf !== 'string') return undefined;
  const url = await serviceUrl(io, a, p.AccountAddress);
  const client = await MeshClient.connect({ url, transport: httpTransport, serviceUdf: p.ServiceUdf });
  const ctx = new AccountContext(h, record);
  const connection = await ownConnection(ctx);
  ctx.record = { ...record, service: bindingJson({ url, serviceUdf: client.service.serviceUdf, domain: client.service.domain, address: p.AccountAddress, connection, heads: new Map() }) };
  await saveRecord(h, ctx.record);
  return syncAccount(ctx, client);
}

/** `mesh account delete ADDRESS --yes` of a bound account: UnbindAccount first. */
export async function unbindAtService(io: Io, a: ServiceArgs, ctx: AccountContext): Promise<boolean> {
  const b = readBinding(ctx.record);
  if (b === undefined) return false;
  const client = await clientOf(io, a, b);
  await client.unbind(ctx.record.profileUdf, localSigner(await ctx.accountKey('AdministratorSignature')));
  return true;
}

/** One line about a sync, on stderr. */
export function noteSync(io: Io, a: GlobalArgs, r: SyncReport | undefined): void {
  if (r === undefined || a.json) return;
  const down = Object.entries(r.downloaded).map(([l, n]) => `${l} +${n}`);
  const up = Object.entries(r.uploaded).map(([l, n]) => `${l} ${n}`);
  if (down.length || up.length) note(io, `synced: ${down.length ? `downloaded ${down.join(', ')}` : 'nothing new'}${up.length ? `; uploaded ${up.join(', ')}` : ''}${r.rebased.length ? `; rebased ${r.rebased.join(', ')}` : ''}`);
}

// Catalog commands sync through this (context.ts withAccount).
accountSync.sync = syncBound;
accountSync.note = noteSync;
