/**
 * The service's identity (mesh brief §2.1 step 3, §5 "service.dcat"; docs/PROTOCOL.md §4):
 * a ProfileService (seed MeshProfileService, its UDF is the service UDF clients pin), a
 * ProfileHost (this host's keys; its Signature key signs every response), and the
 * ConnectionHost {Subject = UDF(ProfileHost), Authority = service UDF, Authentication} signed by
 * the ProfileService's ProfileSignature key, which ties the host to the service.
 *
 * {@link checkServiceChain} is what a client runs on Hello's answer: the ProfileService opened
 * against the UDF it pinned (or, the first time, the one it is shown), the ConnectionHost under
 * that profile's key, the ProfileHost under the UDF the connection names. The key it returns is
 * the only one responses are accepted from.
 * @module
 */
import { DareError, type JsonObject } from '../../index.js';
import { meshObject, type EnvelopeJson, type MeshObject } from '../schema/index.js';
import { generateMeshSeed, type MeshSeed } from '../keys/seed.js';
import { keyDataOf, publicKeyOfKeyData } from '../keys/key-data.js';
import type { MeshPublicKey } from '../keys/mesh-key.js';
import { localSigner, type MeshSigner } from '../keys/signer.js';
import { createProfile, openProfile } from '../profiles/profile.js';
import { deriveScheduledKeys } from '../profiles/key-schedule.js';
import { open, seal } from '../enveloped.js';

/** The public half of a service identity, as Hello carries it. */
export interface ServicePublic {
  readonly domain: string;
  readonly serviceUdf: string;
  readonly hostUdf: string;
  readonly profileService: EnvelopeJson<'ProfileService'>;
  readonly profileHost: EnvelopeJson<'ProfileHost'>;
  readonly connectionHost: EnvelopeJson<'ConnectionHost'>;
}

/** The identity with the host's signing key (what meshd serves with). */
export interface ServiceIdentity extends ServicePublic {
  readonly hostSigner: MeshSigner;
  readonly hostKey: MeshPublicKey;
}

/** What `meshd init` makes: the seeds (kept in the key store) and the signed objects. */
export interface CreatedServiceIdentity {
  readonly serviceSeed: MeshSeed;
  readonly hostSeed: MeshSeed;
  readonly identity: ServiceIdentity;
}

export async function createServiceIdentity(domain: string): Promise<CreatedServiceIdentity> {
  const serviceSeed = generateMeshSeed('MeshProfileService');
  const hostSeed = generateMeshSeed('MeshProfileDevice');
  const service = await createProfile('ProfileService', serviceSeed, {});
  const host = await createProfile('ProfileHost', hostSeed, { Description: `meshd ${domain}` });
  const connection = meshObject('ConnectionHost', {
    Subject: host.udf, Authority: service.udf, Authentication: keyDataOf(host.keys.Authentication.publicKey),
  } as never) as MeshObject<'ConnectionHost'>;
  const connectionHost = await seal(connection, { signer: localSigner(service.keys.ProfileSignature) }) as EnvelopeJson<'ConnectionHost'>;
  const identity: ServiceIdentity = {
    domain, serviceUdf: service.udf, hostUdf: host.udf, profileService: service.envelope, profileHost: host.envelope as EnvelopeJson<'ProfileHost'>,
    connectionHost, hostSigner: localSigner(host.keys.Signature), hostKey: host.keys.Signature.publicKey,
  };
  return { serviceSeed, hostSeed, identity };
}

/** The identity from its stored public part and the host seed (checked to be that host's). */
export async function loadServiceIdentity(pub: ServicePublic, hostSeed: MeshSeed): Promise<ServiceIdentity> {
  const checked = await checkServiceChain(pub.profileService, pub.connectionHost, pub.profileHost, pub.serviceUdf);
  const keys = deriveScheduledKeys('ProfileHost', hostSeed);
  if (checked.hostUdf !== pub.hostUdf || !sameKey(keys.Signature.publicKey, checked.hostKey)) {
    throw new DareError('SIGNATURE_INVALID', 'the host seed in the key store is not that of the service\'s ProfileHost');
  }
  return { ...pub, hostSigner: localSigner(keys.Signature), hostKey: keys.Signature.publicKey };
}

function sameKey(a: MeshPublicKey, b: MeshPublicKey): boolean {
  return a.crv === b.crv && a.public.length === b.public.length && a.public.every((x, i) => x === b.public[i]);
}

/** The result of checking a service's chain. */
export interface CheckedService {
  readonly serviceUdf: string;
  readonly hostUdf: string;
  /** The host Signature key: responses must be signed by it. */
  readonly hostKey: MeshPublicKey;
}

/**
 * ProfileService under `pinnedUdf` -> ConnectionHost signed by its ProfileSignature key with
 * Authority = that UDF -> ProfileHost under the connection's Subject. SIGNATURE_INVALID on any
 * link that fails.
 */
export async function checkServiceChain(
  profileService: EnvelopeJson, connectionHost: EnvelopeJson, profileHost: EnvelopeJson, pinnedUdf: string,
): Promise<CheckedService> {
  const service = await openProfile(profileService, 'ProfileService', pinnedUdf);
  const serviceKey = publicKeyOfKeyData(service.profile.ProfileSignature, 'ProfileSignature', ['Ed25519', 'Ed448']);
  const conn = (await open(connectionHost, { expect: 'ConnectionHost', signers: [serviceKey] })).object as unknown as MeshObject<'ConnectionHost'>;
  const c = conn as unknown as { Subject?: string; Authority?: string };
  if (c.Authority !== service.udf) throw new DareError('SIGNATURE_INVALID', `the ConnectionHost names the authority ${String(c.Authority).slice(0, 20)}, not the service ${service.udf}`);
  if (typeof c.Subject !== 'string') throw new DareError('SIGNATURE_INVALID', 'the ConnectionHost names no host');
  const host = await openProfile(profileHost, 'ProfileHost', c.Subject);
  const hostKey = publicKeyOfKeyData((host.profile as unknown as { Signature: MeshObject<'KeyData'> }).Signature, 'Signature', ['Ed25519', 'Ed448']);
  return { serviceUdf: service.udf, hostUdf: host.udf, hostKey };
}

/** The JSON the service keeps (service.json) and Hello sends. */
export function servicePublicJson(p: ServicePublic): JsonObject {
  return {
    Domain: p.domain, ServiceUdf: p.serviceUdf, HostUdf: p.hostUdf,
    EnvelopedProfileService: p.profileService.$envelope, EnvelopedProfileHost: p.profileHost.$envelope,
    EnvelopedConnectionHost: p.connectionHost.$envelope,
  } as unknown as JsonObject;
}

export function servicePublicOf(o: JsonObject): ServicePublic {
  const s = (k: string): string => {
    if (typeof o[k] !== 'string') throw new DareError('MALFORMED', `service identity: ${k} missing`);
    return o[k] as string;
  };
  const e = (k: string): EnvelopeJson => {
    if (!Array.isArray(o[k])) throw new DareError('MALFORMED', `service identity: ${k} missing`);
    return { $envelope: o[k] } as EnvelopeJson;
  };
  return {
    domain: s('Domain'), serviceUdf: s('ServiceUdf'), hostUdf: s('HostUdf'), profileService: e('EnvelopedProfileService') as EnvelopeJson<'ProfileService'>,
    profileHost: e('EnvelopedProfileHost') as EnvelopeJson<'ProfileHost'>, connectionHost: e('EnvelopedConnectionHost') as EnvelopeJson<'ConnectionHost'>,
  };
}
