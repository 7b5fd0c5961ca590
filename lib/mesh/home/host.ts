/**
 * The host catalog of a Mesh home (`host.dcat`, mesh brief §5; docs/MESH.md §8.1): a DARE
 * catalog in plaintext holding what the device knows that is not secret, one entry each:
 *
 *   "device"         {"HostDevice": {"Udf", "EnvelopedProfileDevice", "Created"}}
 *   "account:<UDF>"  {"HostAccount": {"Name", "ProfileUdf", "Created", "EnvelopedProfileUser",
 *                     "Roles": [...], "Stores": [MMM_…], "Signers": [KeyData], "Service"?: {…}}}
 *
 * `Signers` are the public keys whose signatures a reader of the account's catalogs accepts
 * (the connection Signature keys of the account's devices, each certified by the account's
 * AdministratorSignature). `Service` is the binding of an account to a Mesh service, written
 * by the service client (the next issue); members this implementation does not know are kept.
 * The profiles are self-signed and opened against a pinned UDF wherever they are acted on.
 * @module
 */
import { Catalog, DareError, encodeJson, isJsonObject, utf8, type JsonObject, type JsonValue } from '../../index.js';
import { parseMeshJson, type EnvelopeJson, fromJsonValue, toJsonValue } from '../schema/index.js';
import { keyDataOf, publicKeyOfKeyData } from '../keys/key-data.js';
import { isSignatureCurve, type MeshPublicKey } from '../keys/mesh-key.js';
import { storeLabel, type StoreLabel } from '../labels.js';
import { parseRole, type Role } from '../activation/rights.js';
import { HOST_CATALOG, joinPath } from './layout.js';

export interface DeviceRecord {
  readonly udf: string;
  readonly envelope: EnvelopeJson<'ProfileDevice'>;
  readonly created: string;
}

export interface AccountRecord {
  readonly name: string;
  readonly profileUdf: string;
  readonly created: string;
  readonly envelope: EnvelopeJson<'ProfileUser'>;
  readonly roles: readonly Role[];
  readonly stores: readonly StoreLabel[];
  readonly signers: readonly MeshPublicKey[];
  /** The service binding (the next issue); undefined for an offline account. */
  readonly service?: JsonObject;
  /** Members this implementation does not know, kept as read. */
  readonly unknown?: JsonObject;
}

const DEVICE_ID = 'device';
const ACCOUNT_PREFIX = 'account:';
const MAX_RECORD = 1 << 20;
const CONTENT_TYPE = 'application/json';

function malformed(what: string): never {
  throw new DareError('MALFORMED', `host catalog: ${what}`);
}

function str(v: JsonValue | undefined, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 1024) malformed(`${what} must be a string of 1 to 1024 characters`);
  return v;
}

function envelopeOf<C extends string>(v: JsonValue | undefined, what: string): EnvelopeJson<C> {
  if (!Array.isArray(v) || v.length < 2 || v.length > 3 || !isJsonObject(v[0]) || typeof v[1] !== 'string') malformed(`${what} must be an envelope [header, payload, trailer]`);
  return { $envelope: v };
}

function parseRecord(bytes: Uint8Array, tag: string, id: string): JsonObject {
  const v = parseMeshJson(bytes, { maxBytes: MAX_RECORD });
  if (!isJsonObject(v) || !isJsonObject(v[tag]) || Object.keys(v).length !== 1) malformed(`entry ${JSON.stringify(id)} is not a ${tag}`);
  return v[tag] as JsonObject;
}

const KNOWN_ACCOUNT = new Set(['Name', 'ProfileUdf', 'Created', 'EnvelopedProfileUser', 'Roles', 'Stores', 'Signers', 'Service']);

