/**
 * The backup manifest of a write-only host (docs/FORMAT.md §9, "Incremental appends"): what
 * this host sent to one archive, kept on the host, so that its next write-only append skips
 * what the archive already holds unchanged (it cannot read the archive's index).
 *
 * It holds no plaintext and nothing an observer could test guesses against: every path,
 * every entry's metadata and every content digest is an HMAC-SHA-256 under a key derived
 * from the host's signing key. It names the state of the archive the host left (tree size
 * and apex): when the archive's last frame is anything else (the owner re-indexed or deleted,
 * someone appended, or the file was rolled back) the manifest no longer says what the
 * archive holds, and the session sends everything again.
 * @module
 */
import { DareError } from '../errors.js';
import { base64urlDecode, base64urlEncode } from '../encoding/base64url.js';
import { decodeJson, encodeJson } from '../encoding/json.js';
import { isJsonObject, type JsonObject } from '../encoding/value.js';
import { equalBytes, fromUtf8, utf8 } from '../internal/bytes.js';
import { getBackend } from '../crypto/backend-select.js';
import { hkdf } from '../crypto/kdf.js';
import type { SigningKey } from '../keys/types.js';
import { keyFingerprint } from '../udf/index.js';
import { readPrivateFile, writePrivateFile } from '../platform/private-file.js';
import type { EntryMeta } from './format.js';

/** The archive state a session left: its tree size and apex (the last frame's TreeDigest). */
export interface ArchiveState {
  readonly treeSize: number;
  readonly apex: Uint8Array;
}

const TAG = 'DareBackupManifest';
const VERSION = 1;
/** Largest manifest read (about two million entries). */
const MAX_MANIFEST_BYTES = 512 << 20;

function metaText(m: EntryMeta): string {
  return [m.path, m.kind, m.size, m.mode, m.modified, m.target ?? ''].join('\0');
}

export class BackupManifest {
  readonly path: string;
  readonly #key: Uint8Array;
  readonly #signer: string;
  /** keyed path -> [keyed metadata, keyed metadata and content digest (files)] */
  #entries: Map<string, string[]>;
  #state?: ArchiveState;
  /** Why the entries were set aside (reset), for the caller's note. */
  stale?: string;

  private constructor(path: string, key: Uint8Array, signer: string, entries: Map<string, string[]>, state?: ArchiveState) {
    this.path = path;
    this.#key = key;
    this.#signer = signer;
    this.#entries = entries;
    this.#state = state;
  }

  /**
   * The manifest at `path` for the host whose signing key is `signer` (an empty one when
   * there is none, or it is another key's). MALFORMED when the file is not a manifest.
   */
  static async load(path: string, signer: SigningKey): Promise<BackupManifest> {
    const empty = BackupManifest.empty(path, signer);
    const key = empty.#key;
    const kid = empty.#signer;
    const bytes = await readPrivateFile(path, MAX_MANIFEST_BYTES);
    if (!bytes) return empty;
    const bad = (why: string): never => {
      throw new DareError('MALFORMED', `${path}: not a backup manifest (${why}); remove it to start a new one`);
    };
    let root;
    try {
      root = decodeJson(fromUtf8(bytes), { strict: true, maxDepth: 6 });
    } catch (e) {
      return bad(e instanceof Error ? e.message : 'not JSON');
    }
    const o = isJsonObject(root) ? root[TAG] : undefined;
    if (!isJsonObject(o) || o.Version !== VERSION) return bad(`expected {"${TAG}": {"Version": ${VERSION}, ...}}`);
    if (o.Signer !== kid) {
      empty.stale = 'it was kept for another signing key';
      return empty;
    }
    const size = o.TreeSize;
    const apex = o.Apex;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1 || typeof apex !== 'string' || !isJsonObject(o.Entries)) return bad('TreeSize, Apex or Entries');
    const entries = new Map<string, string[]>();
    for (const [k, v] of Object.entries(o.Entries)) {
      if (!Array.isArray(v) || v.length < 1 || v.length > 2 || !v.every((x) => typeof x === 'string')) return bad(`entry ${k}`);
      entries.set(k, v as string[]);
    }
    return new BackupManifest(path, key, kid, entries, { treeSize: size, apex: base64urlDecode(apex) });
  }

  /** A manifest with no entries (a new archive), saved at `path` when the session finishes. */
  static empty(path: string, signer: SigningKey): BackupManifest {
    // A key of its own: the manifest's MACs are not signatures and say nothing to anyone else.
    const key = hkdf('sha256', signer.privateKey, utf8('dare/backup-manifest/v1'), signer.publicKey, 32);
    return new BackupManifest(path, key, keyFingerprint(signer.crv, signer.publicKey), new Map());
  }

  /** Entries recorded. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Keeps the entries only when the archive is as this host left it (`state` is its last
   * frame now); else sets them aside (`stale` says why) and the session sends everything.
   */
  startFrom(state: ArchiveState): void {
    const s = this.#state;
    if (s === undefined || this.#entries.size === 0) return;
    if (s.treeSize === state.treeSize && equalBytes(s.apex, state.apex)) return;
    this.stale = s.treeSize < state.treeSize
      ? `the archive has ${state.treeSize - s.treeSize} frames this host did not write since its last append (a new index, deletions, other writers)`
      : s.treeSize > state.treeSize ? 'the archive is shorter than this host left it (cut back?)' : 'the archive is not the one this host left';
    this.#entries = new Map();
  }

  /** Sets the entries aside: the session sends everything and records it anew (`why` for the note). */
  clear(why: string): void {
    if (this.#entries.size) this.stale = why;
    this.#entries = new Map();
  }

  #mac(...parts: string[]): string {
    return base64urlEncode(getBackend().hmac('sha256', this.#key, utf8(parts.join('\0'))));
  }

  /**
   * True when this host sent exactly this entry (path, kind, size, mode, time, link target
   * and, for a file, content) in a session the archive still ends with. `digest` (SHA-256 of
   * the content) is computed only when everything else matches.
   */
  async unchanged(meta: EntryMeta, digest: () => Promise<Uint8Array>): Promise<boolean> {
    const e = this.#entries.get(this.#mac('path', meta.path));
    if (!e || e[0] !== this.#mac('meta', metaText(meta))) return false;
    if (meta.kind !== 'file') return true;
    return e[1] !== undefined && e[1] === this.#mac('content', metaText(meta), base64urlEncode(await digest()));
  }

  /** Records an entry this session sent (`digest`: SHA-256 of a file's content). */
  record(meta: EntryMeta, digest?: Uint8Array): void {
    const v = [this.#mac('meta', metaText(meta))];
    if (meta.kind === 'file' && digest) v.push(this.#mac('content', metaText(meta), base64urlEncode(digest)));
    this.#entries.set(this.#mac('path', meta.path), v);
  }

  /** Writes the manifest (atomically, 0600) for the archive state the session left. */
  async save(state: ArchiveState): Promise<void> {
    this.#state = state;
    const o: JsonObject = {
      [TAG]: {
        Version: VERSION, Signer: this.#signer, TreeSize: state.treeSize, Apex: base64urlEncode(state.apex),
        Entries: Object.fromEntries(this.#entries),
      },
    };
    await writePrivateFile(this.path, utf8(encodeJson(o) + '\n'));
  }
}
