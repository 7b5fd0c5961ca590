/**
 * Escrow and recovery of an account (mesh brief §2.9, §6 #11; docs/MESH.md §8.5).
 *
 * Escrow draws a fresh 256-bit master secret M and writes a **recovery record**: a DARE
 * envelope in JSON whose payload is encrypted (and MAC'd) under
 *
 *   K = HKDF-SHA-512(IKM = M, salt = empty, info = "mesh/escrow/record/v1", 32 bytes)
 *
 * (the envelope's shared-secret mode, FORMAT.md §2), holding the account's name, profile
 * UDF and signed ProfileUser, its MeshProfileAccount seed (every account key derives from
 * it) and the store keys (random, so escrowed too). M is split into N Shamir shares, K of
 * which recover it (udf-13 §4.5; 2 ≤ K ≤ N ≤ 16, K ≤ 15). The shares are returned once
 * and stored nowhere; the record alone is ciphertext. Device keys are never escrowed
 * (schema-08 §3.2.1): a recovered account is administered by the recovering device, which the
 * recovered AdministratorSignature key admits as a new device.
 *
 * Recovery combines the shares, opens the record (too few or wrong shares: QUORUM_NOT_MET),
 * re-derives the account keys from the seed and checks that the UDF of the re-derived
 * ProfileSignature key is the account's profile UDF, that the signed profile is valid under
 * it and that every key of the profile is the re-derived one (SIGNATURE_INVALID otherwise).
 * @module
 */
import {
  DareError, decodeEnvelopeBytes, encodeEnvelopeBytes, encodeJson, isJsonObject, recoverSecret, splitSecret, utf8,
  type JsonObject, type JsonValue,
} from '../../index.js';
import { hkdf } from '../../crypto/index.js';
import { fromJsonValue, parseMeshJson, toJsonValue, type EnvelopeJson, type MeshObject } from '../schema/index.js';
import { parseMeshSeed, type MeshSeed, type MeshSuite } from '../keys/seed.js';
import { peek } from '../enveloped.js';
import { privateKeyDataOf, privateKeyOfKeyData, publicKeyOfKeyData } from '../keys/key-data.js';
import { keyUdf, samePublicKey, type MeshPrivateKey } from '../keys/mesh-key.js';
import { deriveScheduledKeys, KEY_SCHEDULES } from '../profiles/key-schedule.js';
import { openProfile } from '../profiles/profile.js';
import { storeLabel, type StoreLabel } from '../labels.js';
import type { AccountContext, CreatedAccount } from './account.js';
import { checkNewAccount, installAccount } from './account.js';
import type { MeshHome } from './home.js';

export const RECOVERY_CONTENT_TYPE = 'application/mmm-recovery';
export const MASTER_SECRET_BYTES = 32;
/** Largest recovery record read. */
export const MAX_RECORD_BYTES = 1 << 20;
export const MIN_QUORUM = 2;
export const MAX_QUORUM = 15;
export const MAX_SHARES = 16;
const RECORD_INFO = utf8('mesh/escrow/record/v1');

/** What a recovery record holds. */
export interface RecoveryContent {
  readonly name: string;
  readonly profileUdf: string;
  readonly profileEnvelope: EnvelopeJson<'ProfileUser'>;
  readonly accountSeed: MeshSeed;
  readonly storeKeys: ReadonlyMap<StoreLabel, MeshPrivateKey>;
  readonly created: string;
}

function recordKey(master: Uint8Array): Uint8Array {
  return hkdf('sha512', master, undefined, RECORD_INFO, 32);
}

/** RangeError unless 2 ≤ quorum ≤ shares ≤ 16 and quorum ≤ 15 (the share's 4-bit threshold). */
export function checkEscrowParameters(shares: number, quorum: number): void {
  if (!Number.isSafeInteger(quorum) || quorum < MIN_QUORUM || quorum > MAX_QUORUM) throw new RangeError(`the quorum must be ${MIN_QUORUM} to ${MAX_QUORUM}, got ${quorum}`);
  if (!Number.isSafeInteger(shares) || shares < quorum || shares > MAX_SHARES) throw new RangeError(`the number of shares must be the quorum (${quorum}) to ${MAX_SHARES}, got ${shares}`);
}

