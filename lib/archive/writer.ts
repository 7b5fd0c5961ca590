/**
 * Writing DARE Archives (docs/FORMAT.md §9): one data frame per file, directory or
 * symbolic link, a meta frame per deletion, and an index as the sealed (and, with a
 * signer, signed) last frame of every session. A new archive is written under a
 * temporary name and renamed into place by finish(); a session on an existing archive
 * is cut back to where it started by abort(), so a failed append leaves the archive
 * as it was.
 * @module
 */
import { DareError } from '../errors.js';
import type { RecipientKey, SigningKey, VerificationKey } from '../keys/types.js';
import { masterKeyId } from '../envelope/keyschedule.js';
import { acquireLock, lockPathOf, type WriteLock } from '../platform/lock.js';
import { getBackend } from '../crypto/backend-select.js';
import { equalBytes } from '../internal/bytes.js';
import type { BackupManifest } from './manifest.js';
import { discardTemp, placeTempWithMode, removeStaleTemporaries, tempPathFor, trackTemp } from '../platform/temp-file.js';
import { fileSize, folderOf, pathKind, truncateFile } from '../platform/directory.js';
import { SequenceWriter } from '../sequence/writer.js';
import { SequenceReader } from '../sequence/reader.js';
import type { SequencePolicy } from '../sequence/policy.js';
import { publicKeysOf, type TrustReport } from '../sequence/trust.js';
import { ArchiveReader, type ArchiveReadOptions } from './reader.js';
import {
  ARCHIVE_TYPE, SEAL_TYPE, ancestors, checkEntryPath, deletionContentMeta, encodeIndex, entryContentMeta, indexContentMeta, isWithin,
  type EntryMeta, type IndexEntry,
} from './format.js';

export interface ArchiveKeys {
  /** Encrypt new frames to these keys (an existing archive: default the keys of its policy). */
  recipients?: readonly RecipientKey[];
  /** Encrypt under this shared secret (an existing archive under a secret needs it). */
  secret?: Uint8Array;
  /** Sign the apex in the index frame. */
  signer?: SigningKey;
}

export interface ArchiveCreateOptions extends ArchiveKeys {
  /** Replace a file at the path when finishing (default: OUTPUT_EXISTS). */
  force?: boolean;
  /** Record what is stored in this host's manifest (manifest.ts), for later write-only appends. */
  manifest?: BackupManifest;
}

export interface ArchiveOpenOptions extends ArchiveKeys, ArchiveReadOptions {
  /** Rebuild the entry list from every frame instead of the last index (after an interrupted append). */
  rescan?: boolean;
  /**
   * What the session trusts (lib/sequence/trust.ts): signatures by `trustedSigners` and by
   * `signer` vouch for the archive. A session with a signer refuses (SIGNATURE_INVALID) when
   * frames follow the last signature by one of them, unless `adopt`; the index it builds on
   * is authenticated against them when it is that signed frame. New frames go to the
   * policy's keys only when a trusted signature covers it or it names only keys in `keys`.
   */
  adopt?: boolean;
  /**
   * An incremental session: update() skips an entry the archive's index holds unchanged (same
   * kind, size, mode, time and link target, and for a file the same content digest when the
   * index records one).
   */
  incremental?: boolean;
}

/** A write-only session (ArchiveWriter.openWriteOnly): public keys only. */
export interface ArchiveWriteOnlyOptions {
  /** Encrypt new frames to these keys: the archive's policy must name exactly these (MISMATCH otherwise). */
  recipients?: readonly RecipientKey[];
  /** Sign the sealing frame. */
  signer?: SigningKey;
  /** Signatures by these keys (and by `signer`) vouch for the archive and its policy. */
  trustedSigners?: readonly VerificationKey[];
  /** Seal (and sign) over frames after the last trusted signature (after reviewing them). */
  adopt?: boolean;
  /**
   * What this host sent to the archive before (manifest.ts): update() skips what it records
   * unchanged, and finish() records this session in it. Entries count only when the archive
   * ends where the host left it.
   */
  manifest?: BackupManifest;
}

