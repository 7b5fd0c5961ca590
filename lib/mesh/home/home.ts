/**
 * A Mesh home (docs/MESH.md §8): the folder that holds this device's state. One process at a
 * time changes it: a home opened for writing holds `home.lock` (the core's writer lock) from
 * before anything is read until close(), so what a command reads is what it changes.
 * Readers take no lock; every file they read is written atomically (the key store: a whole
 * new file renamed into place) or append-only (catalogs: a torn last frame is ignored).
 *
 * Everything is read on demand: the host catalog when a device or account is asked for, the
 * key store (and its passphrase) only when a private key is, and no catalog at all here.
 * @module
 */
import {
  DareError, acquireLock, makeFilePrivate, makePrivateDirectory, pathKind, readPrivateFile, writePrivateFile, type WriteLock,
} from '../../index.js';
import { generateMeshSeed } from '../keys/seed.js';
import { keyUdf } from '../keys/mesh-key.js';
import { createProfile } from '../profiles/profile.js';
import { deriveScheduledKeys } from '../profiles/key-schedule.js';
import type { DeviceSelf } from '../activation/accept.js';
import { HostCatalog, type AccountRecord, type DeviceRecord } from './host.js';
import { KeyStore, MAX_KEY_STORE_BYTES, type KeyStoreScrypt } from './key-store.js';
import { HOME_LOCK, KEY_STORE, joinPath } from './layout.js';

export interface HomeOptions {
  /** Hold the home's lock and allow changes (created when missing). */
  readonly write?: boolean;
  /** The key store's passphrase: asked for only when a sealed store is read, or a new one sealed. */
  readonly passphrase?: () => Promise<string>;
  /** scrypt cost of a new sealed key store (default key-store.ts KEY_STORE_SCRYPT). */
  readonly scrypt?: KeyStoreScrypt;
  /** Told once, when a key store is created without a passphrase. */
  readonly warn?: (message: string) => void;
  /** Description written in a new device profile. */
  readonly deviceDescription?: string;
}

/** An account chosen by name: the one given, or the only one. */
export function selectAccount(accounts: readonly AccountRecord[], name?: string): AccountRecord {
  if (name !== undefined) {
    const a = accounts.find((x) => x.name === name) ?? accounts.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (a === undefined) {
      throw new DareError('NOT_FOUND', `no account ${JSON.stringify(name)} in this home${accounts.length ? ` (accounts: ${accounts.map((x) => x.name).join(', ')})` : ''}`);
    }
    return a;
  }
  if (accounts.length === 0) throw new DareError('NOT_FOUND', 'this home holds no account (create one with `mesh account create NAME`)');
  if (accounts.length > 1) throw new DareError('CONFLICT', `this home holds ${accounts.length} accounts (${accounts.map((x) => x.name).join(', ')}): name one with --account`);
  return accounts[0] as AccountRecord;
}

export class MeshHome {
  readonly dir: string;
  readonly writable: boolean;
  private readonly options: HomeOptions;
  private readonly lock?: WriteLock;
  private host?: HostCatalog | null;
  private keys?: KeyStore;
  private keysChanged = false;
  private closed = false;

  private constructor(dir: string, options: HomeOptions, lock?: WriteLock) {
    this.dir = dir;
    this.options = options;
    this.writable = lock !== undefined;
    this.lock = lock;
  }

  /**
   * Opens the home at `dir`. For writing, the folder is created (mode 0700) and locked:
   * CONFLICT when another process holds it. Reading a home that does not exist is no error:
   * it holds no device and no account.
   */
  static async open(dir: string, options: HomeOptions = {}): Promise<MeshHome> {
    if (!options.write) return new MeshHome(dir, options);
    await makePrivateDirectory(dir);
    const lock = acquireLock(joinPath(dir, HOME_LOCK), `the Mesh home ${dir}`);
    return new MeshHome(dir, options, lock);
  }

  private writing(what: string): void {
    if (this.closed) throw new TypeError('the home is closed');
    if (!this.writable) throw new TypeError(`${what} needs the home opened for writing`);
  }

