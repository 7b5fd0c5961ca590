/**
 * Moving a service between store drivers (issue 19: `meshd export --store URL --to DIR` and
 * `meshd import --from DIR --store URL`, verified frame by frame; a provider starts on the
 * embedded store and grows onto PostgreSQL).
 *
 * The export folder: `accounts/<ProfileUdf>/profile` (the EnvelopedProfileAccount's bytes),
 * `accounts/<ProfileUdf>/MMM_<store>.dcat|dspl` (the container's frames back to back: the DARE
 * sequence file itself, byte-identical to the embedded store's and the devices' copies), and `manifest.json` last (its presence marks a whole export): every account
 * entry, and per container its head (index, apex, frontier) and each frame's length and SHA-256.
 * Everything is fsynced. The replay cache and request outcomes are not carried: they last
 * minutes, and a request in flight during a move is retried by its client.
 *
 * Import checks every frame against the manifest before writing, binds each account and writes
 * all its containers in one Transact (an account is there whole or not at all; a failure
 * unbinds it), then reads every frame back from the new store and compares it.
 * @module
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { DareError } from '../../lib/index.js';
import { isSpool, storeLabel } from '../../lib/mesh/index.js';
import type { AccountEntry, AccountStore, ContainerAppend } from '../../lib/mesh/index.js';

const FORMAT = 'dare-mesh-store-export';
/** What one account may hold to be imported in one Transact (its frames are in memory at once). */
export const MAX_IMPORT_ACCOUNT_BYTES = 1 << 30;
const READ_PAGE = { maxFrames: 1000, maxBytes: 16 << 20 };

interface FrameRecord { length: number; sha256: string }
interface ContainerRecord { container: string; index: number; apex: string; frontier: string; frames: FrameRecord[] }
interface AccountRecord { profileUdf: string; address: string; kind: string; status: string; created: string; containers: ContainerRecord[] }
interface Manifest { format: string; version: number; driver: string; exported: string; accounts: AccountRecord[] }

export interface TransferReport {
  readonly accounts: number;
  readonly containers: number;
  readonly frames: number;
  readonly bytes: number;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The file of a container: `MMM_Contact.dcat`, `MMM_Inbound.dspl`, as in the embedded store's root. */
function containerFile(container: unknown): string {
  const label = typeof container === 'string' ? storeLabel(container) : undefined;
  if (label === undefined || label !== container) throw new DareError('MALFORMED', `export: ${JSON.stringify(container)} is not a store label`);
  return `${label}.${isSpool(label) ? 'dspl' : 'dcat'}`;
}

/** A name used as a file name: UDFs and store labels are plain; anything else is refused. */
function safeName(s: unknown, what: string): string {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]{1,200}$/.test(s)) throw new DareError('MALFORMED', `export: ${what} ${JSON.stringify(s)} is not a plain name`);
  return s;
}