export interface ArchiveSummary {
  /** Live entries after the session; for a write-only session, the entries it added. */
  readonly entries: number;
  /** The session was write-only (sealed without an index). */
  readonly writeOnly?: boolean;
  /** Frames in the archive, index included. */
  readonly frames: number;
  readonly apex?: Uint8Array;
  readonly signed: boolean;
  /** Entries update() skipped because the archive holds them unchanged. */
  readonly unchanged?: number;
}

const EMPTY = new Uint8Array(0);

/** What an incremental session compares an entry with: the old index, or the host's manifest. */
type Baseline = (meta: EntryMeta, digest: () => Promise<Uint8Array>) => Promise<boolean>;

/** Content given to update(): the bytes, or a function that opens them (called once per read). */
export type ContentSource = Uint8Array | (() => Uint8Array | AsyncIterable<Uint8Array>);

/** SHA-256 of content (IndexEntry.digest), streamed. */
async function contentDigest(content: Uint8Array | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const h = getBackend().createHash('sha256');
  if (content instanceof Uint8Array) h.update(content);
  else for await (const c of content) h.update(c);
  return h.digest();
}

/** `content`, hashed on the way through; `out.digest` is set at its end. */
async function* hashing(content: AsyncIterable<Uint8Array>, out: { digest?: Uint8Array }): AsyncGenerator<Uint8Array> {
  const h = getBackend().createHash('sha256');
  for await (const c of content) {
    h.update(c);
    yield c;
  }
  out.digest = h.digest();
}

function sameMeta(a: EntryMeta, b: EntryMeta): boolean {
  return a.kind === b.kind && a.size === b.size && a.mode === b.mode && a.modified === b.modified && a.target === b.target;
}

function fsError(e: unknown, path: string): unknown {
  if (e instanceof DareError || !(e instanceof Error) || !('code' in e)) return e;
  return new DareError('IO', `${path}: ${e.message}`, { cause: e });
}

export class ArchiveWriter {
  readonly path: string;
  readonly sequence: SequenceWriter;
  private readonly live: Map<string, IndexEntry>;
  /** New archive: the temporary file and whether finish() may replace `path`. */
  private readonly temp?: { file: string; force: boolean };
  /** Existing archive: its length when this session started (abort() cuts back to it). */
  private readonly startSize: number;
  private readonly signed: boolean;
  private dirty: boolean;
  private done = false;
  /** `<path>.lock`, held from open/create until finish/abort (cutting back included). */
  private readonly lock: WriteLock;
  /** Opened without a key that reads the index: `live` holds this session's entries only. */
  readonly writeOnly: boolean;
  /** Incremental sessions: what update() compares with. */
  private baseline?: Baseline;
  private manifest?: BackupManifest;
  private skipped = 0;

  private constructor(path: string, lock: WriteLock, sequence: SequenceWriter, live: Map<string, IndexEntry>, startSize: number, dirty: boolean, signed: boolean, temp?: { file: string; force: boolean }, writeOnly = false) {
    this.path = path;
    this.lock = lock;
    this.writeOnly = writeOnly;
    this.signed = signed;
    this.sequence = sequence;
    this.live = live;
    this.startSize = startSize;
    this.dirty = dirty;
    this.temp = temp;
  }