function decodeAccount(o: JsonObject, id: string): AccountRecord {
  const profileUdf = str(o.ProfileUdf, 'ProfileUdf');
  if (id !== ACCOUNT_PREFIX + profileUdf) malformed(`entry ${JSON.stringify(id)} names the account ${profileUdf}`);
  const list = (v: JsonValue | undefined, what: string): JsonValue[] => {
    if (!Array.isArray(v) || v.length > 256) malformed(`${what} must be a list of at most 256`);
    return v;
  };
  const stores = list(o.Stores, 'Stores').map((s) => {
    const l = typeof s === 'string' ? storeLabel(s) : undefined;
    if (l === undefined) malformed(`unknown store ${JSON.stringify(String(s).slice(0, 32))}`);
    return l;
  });
  const signers = list(o.Signers, 'Signers').map((k, i) => {
    const key = publicKeyOfKeyData(fromJsonValue({ KeyData: k as JsonValue }, 'KeyData'), `Signers[${i}]`);
    if (!isSignatureCurve(key.crv)) malformed(`Signers[${i}] is not a signature key`);
    return key;
  });
  let roles: Role[];
  try {
    roles = list(o.Roles, 'Roles').map((r) => parseRole(String(r)));
  } catch (e) {
    return malformed(e instanceof Error ? e.message : String(e));
  }
  const unknown: JsonObject = {};
  for (const [k, v] of Object.entries(o)) if (!KNOWN_ACCOUNT.has(k)) unknown[k] = v;
  if (o.Service !== undefined && !isJsonObject(o.Service)) malformed('Service must be an object');
  return {
    name: str(o.Name, 'Name'), profileUdf, created: str(o.Created, 'Created'),
    envelope: envelopeOf(o.EnvelopedProfileUser, 'EnvelopedProfileUser'), roles, stores, signers,
    service: o.Service as JsonObject | undefined, unknown: Object.keys(unknown).length ? unknown : undefined,
  };
}

function encodeAccount(a: AccountRecord): JsonObject {
  const o: JsonObject = {
    Name: a.name, ProfileUdf: a.profileUdf, Created: a.created, EnvelopedProfileUser: a.envelope.$envelope as JsonValue[],
    Roles: [...a.roles], Stores: [...a.stores], Signers: a.signers.map((k) => toJsonValue(keyDataOf(k)).KeyData as JsonValue),
  };
  if (a.service !== undefined) o.Service = a.service;
  for (const [k, v] of Object.entries(a.unknown ?? {})) if (!(k in o)) o[k] = v;
  return { HostAccount: o };
}

function bytesOf(v: JsonObject): Uint8Array {
  return utf8(encodeJson(v));
}

/** The host catalog, open for reading or (under the home's lock) for writing. */
export class HostCatalog {
  private readonly catalog: Catalog;

  private constructor(catalog: Catalog) {
    this.catalog = catalog;
  }

  static path(home: string): string {
    return joinPath(home, HOST_CATALOG);
  }

  static async create(home: string): Promise<HostCatalog> {
    return new HostCatalog(await Catalog.create(HostCatalog.path(home), { maxValueBytes: MAX_RECORD }));
  }

  /** Opens the host catalog; `write` only under the home's lock (home.ts). */
  static async open(home: string, write: boolean): Promise<HostCatalog> {
    return new HostCatalog(await Catalog.open(HostCatalog.path(home), { readOnly: !write, maxValueBytes: MAX_RECORD }));
  }

  async device(): Promise<DeviceRecord | undefined> {
    const b = await this.catalog.get(DEVICE_ID);
    if (b === undefined) return undefined;
    const o = parseRecord(b, 'HostDevice', DEVICE_ID);
    return { udf: str(o.Udf, 'Udf'), envelope: envelopeOf(o.EnvelopedProfileDevice, 'EnvelopedProfileDevice'), created: str(o.Created, 'Created') };
  }

  async putDevice(d: DeviceRecord): Promise<void> {
    const o = { HostDevice: { Udf: d.udf, EnvelopedProfileDevice: d.envelope.$envelope as JsonValue[], Created: d.created } };
    await this.catalog.put(DEVICE_ID, bytesOf(o), { contentType: CONTENT_TYPE });
  }

  /** The accounts, in the order they were added. */
  async accounts(): Promise<AccountRecord[]> {
    const out: AccountRecord[] = [];
    for (const id of this.catalog.ids()) {
      if (!id.startsWith(ACCOUNT_PREFIX)) continue;
      out.push(decodeAccount(parseRecord((await this.catalog.get(id)) as Uint8Array, 'HostAccount', id), id));
    }
    return out;
  }

  async putAccount(a: AccountRecord): Promise<void> {
    await this.catalog.put(ACCOUNT_PREFIX + a.profileUdf, bytesOf(encodeAccount(a)), { contentType: CONTENT_TYPE });
  }

  async deleteAccount(profileUdf: string): Promise<void> {
    await this.catalog.delete(ACCOUNT_PREFIX + profileUdf);
  }

  close(): Promise<void> {
    return this.catalog.close();
  }
}
