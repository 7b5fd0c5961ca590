/**
 * Account export and import (docs/MESH.md §8.6): an export is a DARE archive holding
 * `account.json` ({"MeshAccountExport": {"Version": 1, "Name", "ProfileUdf",
 * "EnvelopedProfileUser", "Stores": [...]}}) and the account's catalog files byte for byte,
 * still encrypted under their store keys (`MMM_Credential.dcat`, ...). Nothing in it is
 * readable without the account's keys.
 *
 * Import checks everything before it changes anything:
 * - account.json names this account (its profile UDF; MISMATCH otherwise);
 * - MMM_Device opens with the store key; each CatalogedDevice's ConnectionDevice must be
 *   signed by the account's AdministratorSignature key (from the pinned profile); their
 *   Signature keys, with the signers the home already trusts, are the keys whose
 *   signatures the imported catalogs may carry;
 * - every catalog opens with its store key, its tree and MACs check, and its last frame is
 *   signed by one of those keys (SIGNATURE_INVALID otherwise).
 * Then each catalog is put in place: a local catalog with no entries is replaced by the
 * imported file (renamed into place); one with entries gets the imported entries it lacks
 * (entries on both sides keep the local value). The account then trusts the imported
 * devices' signatures.
 * @module
 */
import {
  ArchiveReader, ArchiveWriter, Catalog, DareError, addPath, encodeJson, extractArchive, isJsonObject, makePrivateDirectory, pathKind,
  removePath, renamePath, temporaryName, utf8, type JsonValue,
} from '../../index.js';
import { parseMeshJson } from '../schema/index.js';
import type { MeshPublicKey } from '../keys/mesh-key.js';
import { storeLabel, type StoreLabel } from '../labels.js';
import { MAX_ENTRY_BYTES, type AccountContext } from './account.js';
import { accountDir, catalogFile } from './layout.js';
import { deviceSigners } from './device-signers.js';

export const EXPORT_MANIFEST = 'account.json';
const MAX_MANIFEST = 1 << 20;

