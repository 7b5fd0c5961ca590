/**
 * Who sent a request (docs/PROTOCOL.md §2, §3; mesh brief §3 "v1 profile", §6 #1, #10): the
 * signer checked along the whole chain to a key the service already holds, then freshness
 * (Created within ±300 s) and the replay cache (the RID, 10 minutes). The replay cache is
 * written only after the signature verified, so a forger cannot burn a client's RIDs.
 *
 * - bind: the ProfileUser in the request, self-signed (its UDF is what it binds), and the
 *   request signed by its ProfileSignature key;
 * - account: the bound account's stored profile, opened against its UDF; the request signed by
 *   its AdministratorSignature key;
 * - device: the stored profile -> the request's ConnectionDevice signed by the profile's
 *   AdministratorSignature key, Authority = the account -> the request signed by
 *   ConnectionDevice.Signature -> the grant (grant.ts).
 * @module
 */
import { isJsonObject, type JsonObject } from '../../index.js';
import type { EnvelopeJson, MeshObject } from '../schema/index.js';
import { publicKeyOfKeyData } from '../keys/key-data.js';
import type { MeshPublicKey } from '../keys/mesh-key.js';
import { open, peek } from '../enveloped.js';
import { openProfile, profileUdf } from '../profiles/profile.js';
import type { AccountEntry, AccountStore } from '../store/store.js';
import type { Rights } from '../activation/rights.js';
import { LIMITS, TRANSACTIONS, refuse, type RequestType } from './protocol.js';
import { verifyEnvelope, type ReadEnvelope } from './wire.js';
import { grantOf } from './grant.js';
import { VerifiedCache } from './verified.js';

/** Profiles and connections verified before (verified.ts). */
export interface AuthCache {
  readonly profiles: VerifiedCache<MeshObject<'ProfileUser'>>;
  readonly connections: VerifiedCache<MeshObject<'ConnectionDevice'>>;
}

export function authCache(): AuthCache {
  return { profiles: new VerifiedCache(), connections: new VerifiedCache() };
}

/** What authentication established. */
export interface Authenticated {
  readonly type: RequestType;
  readonly fields: JsonObject;
  readonly rid: string;
  /** The account the request acts on (absent for Hello, and for Bind until bound). */
  readonly account?: AccountEntry;
  /** A bind's checked profile. */
  readonly profile?: { readonly udf: string; readonly object: MeshObject<'ProfileUser'>; readonly envelope: EnvelopeJson };
  /** A connected device's UDF and rights. */
  readonly deviceUdf?: string;
  readonly rights?: Rights;
}

function envelopeField(fields: JsonObject, name: string): EnvelopeJson {
  const v = fields[name];
  if (!Array.isArray(v)) refuse('BadRequest', `${name} is missing or not an envelope`);
  return { $envelope: v } as EnvelopeJson;
}

function stringField(fields: JsonObject, name: string, max = 256): string {
  const v = fields[name];
  if (typeof v !== 'string' || v.length === 0 || v.length > max) refuse('BadRequest', `${name} is missing or not a string of at most ${max} characters`);
  return v;
}

async function checkedProfile(env: EnvelopeJson, udf: string): Promise<MeshObject<'ProfileUser'>> {
  try {
    return (await openProfile(env, 'ProfileUser', udf)).profile;
  } catch (e) {
    refuse('BadSignature', `the account profile: ${(e as Error).message}`, { cause: e });
  }
}

function signingKey(profile: MeshObject<'ProfileUser'>, field: 'ProfileSignature' | 'AdministratorSignature'): MeshPublicKey {
  return publicKeyOfKeyData((profile as unknown as Record<string, MeshObject<'KeyData'>>)[field] as MeshObject<'KeyData'>, field, ['Ed25519', 'Ed448']);
}

