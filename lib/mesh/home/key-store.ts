/**
 * The key store of a Mesh home (`keys.json`, docs/MESH.md §8.2): this device's seed and, per
 * account, what the device holds of it: the account seed (on the device that created or
 * recovered the account), the device's combined connection keys, the account keys and the
 * store keys its roles grant. Private keys are Mesh KeyData (schema-08 §10.1.2), as an
 * ActivationAccount carries them.
 *
 *   {"MeshKeyStore": {"Version": 1, "DeviceSeed": "Z…", "Accounts": [{"ProfileUdf": "M…",
 *     "AccountSeed"?: "Z…", "DeviceKeys": {Field: KeyData}, "AccountKeys": {Name: KeyData},
 *     "StoreKeys": {"MMM_…": KeyData}}]}}
 *
 * Sealed under a passphrase it is {"MeshKeyStoreProtected": {"Version": 1, "kdf": {"alg":
 * "scrypt", N, r, p, salt}, "enc": "A256GCM", nonce, ciphertext}}: the plain form encrypted
 * with AES-256-GCM under scrypt(NFC(passphrase), salt), additional data
 * "MeshKeyStoreProtected v1" (the scheme of dare's key files, docs/FORMAT.md §7). Rewriting
 * keeps the salt and the derived key (one scrypt per command) and draws a fresh nonce.
 *
 * Keys are decoded only when asked for: a command pays for the keys it uses.
 * Hostile files: at most 1 MiB and 32 levels (before parsing), scrypt parameters capped as
 * dare's key files; anything else is MALFORMED, KEY_INVALID, UDF_INVALID or LIMIT_EXCEEDED.
 * @module
 */
import {
  DareError, base64urlDecode, base64urlEncode, encodeJson, fromUtf8, getBackend, isJsonObject, utf8,
  type JsonObject, type JsonValue,
} from '../../index.js';
import { fromJsonValue, parseMeshJson, toJsonValue } from '../schema/index.js';
import { privateKeyDataOf, privateKeyOfKeyData, privateScalarOfKeyData } from '../keys/key-data.js';
import type { MeshPrivateKey } from '../keys/mesh-key.js';
import { parseMeshSeed, type MeshSeed } from '../keys/seed.js';
import { storeLabel, type StoreLabel } from '../labels.js';
import { ACCOUNT_KEY_NAMES, type AccountKeyName } from '../activation/rights.js';

/** Largest key store file read. */
export const MAX_KEY_STORE_BYTES = 1 << 20;
/** Most accounts in one key store. */
export const MAX_KEY_STORE_ACCOUNTS = 256;

export interface KeyStoreScrypt {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** Default cost: as dare's key files (N = 2^17, r = 8: 128 MiB, about a second). */
export const KEY_STORE_SCRYPT: KeyStoreScrypt = { N: 1 << 17, r: 8, p: 1 };
/** The most a key store may ask for (memory 128·N·r ≤ 1 GiB). */
export const MAX_KEY_STORE_SCRYPT: KeyStoreScrypt = { N: 1 << 20, r: 16, p: 4 };
const MAX_SCRYPT_MEMORY = 2 ** 30;
const AAD = utf8('MeshKeyStoreProtected v1');

/** The device's combined keys for an account (ConnectionDevice fields). */
export type DeviceKeyField = 'Encryption' | 'Signature' | 'Authentication';
const DEVICE_FIELDS: readonly DeviceKeyField[] = ['Encryption', 'Signature', 'Authentication'];

/** What a device holds of one account. */
export interface AccountSecrets {
  readonly profileUdf: string;
  readonly accountSeed?: MeshSeed;
  readonly deviceKeys: Readonly<Record<DeviceKeyField, MeshPrivateKey>>;
  readonly accountKeys: Partial<Record<AccountKeyName, MeshPrivateKey>>;
  readonly storeKeys: ReadonlyMap<StoreLabel, MeshPrivateKey>;
}

function malformed(what: string): never {
  throw new DareError('MALFORMED', `key store: ${what}`);
}

type KeyJson = JsonObject;

function keyJson(k: MeshPrivateKey): KeyJson {
  return toJsonValue(privateKeyDataOf(k)).KeyData as JsonObject;
}

function decodeKey(body: KeyJson, what: string): MeshPrivateKey {
  return privateKeyOfKeyData(fromJsonValue({ KeyData: body }, 'KeyData'), what);
}

function objectOf(v: JsonValue | undefined, what: string, optional = false): JsonObject | undefined {
  if (v === undefined && optional) return undefined;
  if (!isJsonObject(v)) malformed(`${what} must be an object`);
  return v;
}

function stringOf(v: JsonValue | undefined, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 512) malformed(`${what} must be a string of 1 to 512 characters`);
  return v;
}

