/**
 * Accounts in a Mesh home (mesh brief §2.1; docs/MESH.md §8.3): creation, the catalogs an
 * account keeps, and opening them with the keys this device holds.
 *
 * Creating an account, as the brief's flow without a service: the device's profile (made on
 * first use), a MeshProfileAccount seed and its self-signed ProfileUser, one fresh X448 key per
 * store, and this device made the account's first administrator (role `super`) by the same
 * activation a device connected later gets (lib/mesh/activation): the CatalogedDevice is
 * built, then accepted back on this device, so every key the home keeps is one the chain
 * vouches for. The catalogs are written in a staging folder, renamed into place, the keys
 * saved, and the account recorded in the host catalog last: a failure at any step leaves
 * the home as it was (what was made is removed).
 *
 * A service (the next issue) plugs in through {@link ServiceBinding}: it gives the profile
 * its AccountAddress and ServiceUdf before the profile is signed, and binds the staged account
 * at the service before anything in the home refers to it.
 *
 * Catalog frames are encrypted under a secret derived from the store's key (below) and every
 * frame is signed by the writing device's connection Signature key; readers accept the
 * signatures of the account's devices (HostAccount.Signers) only.
 * @module
 */
import { Catalog, DareError, removePath, renamePath, temporaryName, utf8, makePrivateDirectory, type JsonObject } from '../../index.js';
import { hkdf } from '../../crypto/index.js';
import { generateMeshSeed, type MeshSeed } from '../keys/seed.js';
import { privateKeyFromStandard, type MeshPrivateKey, type MeshPublicKey } from '../keys/mesh-key.js';
import { coreSigner, localSigner } from '../keys/signer.js';
import { createProfile, openProfile, type CreatedProfile } from '../profiles/profile.js';
import { activateDevice } from '../activation/device.js';
import { acceptConnection } from '../activation/accept.js';
import { ROLES, type AccountKeyName } from '../activation/rights.js';
import type { MeshObject } from '../schema/index.js';
import { encodeMeshObject } from '../schema/index.js';
import type { StoreLabel } from '../labels.js';
import type { MeshHome } from './home.js';
import { IndexedCatalog, indexPath, saveIndex } from './entry-index.js';
import type { AccountRecord } from './host.js';
import { accountDir, accountsDir, catalogFile, catalogPath, joinPath } from './layout.js';
import { MESH_OBJECT_CONTENT_TYPE } from '../enveloped.js';

/** The catalogs an account's home keeps as files (the service-side stores come with a service). */
export const HOME_CATALOGS: readonly StoreLabel[] = [
  'MMM_Device', 'MMM_Contact', 'MMM_Credential', 'MMM_Bookmark', 'MMM_Task', 'MMM_Network', 'MMM_Application',
];

/** Stores an account has a key for: every store an administrator holds (the role table). */
export const ACCOUNT_STORES: readonly StoreLabel[] = ROLES.super.stores;

/** Largest catalog entry read back (a Mesh object). */
export const MAX_ENTRY_BYTES = 1 << 20;

/** Names of offline accounts: letters, digits, `.`, `_`, `-`, 1 to 64, starting with a letter or digit. */
const OFFLINE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Checks a name for an account that no service holds; a name with `@` needs a service binding. */
export function checkAccountName(name: string, bound: boolean): void {
  if (bound) {
    if (!/^[^@\s]{1,64}@[^@\s]{1,253}$/.test(name)) throw new DareError('MALFORMED', `account address ${JSON.stringify(name.slice(0, 80))} is not of the form name@domain`);
    return;
  }
  if (name.includes('@')) throw new DareError('MALFORMED', `${JSON.stringify(name.slice(0, 80))} is an address: an account bound to a Mesh service needs a service binding`);
  if (!OFFLINE_NAME.test(name)) throw new DareError('MALFORMED', `account name ${JSON.stringify(name.slice(0, 80))}: use 1 to 64 letters, digits, '.', '_' or '-'`);
}

/**
 * The secret a catalog's frames are encrypted under (ours, docs/MESH.md §8.3):
 * HKDF-SHA-512(IKM = the store key's private scalar, little-endian; salt = empty;
 * info = UTF-8("mesh/store/v1/" ‖ label), 32 bytes). Whoever holds the store key (granted in
 * ActivationAccount.Entries) derives it; a frame moved to another catalog does not open.
 */
export function catalogSecret(storeKey: { readonly scalar: Uint8Array }, label: StoreLabel): Uint8Array {
  return hkdf('sha512', storeKey.scalar, undefined, utf8(`mesh/store/v1/${label}`), 32);
}