async function writeSynced(path: string, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void> {
  const f = await open(path, 'wx', 0o600);
  try {
    for await (const c of chunks) await f.write(c);
    await f.sync();
  } finally {
    await f.close();
  }
}

async function syncDir(path: string): Promise<void> {
  const d = await open(path, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** Every frame of `container` up to `index`, page by page. */
async function* framesOf(store: AccountStore, udf: string, container: string, index: number): AsyncGenerator<Uint8Array> {
  let from = 0;
  while (from <= index) {
    const page = await store.read(udf, container, from, READ_PAGE);
    if (page.frames.length === 0) throw new DareError('SEQUENCE_ORDER', `${udf}/${container}: frame ${from} is missing below the head ${index}`);
    for (const f of page.frames) {
      if (from > index) return;
      yield f;
      from++;
    }
  }
}

/** Writes every account of `from` into the new folder `toDir` (OUTPUT_EXISTS when it has anything in it). */
export async function exportStore(from: AccountStore, toDir: string): Promise<TransferReport> {
  await mkdir(toDir, { recursive: true, mode: 0o700 });
  if ((await readdir(toDir)).length > 0) throw new DareError('OUTPUT_EXISTS', `export: ${toDir} is not empty`);
  await mkdir(join(toDir, 'accounts'), { mode: 0o700 });
  const report = { accounts: 0, containers: 0, frames: 0, bytes: 0 };
  const accounts: AccountRecord[] = [];
  for await (const e of from.accounts()) {
    const dir = join(toDir, 'accounts', safeName(e.profileUdf, 'profile UDF'));
    await mkdir(dir, { mode: 0o700 });
    await writeSynced(join(dir, 'profile'), [e.profile]);
    const containers: ContainerRecord[] = [];
    for (const h of await from.heads(e.profileUdf)) {
      const frames: FrameRecord[] = [];
      const record = (f: Uint8Array): Uint8Array => {
        frames.push({ length: f.length, sha256: sha256(f) });
        report.frames++;
        report.bytes += f.length;
        return f;
      };
      await writeSynced(join(dir, containerFile(h.container)), (async function* () {
        for await (const f of framesOf(from, e.profileUdf, h.container, h.index)) yield record(f);
      })());
      containers.push({ container: h.container, index: h.index, apex: hexOf(h.apex), frontier: hexOf(h.frontier), frames });
      report.containers++;
    }
    await syncDir(dir);
    accounts.push({ profileUdf: e.profileUdf, address: e.address, kind: e.kind, status: e.status, created: e.created, containers });
    report.accounts++;
  }
  await syncDir(join(toDir, 'accounts'));
  const manifest: Manifest = { format: FORMAT, version: 1, driver: (await from.status()).driver, exported: new Date().toISOString(), accounts };
  await writeSynced(join(toDir, 'manifest.json.tmp'), [Buffer.from(JSON.stringify(manifest))]);
  await rename(join(toDir, 'manifest.json.tmp'), join(toDir, 'manifest.json'));
  await syncDir(toDir);
  return report;
}

function readManifest(text: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch (e) {
    throw new DareError('MALFORMED', 'import: manifest.json is not JSON', { cause: e });
  }
  if (m?.format !== FORMAT || m.version !== 1 || !Array.isArray(m.accounts)) throw new DareError('MALFORMED', `import: manifest.json is not a ${FORMAT} version 1`);
  return m;
}

/** Splits a container file into its frames, each checked against the manifest. */
function splitFrames(file: Uint8Array, c: ContainerRecord, where: string): Uint8Array[] {
  if (!Array.isArray(c.frames) || c.frames.length !== c.index + 1) throw new DareError('MALFORMED', `import: ${where} lists ${c.frames?.length} frames for head ${c.index}`);
  const frames: Uint8Array[] = [];
  let at = 0;
  for (const [i, r] of c.frames.entries()) {
    if (!Number.isSafeInteger(r.length) || r.length < 1 || at + r.length > file.length) throw new DareError('TRUNCATED', `import: ${where} ends inside frame ${i}`);
    const f = file.subarray(at, at + r.length);
    if (sha256(f) !== r.sha256) throw new DareError('DIGEST_MISMATCH', `import: ${where} frame ${i} is not the frame exported`);
    frames.push(f);
    at += r.length;
  }
  if (at !== file.length) throw new DareError('TRAILING_DATA', `import: ${where} has ${file.length - at} bytes after its last frame`);
  return frames;
}

/** Reads an export folder into `to` (whose accounts must not be bound yet), verified frame by frame. */
export async function importStore(fromDir: string, to: AccountStore): Promise<TransferReport> {
  const manifest = readManifest(await readFile(join(fromDir, 'manifest.json'), 'utf8'));
  const report = { accounts: 0, containers: 0, frames: 0, bytes: 0 };
  for (const a of manifest.accounts) {
    if (!Array.isArray(a?.containers)) throw new DareError('MALFORMED', 'import: an account of manifest.json lists no containers');
    const udf = safeName(a.profileUdf, 'profile UDF');
    const dir = join(fromDir, 'accounts', udf);
    const appends: ContainerAppend[] = [];
    let size = 0;
    for (const c of a.containers) {
      const where = `${udf}/${containerFile(c?.container)}`;
      const frames = splitFrames(await readFile(join(dir, containerFile(c.container))), c, where);
      size += frames.reduce((n, f) => n + f.length, 0);
      if (size > MAX_IMPORT_ACCOUNT_BYTES) throw new DareError('LIMIT_EXCEEDED', `import: account ${udf} holds more than ${MAX_IMPORT_ACCOUNT_BYTES} bytes`);
      appends.push({
        container: c.container,
        expected: { container: c.container, index: -1, apex: new Uint8Array(0) },
        frames,
        next: { container: c.container, index: c.index, apex: Buffer.from(c.apex, 'hex'), frontier: Buffer.from(c.frontier, 'hex') },
      });
    }
    if (!['user', 'group'].includes(a.kind) || !['active', 'hold'].includes(a.status) || typeof a.address !== 'string' || typeof a.created !== 'string') {
      throw new DareError('MALFORMED', `import: the account entry of ${udf} is not well-formed`);
    }
    const entry: AccountEntry = {
      profileUdf: udf, address: a.address, kind: a.kind as AccountEntry['kind'], status: a.status as AccountEntry['status'],
      profile: await readFile(join(dir, 'profile')), created: a.created,
    };
    await to.bind(entry);
    try {
      if (appends.length > 0) {
        const o = await to.transact(udf, `import-${udf}`, appends);
        if (!o.accepted) throw new DareError('CONFLICT', `import: ${udf} has containers already in the target store`);
      }
      for (const c of appends) {
        let i = 0;
        for await (const f of framesOf(to, udf, c.container, c.next.index)) {
          const want = c.frames[i];
          if (want === undefined || sha256(f) !== sha256(want)) throw new DareError('DIGEST_MISMATCH', `import: ${udf}/${c.container} frame ${i} reads back changed`);
          i++;
        }
        report.containers++;
        report.frames += c.frames.length;
        report.bytes += c.frames.reduce((n, f) => n + f.length, 0);
      }
    } catch (e) {
      await to.unbind(udf).catch(() => undefined);
      throw e;
    }
    report.accounts++;
  }
  return report;
}