  /** Starts a new archive at `path` (written under a temporary name until finish()). */
  static async create(path: string, options: ArchiveCreateOptions = {}): Promise<ArchiveWriter> {
    if (!options.force && (await pathKind(path).catch(() => 'other')) !== undefined) {
      throw new DareError('OUTPUT_EXISTS', `${path}: already exists (use --force to overwrite)`);
    }
    const lock = acquireLock(lockPathOf(path), path);
    try {
      // A temporary as lib/platform/temp-file.ts names them (0600, removed on a signal, and
      // what a killed run left here is removed first).
      removeStaleTemporaries(folderOf(path));
      const file = tempPathFor(path);
      trackTemp(file);
      let seq: SequenceWriter;
      try {
        seq = await SequenceWriter.create(file, { type: 'Merkle', recipients: options.recipients, secret: options.secret, signer: options.signer, contentMeta: { contentType: ARCHIVE_TYPE }, mode: 0o600, lock });
      } catch (e) {
        discardTemp(file);
        throw e;
      }
      const w = new ArchiveWriter(path, lock, seq, new Map(), 0, true, options.signer !== undefined, { file, force: options.force === true });
      if (options.manifest) {
        options.manifest.clear('a new archive');
        w.manifest = options.manifest;
      }
      return w;
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /**
   * Opens an existing archive to add, replace or delete entries. Reading its index needs
   * the keys of an encrypted archive (keys/secrets); a torn tail is cut off first.
   */
  static async open(path: string, options: ArchiveOpenOptions = {}): Promise<ArchiveWriter> {
    // Locked before the index is read, so that the entries this session starts from are the last ones.
    const lock = acquireLock(lockPathOf(path), path);
    try {
      return await ArchiveWriter.openLocked(path, lock, options);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  private static async openLocked(path: string, lock: WriteLock, options: ArchiveOpenOptions): Promise<ArchiveWriter> {
    const secrets = [...(options.secrets ?? []), ...(options.secret ? [options.secret] : [])];
    const trustedSigners = options.trustedSigners ?? [];
    // Trust is checked below, after the writer has found the last trusted signature.
    const reader = await ArchiveReader.open(path, { ...options, secrets, trustedSigners: [] });
    let seq: SequenceWriter | undefined;
    try {
      const stale = !reader.indexed || options.rescan === true;
      const live = new Map((options.rescan && reader.indexed ? await rescanned(reader) : reader.entries()).map((e) => [e.path, e]));
      const kid = reader.sequence.policy.secretKid;
      const secret = options.secret ?? (kid === undefined ? undefined : secrets.find((s) => masterKeyId(s) === kid));
      seq = await SequenceWriter.open(path, {
        recipients: options.recipients, secret, signer: options.signer, lock, name: path,
        trust: { trustedSigners, ownKeys: publicKeysOf(options.keys), adopt: options.adopt },
      });
      const t = seq.trust as TrustReport;
      const trusted = [...trustedSigners, ...(options.signer ? [{ crv: options.signer.crv, publicKey: options.signer.publicKey }] : [])];
      // The entries a new index carries over come from an index a trusted key signed, bound to it.
      if (reader.indexed && !options.rescan && t.lastTrusted === reader.sequence.last.index) await reader.authenticate(trusted);
      const w = new ArchiveWriter(path, lock, seq, live, await startSize(path, seq), stale, options.signer !== undefined);
      if (options.incremental) {
        const old = new Map(live);
        w.baseline = async (meta, digest) => {
          const e = old.get(meta.path);
          if (!e || !sameMeta(e, meta) || w.live.get(meta.path) !== e) return false;
          return meta.kind !== 'file' || e.digest === undefined || equalBytes(e.digest, await digest());
        };
      }
      return w;
    } catch (e) {
      await seq?.close();
      throw e;
    } finally {
      await reader.close();
    }
  }

  /**
   * Opens an archive encrypted to public keys for adding entries without a key that
   * reads it (a backup host that holds no private key; docs/FORMAT.md §9, "Write-only
   * sessions"). New frames are encrypted to the policy's keys (or `recipients`). The
   * index cannot be read, so entries are checked for conflicts within the session only,
   * nothing can be deleted, and finish() seals with a SEAL_TYPE meta frame instead of an
   * index (signed with `signer`): readers then scan the frames, and `dare index` with a key
   * writes a new index. What the session trusts (lib/sequence/trust.ts): the policy's keys
   * only when a signature by `signer` or `trustedSigners` covers them (or `recipients`
   * names them); with a signer, the last frame must carry such a signature unless `adopt`
   * (SIGNATURE_INVALID): a host never signs over frames nobody it trusts signed.
   */
  static async openWriteOnly(path: string, options: ArchiveWriteOnlyOptions = {}): Promise<ArchiveWriter> {
    const lock = acquireLock(lockPathOf(path), path);
    try {
      const seq = await SequenceReader.open(path);
      try {
        if ((await seq.open(seq.first)).contentMeta?.contentType !== ARCHIVE_TYPE) throw new DareError('MALFORMED', `not a dare archive (frame 0 does not name ${ARCHIVE_TYPE})`);
        if (seq.policy.secretKid !== undefined) throw new DareError('NO_MATCHING_KEY', 'the archive is encrypted under a shared secret: give the secret to append');
      } finally {
        await seq.close();
      }
      // The policy's keys only when a trusted signature covers them; no signing over frames nobody trusted signed.
      const w = await SequenceWriter.open(path, {
        recipients: options.recipients, signer: options.signer, lock, name: path,
        trust: { trustedSigners: options.trustedSigners, adopt: options.adopt },
      });
      const a = new ArchiveWriter(path, lock, w, new Map(), await startSize(path, w), false, options.signer !== undefined, undefined, true);
      const m = options.manifest;
      if (m) {
        m.startFrom({ treeSize: w.frameCount, apex: w.startApex ?? EMPTY });
        a.manifest = m;
        a.baseline = (meta, digest) => m.unchanged(meta, digest);
      }
      return a;
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /** What opening found about trust (last trusted signature, frames adopted); undefined for a new archive. */
  get trust(): TrustReport | undefined {
    return this.sequence.trust;
  }

  /** The file being written: a temporary name until finish() for a new archive. */
  get file(): string {
    return this.temp?.file ?? this.path;
  }

  get policy(): SequencePolicy {
    return this.sequence.policy;
  }

  /** Live entries in frame order. */
  entries(): IndexEntry[] {
    return [...this.live.values()].sort((a, b) => a.index - b.index);
  }

  get(path: string): EntryMeta | undefined {
    return this.live.get(path);
  }

  /**
   * Adds (or replaces) an entry. `content` is the file's bytes, exactly `meta.size` of
   * them (a stream that ends early or runs long fails with IO and the session must be
   * aborted). CONFLICT when the entry would lie below a file or link of the archive, or
   * would replace a directory that still has entries.
   */
  async add(meta: EntryMeta, content?: Uint8Array | AsyncIterable<Uint8Array>): Promise<IndexEntry> {
    this.open();
    checkEntryPath(meta.path);
    if (!Number.isSafeInteger(meta.size) || meta.size < 0 || (meta.kind !== 'file' && meta.size !== 0)) throw new RangeError(`${meta.path}: bad size`);
    if (!Number.isInteger(meta.mode) || meta.mode < 0 || meta.mode > 0o7777) throw new RangeError(`${meta.path}: bad mode`);
    if (!Number.isFinite(Date.parse(meta.modified))) throw new RangeError(`${meta.path}: bad modification time`);
    if ((meta.kind === 'symlink') !== (meta.target !== undefined)) throw new RangeError(`${meta.path}: a link target is given for symbolic links only`);
    for (const a of ancestors(meta.path)) {
      const k = this.live.get(a)?.kind;
      if (k !== undefined && k !== 'directory') throw new DareError('CONFLICT', `cannot add ${JSON.stringify(meta.path)}: ${JSON.stringify(a)} is a ${k === 'symlink' ? 'symbolic link' : 'file'} in the archive`);
    }
    if (meta.kind !== 'directory' && this.live.get(meta.path)?.kind === 'directory') {
      const below = [...this.live.keys()].find((p) => p !== meta.path && isWithin(p, meta.path));
      if (below !== undefined) throw new DareError('CONFLICT', `cannot replace the directory ${JSON.stringify(meta.path)} by a ${meta.kind}: ${JSON.stringify(below)} is in it`);
    }
    const body = meta.kind === 'file' ? content ?? EMPTY : EMPTY;
    // The content digest (IndexEntry.digest) is computed on the way, for later incremental sessions.
    const hashed: { digest?: Uint8Array } = {};
    const source = body instanceof Uint8Array ? body : hashing(body, hashed);
    const f = await this.sequence.append(source, { payloadLength: meta.size, contentMeta: entryContentMeta(meta) });
    const digest = meta.kind !== 'file' ? undefined : body instanceof Uint8Array ? await contentDigest(body) : hashed.digest;
    const entry: IndexEntry = { ...meta, index: f.index, position: f.position, frameDigest: f.frameDigest, ...(digest ? { digest } : {}) };
    this.manifest?.record(meta, digest);
    this.live.delete(meta.path);
    this.live.set(meta.path, entry);
    this.dirty = true;
    return entry;
  }

  /**
   * Adds an entry unless the session is incremental and the archive already holds it
   * unchanged (ArchiveOpenOptions.incremental, ArchiveWriteOnlyOptions.manifest): then writes
   * nothing and resolves to false. `content` is read twice at most: once for its digest when
   * everything else matches, once to store it.
   */
  async update(meta: EntryMeta, content?: ContentSource): Promise<boolean> {
    const open = () => (content === undefined ? EMPTY : content instanceof Uint8Array ? content : content());
    if (this.baseline && (await this.baseline(meta, () => contentDigest(open())))) {
      this.skipped++;
      return false;
    }
    await this.add(meta, open());
    return true;
  }

  /** Deletes an entry and everything below it (a deletion marker each); NOT_FOUND when nothing matches. */
  async remove(path: string): Promise<string[]> {
    this.open();
    if (this.writeOnly) throw new DareError('NO_MATCHING_KEY', 'deleting needs the key that reads the archive\'s index (this session is write-only)');
    const name = path.replace(/\/+$/, '');
    const gone = [...this.live.keys()].filter((p) => isWithin(p, name)).reverse();
    if (!gone.length) throw new DareError('NOT_FOUND', `${path}: no such entry in the archive`);
    for (const p of gone) {
      await this.sequence.append(EMPTY, { isMeta: true, contentMeta: deletionContentMeta(p) });
      this.live.delete(p);
    }
    this.dirty = true;
    return gone;
  }

  /**
   * Writes the index as the sealed last frame (signed when a signer was given), closes
   * the file and, for a new archive, moves it into place. Writes nothing when the
   * session changed nothing and the archive already ends with an up-to-date index.
   */
  async finish(options: { forceIndex?: boolean } = {}): Promise<ArchiveSummary> {
    this.open();
    this.done = true;
    try {
      const entries = this.entries();
      let apex: Uint8Array | undefined;
      let frames = this.sequence.frameCount;
      if (this.writeOnly) {
        // No index can be written without the old one: seal (and sign) the session instead.
        if (this.dirty) {
          const f = await this.sequence.seal(EMPTY, { contentMeta: { contentType: SEAL_TYPE } });
          apex = f.treeDigest;
          frames = f.index + 1;
        }
      } else if (this.dirty || options.forceIndex) {
        const f = await this.sequence.seal(encodeIndex(entries, this.sequence.frameZero), { contentMeta: indexContentMeta(entries.length) });
        apex = f.treeDigest;
        frames = f.index + 1;
      }
      await this.sequence.close();
      if (this.temp) {
        try {
          placeTempWithMode(this.temp.file, this.path, this.temp.force, 0o644);
        } catch (e) {
          throw fsError(e, this.path);
        }
      }
      // After the archive is synced: a crash before this leaves a manifest of an older state (sent again next time).
      const end = apex ?? this.sequence.startApex;
      if (this.manifest && end) await this.manifest.save({ treeSize: frames, apex: end });
      return {
        entries: entries.length, frames, apex, signed: apex !== undefined && this.signed, ...(this.writeOnly ? { writeOnly: true } : {}),
        ...(this.baseline ? { unchanged: this.skipped } : {}),
      };
    } catch (e) {
      await this.cleanup();
      throw e;
    } finally {
      this.lock.release();
    }
  }

  /** Gives up the session: a new archive is removed, an existing one cut back to its length at open(). */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    try {
      await this.cleanup();
    } finally {
      this.lock.release();
    }
  }

  private async cleanup(): Promise<void> {
    await this.sequence.close().catch(() => undefined);
    if (this.temp) discardTemp(this.temp.file);
    else await truncateFile(this.path, this.startSize).catch(() => undefined);
  }

  private open(): void {
    if (this.done) throw new RangeError('the archive session is finished');
  }
}

/** The archive's length as a session starts (abort() cuts back to it); the writer is closed on failure. */
async function startSize(path: string, seq: SequenceWriter): Promise<number> {
  try {
    return await fileSize(path);
  } catch (e) {
    await seq.close();
    throw e;
  }
}

/** Entries of a full scan, for rescan when the archive ends with an index. */
async function rescanned(reader: ArchiveReader): Promise<IndexEntry[]> {
  const live = new Map<string, IndexEntry>();
  for await (const h of reader.history()) {
    if (h.kind === 'entry') {
      live.delete(h.entry.path);
      live.set(h.entry.path, h.entry);
    } else live.delete(h.path);
  }
  return [...live.values()];
}