/** An account's entry as stored: keys decoded on first use. */
class AccountEntry {
  readonly profileUdf: string;
  private readonly json: JsonObject;
  private readonly cache = new Map<string, MeshPrivateKey>();

  constructor(json: JsonObject) {
    this.json = json;
    this.profileUdf = stringOf(json.ProfileUdf, 'ProfileUdf');
    if (json.AccountSeed !== undefined) stringOf(json.AccountSeed, 'AccountSeed');
    for (const [member, names] of [['DeviceKeys', DEVICE_FIELDS], ['AccountKeys', ACCOUNT_KEY_NAMES], ['StoreKeys', undefined]] as const) {
      const o = objectOf(json[member], member, member !== 'DeviceKeys');
      for (const [k, v] of Object.entries(o ?? {})) {
        if (names !== undefined ? !(names as readonly string[]).includes(k) : storeLabel(k) !== k) malformed(`${member} has an unknown key ${JSON.stringify(k.slice(0, 32))}`);
        objectOf(v, `${member}.${k}`);
      }
    }
  }

  private key(member: 'DeviceKeys' | 'AccountKeys' | 'StoreKeys', name: string): MeshPrivateKey | undefined {
    const id = `${member}/${name}`;
    const hit = this.cache.get(id);
    if (hit !== undefined) return hit;
    const body = (this.json[member] as JsonObject | undefined)?.[name];
    if (body === undefined) return undefined;
    const k = decodeKey(body as KeyJson, `key store: ${this.profileUdf.slice(0, 14)} ${name}`);
    this.cache.set(id, k);
    return k;
  }

  accountSeed(): MeshSeed | undefined {
    const s = this.json.AccountSeed;
    return typeof s === 'string' ? parseMeshSeed(s, 'MeshProfileAccount') : undefined;
  }

  deviceKey(field: DeviceKeyField): MeshPrivateKey {
    const k = this.key('DeviceKeys', field);
    if (k === undefined) throw new DareError('NO_MATCHING_KEY', `key store: no device ${field} key for account ${this.profileUdf}`);
    return k;
  }

  accountKey(name: AccountKeyName): MeshPrivateKey | undefined {
    return this.key('AccountKeys', name);
  }

  storeKey(label: StoreLabel): MeshPrivateKey | undefined {
    return this.key('StoreKeys', label);
  }

  /**
   * The scalar of a store key alone (what its catalog secret derives from), without the
   * point multiplication of its public key: the key store is the device's own, sealed
   * under the passphrase or private to its owner. undefined when not held.
   */
  storeScalar(label: StoreLabel): Uint8Array | undefined {
    const hit = this.cache.get(`StoreKeys/${label}`);
    if (hit !== undefined) return hit.scalar;
    const body = (this.json.StoreKeys as JsonObject | undefined)?.[label];
    if (body === undefined) return undefined;
    return privateScalarOfKeyData(fromJsonValue({ KeyData: body }, 'KeyData'), `key store: ${label}`).scalar;
  }

  storeLabels(): StoreLabel[] {
    return Object.keys((this.json.StoreKeys as JsonObject | undefined) ?? {}) as StoreLabel[];
  }

  accountKeyNames(): AccountKeyName[] {
    return Object.keys((this.json.AccountKeys as JsonObject | undefined) ?? {}) as AccountKeyName[];
  }

  /** Every key decoded (and so checked): what a full check of the store does. */
  all(): AccountSecrets {
    const deviceKeys = {} as Record<DeviceKeyField, MeshPrivateKey>;
    for (const f of DEVICE_FIELDS) deviceKeys[f] = this.deviceKey(f);
    const accountKeys: Partial<Record<AccountKeyName, MeshPrivateKey>> = {};
    for (const n of this.accountKeyNames()) accountKeys[n] = this.accountKey(n) as MeshPrivateKey;
    const storeKeys = new Map<StoreLabel, MeshPrivateKey>();
    for (const l of this.storeLabels()) storeKeys.set(l, this.storeKey(l) as MeshPrivateKey);
    return { profileUdf: this.profileUdf, accountSeed: this.accountSeed(), deviceKeys, accountKeys, storeKeys };
  }

  toJson(): JsonObject {
    return this.json;
  }
}

/** How a sealed store was unlocked: rewriting reuses the salt and the derived key. */
interface Protection {
  readonly scrypt: KeyStoreScrypt;
  readonly salt: Uint8Array;
  readonly key: Uint8Array;
}

async function deriveKey(passphrase: string, salt: Uint8Array, p: KeyStoreScrypt): Promise<Uint8Array> {
  if (passphrase.length === 0) throw new DareError('PASSPHRASE_INVALID', 'key store: the passphrase is empty');
  return getBackend().scrypt(utf8(passphrase.normalize('NFC')), salt, { ...p, dkLen: 32, maxmem: 2 ** 31 });
}