export interface Escrow {
  /** The recovery record (a DARE envelope in JSON, UTF-8). */
  readonly record: Uint8Array;
  /** The N share UDFs: shown once, stored nowhere. */
  readonly shares: readonly string[];
}

/** Escrows an account whose seed this device holds (NO_MATCHING_KEY otherwise). */
export async function escrowAccount(ctx: AccountContext, shares: number, quorum: number): Promise<Escrow> {
  checkEscrowParameters(shares, quorum);
  const entry = (await ctx.home.keyStore()).account(ctx.record.profileUdf);
  const seed = entry?.accountSeed();
  if (entry === undefined || seed === undefined) throw new DareError('NO_MATCHING_KEY', `this device does not hold the seed of account ${ctx.record.name}: escrow it on the device that created it`);
  const entries: JsonValue[] = [];
  for (const label of entry.storeLabels()) {
    entries.push({ Resource: label, Key: toJsonValue(privateKeyDataOf(entry.storeKey(label) as MeshPrivateKey)).KeyData as JsonValue });
  }
  const content: JsonObject = {
    MeshRecovery: {
      Version: 1, Name: ctx.record.name, ProfileUdf: ctx.record.profileUdf, EnvelopedProfileUser: ctx.record.envelope.$envelope as JsonValue[],
      AccountSeed: seed.udf, Entries: entries, Created: new Date().toISOString(),
    },
  };
  const master = crypto.getRandomValues(new Uint8Array(MASTER_SECRET_BYTES));
  const payload = utf8(encodeJson(content));
  try {
    const record = await encodeEnvelopeBytes(payload, { encoding: 'json', secret: recordKey(master), contentMeta: { contentType: RECOVERY_CONTENT_TYPE } });
    return { record, shares: splitSecret(master, shares, quorum) };
  } finally {
    master.fill(0);
    payload.fill(0);
  }
}

function malformed(what: string): never {
  throw new DareError('MALFORMED', `recovery record: ${what}`);
}

/** Opens a recovery record with shares and checks it (module comment). */
export async function openRecoveryRecord(record: Uint8Array, shares: readonly string[]): Promise<RecoveryContent> {
  if (record.length > MAX_RECORD_BYTES) throw new DareError('LIMIT_EXCEEDED', `recovery record larger than ${MAX_RECORD_BYTES} bytes`);
  const master = recoverSecret(shares);
  if (master.length !== MASTER_SECRET_BYTES) throw new DareError('QUORUM_NOT_MET', `the shares give a secret of ${master.length} bytes, not a recovery record's ${MASTER_SECRET_BYTES}`);
  let payload: Uint8Array;
  try {
    const d = await decodeEnvelopeBytes(record, { secrets: [recordKey(master)] });
    if (d.info.contentMeta?.contentType !== RECOVERY_CONTENT_TYPE) malformed(`content type ${JSON.stringify(d.info.contentMeta?.contentType ?? null)} is not ${RECOVERY_CONTENT_TYPE}`);
    payload = d.payload;
  } catch (e) {
    if (e instanceof DareError && e.code === 'NO_MATCHING_KEY') throw new DareError('QUORUM_NOT_MET', 'the shares do not open this recovery record (wrong shares, or shares of another record)', { cause: e });
    throw e;
  } finally {
    master.fill(0);
  }
  const v = parseMeshJson(payload, { maxBytes: MAX_RECORD_BYTES });
  if (!isJsonObject(v) || !isJsonObject(v.MeshRecovery)) malformed('the payload is not a MeshRecovery');
  const o = v.MeshRecovery;
  if (o.Version !== 1) malformed(`unsupported version ${JSON.stringify(o.Version)}`);
  const str = (x: JsonValue | undefined, what: string) => (typeof x === 'string' && x.length > 0 && x.length <= 1024 ? x : malformed(`${what} must be a string`));
  const env = o.EnvelopedProfileUser;
  if (!Array.isArray(env)) malformed('EnvelopedProfileUser must be an envelope');
  if (!Array.isArray(o.Entries) || o.Entries.length > 64) malformed('Entries must be a list of at most 64');
  const storeKeys = new Map<StoreLabel, MeshPrivateKey>();
  for (const e of o.Entries) {
    if (!isJsonObject(e)) malformed('an entry must be an object');
    const label = typeof e.Resource === 'string' ? storeLabel(e.Resource) : undefined;
    if (label === undefined || storeKeys.has(label)) malformed(`entry ${JSON.stringify(String(e.Resource).slice(0, 32))} is unknown or repeated`);
    storeKeys.set(label, privateKeyOfKeyData(fromJsonValue({ KeyData: e.Key as JsonValue }, 'KeyData'), `${label} key`));
  }
  const content: RecoveryContent = {
    name: str(o.Name, 'Name'), profileUdf: str(o.ProfileUdf, 'ProfileUdf'), profileEnvelope: { $envelope: env },
    accountSeed: parseMeshSeed(str(o.AccountSeed, 'AccountSeed'), 'MeshProfileAccount'), storeKeys, created: str(o.Created, 'Created'),
  };
  await checkRecovered(content);
  return content;
}