/** A fresh store key (X448, or X25519 for a 25519 account). */
function newStoreKey(crv: 'X448' | 'X25519'): MeshPrivateKey {
  const bytes = crypto.getRandomValues(new Uint8Array(crv === 'X448' ? 56 : 32));
  const k = privateKeyFromStandard(crv, bytes);
  bytes.fill(0);
  return k;
}

/** An account built in a staging folder, before the home refers to it. */
export interface StagedAccount {
  readonly name: string;
  readonly profile: CreatedProfile<'ProfileUser'>;
  readonly catalogedDevice: MeshObject<'CatalogedDevice'>;
  /** The staging folder and its catalog files (renamed into accounts/<UDF>/ afterwards). */
  readonly dir: string;
  readonly catalogs: ReadonlyMap<StoreLabel, string>;
  readonly storeKeys: ReadonlyMap<StoreLabel, MeshPrivateKey>;
  readonly deviceSigner: MeshPrivateKey;
}

/** How a Mesh service takes part in creating an account (the next issue implements it). */
export interface ServiceBinding {
  /** The profile fields the service decides (AccountAddress, ServiceUdf), before the profile is signed. */
  profileFields(address: string): Promise<{ AccountAddress?: string; ServiceUdf?: string }>;
  /**
   * Binds the staged account at the service (BindAccount, the stores' frame 0). Throwing aborts
   * the creation and nothing is kept. The result is kept as HostAccount.Service.
   */
  bind(account: StagedAccount): Promise<JsonObject>;
}

export interface CreateAccountOptions {
  /** An offline name (no `@`), or an address when `binding` is given. */
  readonly name: string;
  readonly binding?: ServiceBinding;
  readonly suite?: '448' | '25519';
}

export interface CreatedAccount {
  readonly record: AccountRecord;
  readonly deviceUdf: string;
}

/** Writes a catalog's frame 0 (and, for MMM_Device, this device's entry) in `dir`. */
async function createCatalog(path: string, label: StoreLabel, key: MeshPrivateKey, signer: MeshPrivateKey, entries: [string, MeshObject<'CatalogedDevice'>][] = []): Promise<void> {
  const c = await Catalog.create(path, { secret: catalogSecret(key, label), signer: coreSigner(localSigner(signer)), signFrames: true, maxValueBytes: MAX_ENTRY_BYTES });
  try {
    for (const [id, e] of entries) await c.add(id, encodeMeshObject(e), { contentType: MESH_OBJECT_CONTENT_TYPE });
  } finally {
    await c.close();
  }
}

/** Creates an account in `home` (opened for writing). See the module comment. */
export async function createAccount(home: MeshHome, options: CreateAccountOptions): Promise<CreatedAccount> {
  const { name, binding } = options;
  checkAccountName(name, binding !== undefined);
  await checkNewAccount(home, name);
  const seed: MeshSeed = generateMeshSeed('MeshProfileAccount');
  const fields = binding ? await binding.profileFields(name) : {};
  const suite = options.suite ?? '448';
  const profile = await createProfile('ProfileUser', seed, fields, { suite });
  const crv = suite === '448' ? 'X448' : 'X25519';
  const stores = new Map<StoreLabel, MeshPrivateKey>(ACCOUNT_STORES.map((l) => [l, newStoreKey(crv)]));
  return installAccount(home, { name, seed, profile, stores, binding });
}

/** CONFLICT when the home already holds an account of this name. */
export async function checkNewAccount(home: MeshHome, name: string, profileUdf?: string): Promise<void> {
  const existing = await home.accounts();
  if (existing.some((a) => a.name.toLowerCase() === name.toLowerCase())) throw new DareError('CONFLICT', `an account ${JSON.stringify(name)} is already in this home`);
  const same = profileUdf === undefined ? undefined : existing.find((a) => a.profileUdf === profileUdf);
  if (same !== undefined) throw new DareError('CONFLICT', `this home already holds the account ${profileUdf} (as ${JSON.stringify(same.name)})`);
}

/** What installing an account on this device starts from: the account's seed, profile and store keys. */
export interface AccountMaterial {
  readonly name: string;
  readonly seed: MeshSeed;
  /** The profile: its object, its signed envelope, its UDF and the keys derived from `seed`. */
  readonly profile: Pick<CreatedProfile<'ProfileUser'>, 'profile' | 'envelope' | 'udf' | 'keys'>;
  readonly stores: ReadonlyMap<StoreLabel, MeshPrivateKey>;
  readonly binding?: ServiceBinding;
}

/**
 * Makes this device the account's administrator (role super) and writes the account into the
 * home: the catalogs (this device's entry in MMM_Device), the keys, the record (last). Shared
 * by creation and recovery (escrow.ts). On failure nothing is left.
 */