function scryptOf(kdf: JsonObject, max: KeyStoreScrypt): KeyStoreScrypt {
  if (kdf.alg !== 'scrypt') throw new DareError('UNSUPPORTED_ALGORITHM', `key store: kdf ${JSON.stringify(String(kdf.alg).slice(0, 32))} is not scrypt`);
  const out: Record<string, number> = {};
  for (const k of ['N', 'r', 'p'] as const) {
    const v = kdf[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) malformed(`scrypt ${k} must be a positive integer`);
    if (v > max[k]) throw new DareError('LIMIT_EXCEEDED', `key store: scrypt ${k}=${v} is above the limit ${max[k]}`);
    out[k] = v;
  }
  const { N, r, p } = out as unknown as KeyStoreScrypt;
  if (N < 2 || (N & (N - 1)) !== 0) malformed('scrypt N must be a power of 2');
  if (128 * N * r > MAX_SCRYPT_MEMORY) throw new DareError('LIMIT_EXCEEDED', `key store: scrypt N=${N}, r=${r} needs more than ${MAX_SCRYPT_MEMORY} bytes`);
  return { N, r, p };
}

function bytesOf(v: JsonValue | undefined, what: string): Uint8Array {
  if (typeof v !== 'string') malformed(`${what} must be base64url`);
  try {
    return base64urlDecode(v);
  } catch {
    return malformed(`${what} is not base64url`);
  }
}

export interface KeyStoreDecodeOptions {
  /** The passphrase of a sealed store, asked for only when the store is sealed. */
  readonly passphrase?: () => Promise<string>;
  /** Caps of the scrypt parameters a sealed store may name (default {@link MAX_KEY_STORE_SCRYPT}). */
  readonly maxScrypt?: KeyStoreScrypt;
}

export class KeyStore {
  private deviceSeedText?: string;
  private readonly accounts = new Map<string, AccountEntry>();
  private protection?: Protection;

  private constructor(protection?: Protection) {
    this.protection = protection;
  }

  /** An empty store, sealed under `passphrase` when one is given. */
  static async create(passphrase?: string, scrypt: KeyStoreScrypt = KEY_STORE_SCRYPT): Promise<KeyStore> {
    if (passphrase === undefined) return new KeyStore();
    const salt = crypto.getRandomValues(new Uint8Array(16));
    return new KeyStore({ scrypt, salt, key: await deriveKey(passphrase, salt, scrypt) });
  }

  /** True when the store is sealed under a passphrase. */
  get protected(): boolean {
    return this.protection !== undefined;
  }