/**
 * The check of brief §6 #11: UDF(re-derived ProfileSignature key) = the account's profile
 * UDF, the profile valid under it, and each profile key the one the seed derives.
 */
async function checkRecovered(c: RecoveryContent): Promise<void> {
  const keys = deriveScheduledKeys('ProfileUser', c.accountSeed, await suiteOf(c.profileEnvelope));
  const udf = keyUdf(keys.ProfileSignature.publicKey);
  if (udf !== c.profileUdf) throw new DareError('SIGNATURE_INVALID', `the recovered seed gives the profile ${udf}, not the account's ${c.profileUdf}`);
  const { profile } = await openProfile(c.profileEnvelope, 'ProfileUser', udf);
  for (const field of Object.keys(KEY_SCHEDULES.ProfileUser.keys) as (keyof typeof keys)[]) {
    const stated = publicKeyOfKeyData((profile as Record<string, unknown>)[field] as MeshObject<'KeyData'> | undefined, `profile ${field}`);
    if (!samePublicKey(stated, keys[field].publicKey)) throw new DareError('SIGNATURE_INVALID', `the profile's ${field} key is not the one the recovered seed derives`);
  }
}

/** The algorithm suite of a profile: that of its ProfileSignature key (its checks follow). */
async function suiteOf(env: EnvelopeJson<'ProfileUser'>): Promise<MeshSuite> {
  const claimed = await peek(env, 'ProfileUser') as MeshObject<'ProfileUser'>;
  return publicKeyOfKeyData(claimed.ProfileSignature, 'ProfileSignature', ['Ed25519', 'Ed448']).crv === 'Ed25519' ? '25519' : '448';
}

/**
 * Installs a recovered account in `home` (opened for writing): this device becomes its
 * administrator, with empty catalogs (an export brings their entries back, transfer.ts).
 */
export async function recoverAccount(home: MeshHome, content: RecoveryContent, name = content.name): Promise<CreatedAccount> {
  await checkNewAccount(home, name, content.profileUdf);
  const keys = deriveScheduledKeys('ProfileUser', content.accountSeed, await suiteOf(content.profileEnvelope));
  const { profile } = await openProfile(content.profileEnvelope, 'ProfileUser', content.profileUdf);
  return installAccount(home, {
    name, seed: content.accountSeed, stores: content.storeKeys,
    profile: { profile: profile as MeshObject<'ProfileUser'>, envelope: content.profileEnvelope, udf: content.profileUdf, keys },
  });
}

/** A share list as text (one share a line, `#` comments and blank lines ignored). */
export function parseShareList(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.replace(/#.*$/, '').trim()).filter((l) => l.length > 0).flatMap((l) => l.split(/\s+/));
}