export async function installAccount(home: MeshHome, m: AccountMaterial): Promise<CreatedAccount> {
  const { name, seed, profile, stores, binding } = m;
  const device = await home.ensureDevice();
  const self = await home.deviceSelf();
  const keys = await home.keyStore();
  const activation = await activateDevice({
    deviceEnvelope: device.envelope, deviceUdf: device.udf, roles: ['super'],
    account: { profile: profile.profile, envelope: profile.envelope, held: { keys: profile.keys, stores } },
  });
  // Accepted back on this device: the keys kept are those the signed chain certifies.
  const accepted = await acceptConnection(activation.catalogedDevice, self, profile.udf);

  const staging = temporaryName(joinPath(accountsDir(home.dir), profile.udf.replace(/-/g, '')), 'new');
  const final = accountDir(home.dir, profile.udf);
  let placed = false;
  let keysSaved = false;
  try {
    await makePrivateDirectory(staging);
    const catalogs = new Map<StoreLabel, string>();
    for (const label of HOME_CATALOGS) {
      const path = joinPath(staging, catalogFile(label));
      const mine: [string, MeshObject<'CatalogedDevice'>][] = label === 'MMM_Device' ? [[device.udf, activation.catalogedDevice]] : [];
      await createCatalog(path, label, accepted.account.stores.get(label) as MeshPrivateKey, accepted.deviceKeys.Signature, mine);
      catalogs.set(label, path);
    }
    const service = binding
      ? await binding.bind({ name, profile: profile as CreatedProfile<'ProfileUser'>, catalogedDevice: activation.catalogedDevice, dir: staging, catalogs, storeKeys: accepted.account.stores, deviceSigner: accepted.deviceKeys.Signature })
      : undefined;
    await renamePath(staging, final);
    placed = true;
    keys.putAccount({
      profileUdf: profile.udf, accountSeed: seed, deviceKeys: accepted.deviceKeys,
      accountKeys: accepted.account.keys as Partial<Record<AccountKeyName, MeshPrivateKey>>, storeKeys: accepted.account.stores,
    });
    home.keyStoreChanged();
    await home.saveKeyStore();
    keysSaved = true;
    const record: AccountRecord = {
      name, profileUdf: profile.udf, created: new Date().toISOString(), envelope: profile.envelope, roles: ['super'],
      stores: HOME_CATALOGS, signers: [accepted.deviceKeys.Signature.publicKey], service,
    };
    const host = await home.hostCatalog();
    if (host === null) throw new TypeError('the home is not open for writing');
    await host.putAccount(record);
    return { record, deviceUdf: device.udf };
  } catch (e) {
    // Undo in reverse: the keys, the folder. The host catalog was not changed.
    keys.removeAccount(profile.udf);
    if (keysSaved) {
      home.keyStoreChanged();
      await home.saveKeyStore().catch(() => undefined);
    }
    await removePath(placed ? final : staging).catch(() => undefined);
    throw e;
  }
}

/**
 * Removes an account from the home: its record first (from then on the home does not hold it),
 * then its keys, then its folder. A crash in between leaves keys or files nothing refers to,
 * never an account without its keys.
 */
export async function deleteAccount(home: MeshHome, record: AccountRecord): Promise<void> {
  const host = await home.hostCatalog();
  if (host === null) throw new TypeError('the home is not open for writing');
  await host.deleteAccount(record.profileUdf);
  const keys = await home.keyStore();
  if (keys.removeAccount(record.profileUdf)) {
    home.keyStoreChanged();
    await home.saveKeyStore();
  }
  await removePath(accountDir(home.dir, record.profileUdf));
  await removePath(joinPath(home.dir, 'cache', record.profileUdf.replace(/-/g, '')));
}

/** What reading needs of a catalog: a full Catalog, or one read through its index. */
export interface CatalogReader {
  readonly size: number;
  has(id: string): boolean;
  ids(): string[];
  get(id: string): Promise<Uint8Array | undefined>;
  entries(): AsyncGenerator<[string, Uint8Array]>;
  close(): Promise<void>;
}

/** What a command needs to read or change one account's catalogs, loaded on demand. */
export class AccountContext {
  readonly home: MeshHome;
  /** The account's record (an import widens its signers). */
  record: AccountRecord;
  private opened?: MeshObject<'ProfileUser'>;

  constructor(home: MeshHome, record: AccountRecord) {
    this.home = home;
    this.record = record;
  }

  /** The account's profile, opened against its UDF (SIGNATURE_INVALID when it is not that profile). */
  async profile(): Promise<MeshObject<'ProfileUser'>> {
    this.opened ??= (await openProfile(this.record.envelope, 'ProfileUser', this.record.profileUdf)).profile;
    return this.opened;
  }