  /** True when `bytes` is a sealed store (needs a passphrase), without parsing it all. */
  static isProtected(bytes: Uint8Array): boolean {
    return /^\s*\{\s*"MeshKeyStoreProtected"/.test(fromUtf8(bytes.subarray(0, 64)));
  }

  /** Reads a key store (module comment). PASSPHRASE_INVALID when sealed and the passphrase is missing or wrong. */
  static async decode(bytes: Uint8Array, options: KeyStoreDecodeOptions = {}): Promise<KeyStore> {
    const v = parseMeshJson(bytes, { maxBytes: MAX_KEY_STORE_BYTES });
    if (!isJsonObject(v) || Object.keys(v).length !== 1) malformed('expected {"MeshKeyStore": …} or {"MeshKeyStoreProtected": …}');
    if (isJsonObject(v.MeshKeyStore)) return KeyStore.fromPlain(v.MeshKeyStore);
    const sealed = objectOf(v.MeshKeyStoreProtected, 'MeshKeyStoreProtected') as JsonObject;
    if (sealed.Version !== 1) malformed(`unsupported version ${JSON.stringify(sealed.Version)}`);
    if (sealed.enc !== 'A256GCM') throw new DareError('UNSUPPORTED_ALGORITHM', 'key store: enc must be A256GCM');
    const scrypt = scryptOf(objectOf(sealed.kdf, 'kdf') as JsonObject, options.maxScrypt ?? MAX_KEY_STORE_SCRYPT);
    const salt = bytesOf((sealed.kdf as JsonObject).salt, 'kdf.salt');
    if (salt.length < 16 || salt.length > 64) malformed('kdf.salt must be 16 to 64 bytes');
    const nonce = bytesOf(sealed.nonce, 'nonce');
    if (nonce.length !== 12) malformed('nonce must be 12 bytes');
    const ciphertext = bytesOf(sealed.ciphertext, 'ciphertext');
    if (options.passphrase === undefined) throw new DareError('PASSPHRASE_INVALID', 'the key store is protected by a passphrase');
    const key = await deriveKey(await options.passphrase(), salt, scrypt);
    let plain: Uint8Array;
    try {
      plain = getBackend().aesGcmDecrypt(key, nonce, ciphertext, AAD);
    } catch (e) {
      if (e instanceof DareError && e.code === 'MAC_INVALID') throw new DareError('PASSPHRASE_INVALID', 'wrong passphrase for the key store');
      throw e;
    }
    const inner = parseMeshJson(plain, { maxBytes: MAX_KEY_STORE_BYTES });
    if (!isJsonObject(inner) || !isJsonObject(inner.MeshKeyStore)) malformed('the sealed content is not a MeshKeyStore');
    const store = KeyStore.fromPlain(inner.MeshKeyStore);
    store.protection = { scrypt, salt, key };
    return store;
  }

  private static fromPlain(o: JsonObject): KeyStore {
    if (o.Version !== 1) malformed(`unsupported version ${JSON.stringify(o.Version)}`);
    const store = new KeyStore();
    if (o.DeviceSeed !== undefined) {
      parseMeshSeed(stringOf(o.DeviceSeed, 'DeviceSeed'), 'MeshProfileDevice');
      store.deviceSeedText = o.DeviceSeed as string;
    }
    const accounts = o.Accounts ?? [];
    if (!Array.isArray(accounts)) malformed('Accounts must be a list');
    if (accounts.length > MAX_KEY_STORE_ACCOUNTS) throw new DareError('LIMIT_EXCEEDED', `key store: more than ${MAX_KEY_STORE_ACCOUNTS} accounts`);
    for (const a of accounts) {
      const entry = new AccountEntry(objectOf(a, 'an account') as JsonObject);
      if (store.accounts.has(entry.profileUdf)) malformed(`account ${entry.profileUdf} is listed twice`);
      store.accounts.set(entry.profileUdf, entry);
    }
    return store;
  }

  /** The serialized store, sealed when it was created or opened sealed. */
  encode(): Uint8Array {
    const plain: JsonObject = { Version: 1 };
    if (this.deviceSeedText !== undefined) plain.DeviceSeed = this.deviceSeedText;
    plain.Accounts = [...this.accounts.values()].map((a) => a.toJson());
    const text = encodeJson({ MeshKeyStore: plain });
    const p = this.protection;
    if (p === undefined) return utf8(text + '\n');
    const nonce = crypto.getRandomValues(new Uint8Array(12));
    const ciphertext = getBackend().aesGcmEncrypt(p.key, nonce, utf8(text), AAD);
    return utf8(encodeJson({
      MeshKeyStoreProtected: {
        Version: 1, kdf: { alg: 'scrypt', N: p.scrypt.N, r: p.scrypt.r, p: p.scrypt.p, salt: base64urlEncode(p.salt) },
        enc: 'A256GCM', nonce: base64urlEncode(nonce), ciphertext: base64urlEncode(ciphertext),
      },
    }) + '\n');
  }

  deviceSeed(): MeshSeed | undefined {
    return this.deviceSeedText === undefined ? undefined : parseMeshSeed(this.deviceSeedText, 'MeshProfileDevice');
  }

  setDeviceSeed(seed: MeshSeed): void {
    if (seed.kind !== 'MeshProfileDevice') throw new TypeError('the device seed is a MeshProfileDevice seed');
    this.deviceSeedText = seed.udf;
  }

  accountIds(): string[] {
    return [...this.accounts.keys()];
  }

  /** An account's keys, decoded on demand; undefined when this store holds none for it. */
  account(profileUdf: string): AccountEntry | undefined {
    return this.accounts.get(profileUdf);
  }

  /** Adds or replaces what the device holds of an account. */
  putAccount(s: AccountSecrets): void {
    const json: JsonObject = { ProfileUdf: s.profileUdf };
    if (s.accountSeed !== undefined) json.AccountSeed = s.accountSeed.udf;
    const dk: JsonObject = {};
    for (const f of DEVICE_FIELDS) dk[f] = keyJson(s.deviceKeys[f]);
    json.DeviceKeys = dk;
    const ak: JsonObject = {};
    for (const n of ACCOUNT_KEY_NAMES) if (s.accountKeys[n] !== undefined) ak[n] = keyJson(s.accountKeys[n] as MeshPrivateKey);
    json.AccountKeys = ak;
    const sk: JsonObject = {};
    for (const [l, k] of s.storeKeys) sk[l] = keyJson(k);
    json.StoreKeys = sk;
    this.accounts.set(s.profileUdf, new AccountEntry(json));
  }

  removeAccount(profileUdf: string): boolean {
    return this.accounts.delete(profileUdf);
  }

  /** Decodes every key (a full check: bad key material surfaces here, not at first use). */
  check(): void {
    this.deviceSeed();
    for (const a of this.accounts.values()) a.all();
  }
}

export type { AccountEntry as KeyStoreAccount };