  /** The host catalog (null: none yet, and this home is read-only). */
  async hostCatalog(): Promise<HostCatalog | null> {
    if (this.host !== undefined) return this.host;
    const exists = (await pathKind(HostCatalog.path(this.dir))) !== undefined;
    if (exists) this.host = await HostCatalog.open(this.dir, this.writable);
    else this.host = this.writable ? await HostCatalog.create(this.dir) : null;
    return this.host;
  }

  async device(): Promise<DeviceRecord | undefined> {
    return (await this.hostCatalog())?.device();
  }

  async accounts(): Promise<AccountRecord[]> {
    return (await (await this.hostCatalog())?.accounts()) ?? [];
  }

  async account(name?: string): Promise<AccountRecord> {
    return selectAccount(await this.accounts(), name);
  }

  /** The key store: read (and unlocked) on first use; a new one in a home opened for writing. */
  async keyStore(): Promise<KeyStore> {
    if (this.keys) return this.keys;
    const path = joinPath(this.dir, KEY_STORE);
    const bytes = await readPrivateFile(path, MAX_KEY_STORE_BYTES);
    if (bytes !== undefined) {
      this.keys = await KeyStore.decode(bytes, { passphrase: this.options.passphrase });
      return this.keys;
    }
    if (!this.writable) throw new DareError('NO_MATCHING_KEY', `${path}: this home has no key store`);
    const passphrase = this.options.passphrase ? await this.options.passphrase() : undefined;
    this.keys = await KeyStore.create(passphrase, this.options.scrypt);
    this.keysChanged = true;
    if (passphrase === undefined) {
      this.options.warn?.(`the private keys of ${this.dir} are not protected by a passphrase (mode 0600, as ssh keys); give --passphrase-file or MESH_PASSPHRASE when a home is created to seal them`);
    }
    return this.keys;
  }

  /** Writes the key store back if it changed (atomically, mode 0600). */
  async saveKeyStore(): Promise<void> {
    this.writing('saving keys');
    if (!this.keys || !this.keysChanged) return;
    const path = joinPath(this.dir, KEY_STORE);
    await writePrivateFile(path, this.keys.encode());
    await makeFilePrivate(path);
    this.keysChanged = false;
  }

  /** Marks the key store changed (saved by saveKeyStore). */
  keyStoreChanged(): void {
    this.writing('changing keys');
    this.keysChanged = true;
  }

  /**
   * This device: its record, created on first use (a fresh MeshProfileDevice seed in the key
   * store, a self-signed ProfileDevice in the host catalog) in a home opened for writing.
   */
  async ensureDevice(): Promise<DeviceRecord> {
    const have = await this.device();
    if (have !== undefined) return have;
    this.writing('creating the device');
    const keys = await this.keyStore();
    const seed = generateMeshSeed('MeshProfileDevice');
    const fields = this.options.deviceDescription ? { Description: this.options.deviceDescription } : {};
    const created = await createProfile('ProfileDevice', seed, fields);
    keys.setDeviceSeed(seed);
    this.keysChanged = true;
    // The seed first: a device record without its seed would be a device that cannot act.
    await this.saveKeyStore();
    const record: DeviceRecord = { udf: created.udf, envelope: created.envelope, created: new Date().toISOString() };
    await (await this.hostCatalog() as HostCatalog).putDevice(record);
    return record;
  }

  /** This device's UDF and base keys, from the seed in the key store (checked against the record). */
  async deviceSelf(): Promise<DeviceSelf> {
    const record = await this.device();
    if (record === undefined) throw new DareError('NOT_FOUND', 'this home has no device yet');
    const seed = (await this.keyStore()).deviceSeed();
    if (seed === undefined) throw new DareError('NO_MATCHING_KEY', 'the key store holds no device seed');
    const keys = deriveScheduledKeys('ProfileDevice', seed);
    const self = { udf: record.udf, keys };
    if (keyUdf(keys.ProfileSignature.publicKey) !== record.udf) throw new DareError('SIGNATURE_INVALID', `the device seed in the key store is not that of the device ${record.udf}`);
    return self;
  }

  /** Closes the host catalog and releases the lock (the key store is saved by saveKeyStore). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.host?.close();
    } finally {
      this.lock?.release();
    }
  }
}