async function boundAccount(store: AccountStore, fields: JsonObject): Promise<AccountEntry> {
  const udf = stringField(fields, 'Account', 128);
  const account = await store.account(udf);
  if (account === undefined) refuse('NotFound', `no account ${udf.slice(0, 40)} is bound here`);
  if (account.status !== 'active') refuse('Refused', `the account ${udf.slice(0, 40)} is on hold`);
  return account;
}

function storedProfile(account: AccountEntry): EnvelopeJson {
  return { $envelope: JSON.parse(new TextDecoder().decode(account.profile)) } as EnvelopeJson;
}

/** Authenticates a request read by wire.ts readEnvelope (see the module comment). */
export async function authenticate(env: ReadEnvelope, store: AccountStore, now = Date.now(), cache = authCache()): Promise<Authenticated> {
  const type = env.type as RequestType;
  const auth = TRANSACTIONS[type].auth;
  const base = { type, fields: env.fields, rid: env.id };
  if (auth === 'none') return base;
  let result: Authenticated;
  if (auth === 'bind') {
    const penv = envelopeField(env.fields, 'EnvelopedProfileAccount');
    let udf: string;
    try {
      udf = profileUdf(await peek(penv, 'ProfileUser') as unknown as MeshObject<'ProfileUser'>);
    } catch (e) {
      refuse('BadRequest', `EnvelopedProfileAccount: ${(e as Error).message}`, { cause: e });
    }
    const object = await checkedProfile(penv, udf);
    await verifyEnvelope(env, signingKey(object, 'ProfileSignature'), 'request');
    result = { ...base, profile: { udf, object, envelope: penv } };
  } else {
    const account = await boundAccount(store, env.fields);
    const profileText = new TextDecoder().decode(account.profile);
    const profile = await cache.profiles.get(`${account.profileUdf}\n${profileText}`, () => checkedProfile(storedProfile(account), account.profileUdf));
    const admin = signingKey(profile, 'AdministratorSignature');
    if (auth === 'account') {
      await verifyEnvelope(env, admin, 'request');
      result = { ...base, account };
    } else {
      let connection: MeshObject<'ConnectionDevice'>;
      const cenv = envelopeField(env.fields, 'EnvelopedConnectionDevice');
      try {
        connection = await cache.connections.get(`${account.profileUdf}\n${profileText}\n${JSON.stringify(cenv.$envelope)}`, async () =>
          (await open(cenv, { expect: 'ConnectionDevice', signers: [admin] })).object as unknown as MeshObject<'ConnectionDevice'>);
      } catch (e) {
        refuse('NotAuthorized', `the ConnectionDevice is not one of this account's: ${(e as Error).message}`, { cause: e });
      }
      const c = connection as unknown as { Authority?: string; Subject?: string; Signature?: MeshObject<'KeyData'> };
      if (c.Authority !== account.profileUdf || typeof c.Subject !== 'string' || !isJsonObject(c.Signature as never)) {
        refuse('NotAuthorized', 'the ConnectionDevice is not for this account');
      }
      const key = publicKeyOfKeyData(c.Signature as MeshObject<'KeyData'>, 'Signature', ['Ed25519', 'Ed448']);
      await verifyEnvelope(env, key, 'request');
      const rights = await grantOf({ profileUdf: account.profileUdf, deviceUdf: c.Subject as string });
      result = { ...base, account, deviceUdf: c.Subject, rights };
    }
  }
  if (env.created === undefined || Math.abs(env.created.getTime() - now) > LIMITS.skewMs) {
    refuse('Stale', `the request was created ${env.created?.toISOString() ?? 'at no stated time'}, outside ±${LIMITS.skewMs / 1000} s of the service's clock`);
  }
  // The id takes a place in this account's share of the cache (one account cannot fill it for all).
  const owner = result.account?.profileUdf ?? result.profile?.udf;
  if (!(await store.remember(env.id, now + LIMITS.replayMs, owner))) refuse('Replay', `request ${env.id.slice(0, 20)} was seen before`);
  return result;
}