async function collect(source: AsyncIterable<Uint8Array>, max: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const p of source) {
    n += p.length;
    if (n > max) throw new DareError('LIMIT_EXCEEDED', `${EXPORT_MANIFEST} is larger than ${max} bytes`);
    parts.push(p);
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface ExportReport {
  readonly path: string;
  readonly stores: readonly StoreLabel[];
}

/** Writes the account's catalogs into a new archive at `path` (OUTPUT_EXISTS unless `force`). */
export async function exportAccount(ctx: AccountContext, path: string, force = false): Promise<ExportReport> {
  const r = ctx.record;
  const stores: StoreLabel[] = [];
  for (const l of r.stores) if ((await pathKind(ctx.catalogPath(l))) === 'file') stores.push(l);
  const manifest = utf8(encodeJson({
    MeshAccountExport: { Version: 1, Name: r.name, ProfileUdf: r.profileUdf, EnvelopedProfileUser: r.envelope.$envelope as JsonValue[], Stores: stores },
  }) + '\n');
  const w = await ArchiveWriter.create(path, { force });
  try {
    await w.add({ path: EXPORT_MANIFEST, kind: 'file', size: manifest.length, mode: 0o600, modified: new Date().toISOString() }, manifest);
    for (const l of stores) await addPath(w, ctx.catalogPath(l), catalogFile(l));
    await w.finish();
  } catch (e) {
    await w.abort().catch(() => undefined);
    throw e;
  }
  return { path, stores };
}

export interface ImportReport {
  /** Per store: replaced (the file put in place), merged (entries added), or unchanged. */
  readonly stores: readonly { label: StoreLabel; action: 'replaced' | 'merged' | 'unchanged'; entries: number; added: number }[];
  readonly signers: number;
}

function malformed(what: string): never {
  throw new DareError('MALFORMED', `account export: ${what}`);
}

/** The manifest of an export, checked. */
function readManifest(bytes: Uint8Array): { profileUdf: string; stores: StoreLabel[] } {
  const v = parseMeshJson(bytes, { maxBytes: MAX_MANIFEST });
  if (!isJsonObject(v) || !isJsonObject(v.MeshAccountExport)) malformed(`${EXPORT_MANIFEST} is not a MeshAccountExport`);
  const o = v.MeshAccountExport;
  if (o.Version !== 1) malformed(`unsupported version ${JSON.stringify(o.Version)}`);
  if (typeof o.ProfileUdf !== 'string') malformed('no ProfileUdf');
  if (!Array.isArray(o.Stores) || o.Stores.length > 64) malformed('Stores must be a list');
  const stores = o.Stores.map((s) => {
    const l = typeof s === 'string' ? storeLabel(s) : undefined;
    if (l === undefined) malformed(`unknown store ${JSON.stringify(String(s).slice(0, 32))}`);
    return l;
  });
  return { profileUdf: o.ProfileUdf, stores };
}

/** Imports an export into the account it is of (module comment). */
export async function importAccount(ctx: AccountContext, path: string): Promise<ImportReport> {
  if (!ctx.home.writable) throw new TypeError('import needs the home opened for writing');
  const reader = await ArchiveReader.open(path);
  const dir = accountDir(ctx.home.dir, ctx.record.profileUdf);
  const work = temporaryName(`${dir}/import`, 'import');
  try {
    const manifestEntry = reader.get(EXPORT_MANIFEST);
    if (manifestEntry === undefined || manifestEntry.kind !== 'file') malformed(`no ${EXPORT_MANIFEST}`);
    if (manifestEntry.size > MAX_MANIFEST) throw new DareError('LIMIT_EXCEEDED', `${EXPORT_MANIFEST} is larger than ${MAX_MANIFEST} bytes`);
    const manifest = readManifest(await collect(reader.content(manifestEntry), MAX_MANIFEST));
    if (manifest.profileUdf !== ctx.record.profileUdf) {
      throw new DareError('MISMATCH', `the export is of the account ${manifest.profileUdf}, not ${ctx.record.name} (${ctx.record.profileUdf})`);
    }
    const wanted = manifest.stores.filter((l) => ctx.record.stores.includes(l));
    const files = wanted.map((l) => {
      const e = reader.get(catalogFile(l));
      if (e === undefined || e.kind !== 'file') malformed(`no ${catalogFile(l)}`);
      return e;
    });
    await makePrivateDirectory(work);
    await extractArchive(reader, work, files);

    const signers = await importedSigners(ctx, `${work}/${catalogFile('MMM_Device')}`, wanted.includes('MMM_Device'));
    const trusted = signers.map((k) => ({ crv: k.crv as 'Ed25519' | 'Ed448', publicKey: k.public }));
    // Every catalog checked before anything changes.
    const plans: { label: StoreLabel; file: string; ids: string[] }[] = [];
    for (const label of wanted) {
      const file = `${work}/${catalogFile(label)}`;
      const c = await Catalog.open(file, { secret: await ctx.storeSecret(label), trustedSigners: trusted, readOnly: true, maxValueBytes: MAX_ENTRY_BYTES });
      plans.push({ label, file, ids: c.ids() });
      await c.close();
    }
    const report: ImportReport['stores'][number][] = [];
    for (const p of plans) report.push(await place(ctx, p.label, p.file, trusted));
    const host = await ctx.home.hostCatalog();
    if (host === null) throw new TypeError('the home is not open for writing');
    ctx.record = { ...ctx.record, signers };
    await host.putAccount(ctx.record);
    return { stores: report, signers: signers.length };
  } finally {
    await reader.close();
    await removePath(work).catch(() => undefined);
  }
}

/**
 * The signers the imported catalogs may carry: the account's own, and the Signature key of
 * each device whose ConnectionDevice the account's AdministratorSignature key signed.
 */
async function importedSigners(ctx: AccountContext, deviceFile: string, present: boolean): Promise<MeshPublicKey[]> {
  if (!present) return [...ctx.record.signers];
  const c = await Catalog.open(deviceFile, { secret: await ctx.storeSecret('MMM_Device'), readOnly: true, maxValueBytes: MAX_ENTRY_BYTES });
  try {
    return await deviceSigners(ctx, c, true);
  } finally {
    await c.close();
  }
}

/** Puts one checked catalog in place: replaces an empty local one, or adds the entries it lacks. */
async function place(ctx: AccountContext, label: StoreLabel, file: string, trusted: { crv: 'Ed25519' | 'Ed448'; publicKey: Uint8Array }[]) {
  const target = ctx.catalogPath(label);
  const secret = await ctx.storeSecret(label);
  const imported = await Catalog.open(file, { secret, trustedSigners: trusted, readOnly: true, maxValueBytes: MAX_ENTRY_BYTES });
  try {
    const exists = (await pathKind(target)) === 'file';
    const local = exists ? await ctx.openCatalog(label, true) : undefined;
    try {
      if (local === undefined || local.size === 0) {
        await local?.close();
        await renamePath(file, target, true);
        return { label, action: 'replaced' as const, entries: imported.size, added: imported.size };
      }
      let added = 0;
      for await (const [id, value] of imported.entries()) {
        if (local.has(id)) continue;
        await local.add(id, value, { contentType: imported.info(id)?.contentType });
        added++;
      }
      return { label, action: added ? ('merged' as const) : ('unchanged' as const), entries: imported.size, added };
    } finally {
      await local?.close();
    }
  } finally {
    await imported.close();
  }
}