  /** The key of a store, or NO_MATCHING_KEY when this device was not granted it. */
  async storeKey(label: StoreLabel): Promise<MeshPrivateKey> {
    const entry = (await this.home.keyStore()).account(this.record.profileUdf);
    const k = entry?.storeKey(label);
    if (k === undefined) throw new DareError('NO_MATCHING_KEY', `this device holds no key for ${label} of account ${this.record.name} (its roles: ${this.record.roles.join(', ')})`);
    return k;
  }

  /** The secret a catalog's frames are encrypted under (catalogSecret), without computing the store key's public key. */
  async storeSecret(label: StoreLabel): Promise<Uint8Array> {
    const scalar = (await this.home.keyStore()).account(this.record.profileUdf)?.storeScalar(label);
    if (scalar === undefined) throw new DareError('NO_MATCHING_KEY', `this device holds no key for ${label} of account ${this.record.name} (its roles: ${this.record.roles.join(', ')})`);
    return catalogSecret({ scalar }, label);
  }

  /** An account key this device holds, or NO_MATCHING_KEY. */
  async accountKey(name: AccountKeyName): Promise<MeshPrivateKey> {
    const k = (await this.home.keyStore()).account(this.record.profileUdf)?.accountKey(name);
    if (k === undefined) throw new DareError('NO_MATCHING_KEY', `this device does not hold the ${name} key of account ${this.record.name}`);
    return k;
  }

  /** The device's connection Signature key for this account (signs catalog frames). */
  async deviceSigner(): Promise<MeshPrivateKey> {
    const entry = (await this.home.keyStore()).account(this.record.profileUdf);
    if (entry === undefined) throw new DareError('NO_MATCHING_KEY', `the key store holds no keys of account ${this.record.name}`);
    return entry.deviceKey('Signature');
  }

  catalogPath(label: StoreLabel): string {
    return catalogPath(this.home.dir, this.record.profileUdf, label);
  }

  /** The keys whose signatures this account's catalogs may carry. */
  get trustedSigners(): readonly MeshPublicKey[] {
    return this.record.signers;
  }

  /**
   * Opens a catalog: read-only, or for writing (the home must be open for writing: its lock
   * covers the catalog). Either way the Merkle tree is recomputed and every value read is
   * checked against its digest and MAC under the store key, which only the account's key
   * holders have. A writer also requires the last frame to be signed by one of the account's
   * devices (it never signs on after a frame it cannot vouch for); a reader does not check
   * that signature: the home is this device's own storage, and frames that come from
   * elsewhere are checked against the account's devices before they are stored (import,
   * transfer.ts; a sync must do the same). Checking it on every read would cost an Ed448
   * verification, most of a `mesh password get` (docs/MESH.md §8.3).
   */
  async openCatalog(label: StoreLabel, write = false): Promise<Catalog> {
    if (!this.record.stores.includes(label)) throw new DareError('NOT_FOUND', `account ${this.record.name} keeps no ${label} catalog`);
    if (write && !this.home.writable) throw new TypeError('writing a catalog needs the home opened for writing');
    const secret = await this.storeSecret(label);
    if (!write) return Catalog.open(this.catalogPath(label), { secret, readOnly: true, maxValueBytes: MAX_ENTRY_BYTES });
    return Catalog.open(this.catalogPath(label), {
      secret, trustedSigners: this.trustedKeys(), signer: coreSigner(localSigner(await this.deviceSigner())), signFrames: true, maxValueBytes: MAX_ENTRY_BYTES,
    });
  }

  /**
   * A catalog to read: through its entry index when that is current (entry-index.ts), else
   * opened in full (and its index written for the next command).
   */
  async readCatalog(label: StoreLabel): Promise<CatalogReader> {
    if (!this.record.stores.includes(label)) throw new DareError('NOT_FOUND', `account ${this.record.name} keeps no ${label} catalog`);
    const secret = await this.storeSecret(label);
    const idx = indexPath(this.home.dir, this.record.profileUdf, label);
    const fast = await IndexedCatalog.open(idx, this.catalogPath(label), label, secret, MAX_ENTRY_BYTES);
    if (fast !== undefined) return fast;
    const c = await Catalog.open(this.catalogPath(label), { secret, readOnly: true, maxValueBytes: MAX_ENTRY_BYTES });
    await saveIndex(idx, label, secret, c);
    return c;
  }

  /** Writes the entry index of a catalog this command changed (call before closing it). */
  async indexChanged(label: StoreLabel, c: Catalog): Promise<void> {
    await saveIndex(indexPath(this.home.dir, this.record.profileUdf, label), label, await this.storeSecret(label), c);
  }

  /** The account's signers as the core's verification keys. */
  trustedKeys(): { crv: 'Ed25519' | 'Ed448'; publicKey: Uint8Array }[] {
    return this.record.signers.map((k) => ({ crv: k.crv as 'Ed25519' | 'Ed448', publicKey: k.public }));
  }
}
