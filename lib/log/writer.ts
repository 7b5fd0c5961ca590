/**
 * Appending to a DARE log (docs/FORMAT.md §10) on top of {@link SequenceWriter}:
 * one writer session is one key exchange (draft-hallambaker-mesh-dare-12 §1.3.3), writes
 * are buffered and synced once at {@link LogWriter.close}, and a signed log ends every
 * session with a signature over the apex in the trailer of the session's last entry.
 * To know which entry is last, a signing writer holds one entry back until the next
 * append or close.
 * @module
 */
import { DareError } from '../errors.js';
import { equalBytes, utf8 } from '../internal/bytes.js';
import type { RecipientKey, SigningKey } from '../keys/types.js';
import { SequenceWriter } from '../sequence/writer.js';
import { readFrameView } from '../sequence/frames.js';
import { FileReader } from '../platform/file.js';
import { decodeContentMeta } from '../envelope/content-meta.js';
import { masterKeyId } from '../envelope/keyschedule.js';
import type { DareHeader } from '../envelope/schema.js';
import { LOG_CONTENT_TYPE, MAX_ENTRY_BYTES } from './format.js';

export interface LogCreateOptions {
  /** Encrypt every entry to these keys (stored in the policy: later appends need no key). */
  recipients?: readonly RecipientKey[];
  /** Encrypt every entry under this shared secret (needed again to append). */
  secret?: Uint8Array;
  /** Sign the apex at the end of every session; the public key goes into the policy. */
  signer?: SigningKey;
}

export interface LogOpenOptions {
  /** The shared secret of a log encrypted under one. */
  secret?: Uint8Array;
  /** One of the log's signers (policy SignKeys): sign the apex when the session ends. */
  signer?: SigningKey;
}

export interface LogAppendOptions {
  /** Time recorded as the entry's ContentMeta Created (default: now). */
  created?: Date;
}

export interface LogSession {
  /** Entries written in this session. */
  readonly appended: number;
  /** Number of the first and last entry written, when any. */
  readonly first?: number;
  readonly last?: number;
  /** TreeDigest after the last frame written (the apex), when any. */
  readonly apex?: Uint8Array;
  /** True when the last entry of the session carries a signature over the apex. */
  readonly signed: boolean;
}

type EntryInput = Uint8Array | string;

function entryBytes(e: EntryInput): Uint8Array {
  const b = typeof e === 'string' ? utf8(e) : e;
  if (!(b instanceof Uint8Array)) throw new TypeError('a log entry is a string or a Uint8Array');
  if (b.length > MAX_ENTRY_BYTES) throw new DareError('LIMIT_EXCEEDED', `a log entry is limited to ${MAX_ENTRY_BYTES} bytes, got ${b.length}`);
  return b;
}

export class LogWriter {
  readonly path: string;
  /** Bytes of a torn tail (an interrupted append) cut off when the log was opened. */
  readonly tornBytes: number;
  /** Number of the last entry in the file when it was opened (0 for none). */
  readonly lastAtOpen: number;
  readonly #seq: SequenceWriter;
  readonly #signing: boolean;
  #pending?: { bytes: Uint8Array; created: string };
  #appended = 0;
  #first?: number;
  #last?: number;
  #closed = false;

  private constructor(path: string, seq: SequenceWriter, signing: boolean) {
    this.path = path;
    this.#seq = seq;
    this.#signing = signing;
    this.tornBytes = seq.tornBytes;
    this.lastAtOpen = seq.frameCount - 1;
  }

  /** Creates a new log file (OUTPUT_EXISTS if the path exists) holding only frame 0. */
  static async create(path: string, options: LogCreateOptions = {}): Promise<LogWriter> {
    if (options.recipients?.length && options.secret) throw new RangeError('encrypt to recipients or under a shared secret, not both');
    const seq = await SequenceWriter.create(path, {
      type: 'Merkle', recipients: options.recipients, secret: options.secret, signer: options.signer,
      contentMeta: { contentType: LOG_CONTENT_TYPE, created: new Date().toISOString() },
    });
    return new LogWriter(path, seq, options.signer !== undefined);
  }

  /**
   * Opens a log for appending. A torn tail is cut first ({@link tornBytes}). A signer
   * must be one of the log's signers (KEY_INVALID otherwise); without one, the new
   * entries stay unsigned until a later session signs.
   */
  static async open(path: string, options: LogOpenOptions = {}): Promise<LogWriter> {
    // Checked before SequenceWriter.open, which cuts a torn tail: never touch a file that is not a log.
    await checkIsLog(path);
    const seq = await SequenceWriter.open(path, { secret: options.secret, signer: options.signer });
    try {
      const policy = seq.policy;
      if (policy.secretKid !== undefined) {
        if (!options.secret) throw new DareError('NO_MATCHING_KEY', 'the log is encrypted under a shared secret: give the secret to append');
        if (masterKeyId(options.secret) !== policy.secretKid) throw new DareError('NO_MATCHING_KEY', 'the secret given is not the one the log is encrypted under');
      }
      const signer = options.signer;
      if (signer && !policy.signKeys.some((k) => k.crv === signer.crv && equalBytes(k.publicKey, signer.publicKey))) {
        throw new DareError('KEY_INVALID', policy.signKeys.length
          ? 'the signing key is not one of the log\'s signers'
          : 'the log names no signers: it was created without a signing key');
      }
    } catch (e) {
      await seq.close();
      throw e;
    }
    return new LogWriter(path, seq, options.signer !== undefined);
  }

  /** True when the log's policy names signers. */
  get signedLog(): boolean {
    return this.#seq.policy.signKeys.length > 0;
  }

  get encrypted(): boolean {
    const p = this.#seq.policy;
    return p.encryptKeys.length > 0 || p.secretKid !== undefined;
  }

  /** Number the next entry appended gets. */
  get nextEntry(): number {
    return this.#seq.frameCount + (this.#pending ? 1 : 0);
  }

  /** Appends one entry; resolves to its number. */
  async append(entry: EntryInput, options: LogAppendOptions = {}): Promise<number> {
    if (this.#closed) throw new RangeError('the log writer is closed');
    const bytes = entryBytes(entry);
    const created = (options.created ?? new Date()).toISOString();
    const n = this.nextEntry;
    if (this.#signing) {
      // Held back: the session's last entry is written with the signature at close().
      const previous = this.#pending;
      this.#pending = { bytes, created };
      if (previous) await this.#write(previous.bytes, previous.created, false);
    } else {
      await this.#write(bytes, created, false);
    }
    this.#first ??= n;
    this.#last = n;
    this.#appended++;
    return n;
  }

  /** Appends every entry of `entries` in this session; resolves to the numbers written. */
  async appendMany(entries: Iterable<EntryInput> | AsyncIterable<EntryInput>, onEntry?: (n: number) => void): Promise<{ first?: number; last?: number; count: number }> {
    let first: number | undefined;
    let last: number | undefined;
    let count = 0;
    for await (const e of entries) {
      last = await this.append(e);
      first ??= last;
      count++;
      onEntry?.(last);
    }
    return { first, last, count };
  }

  async #write(bytes: Uint8Array, created: string, sign: boolean): Promise<void> {
    await this.#seq.append(bytes, { contentMeta: { created }, sign });
  }

  /**
   * Ends the session: writes the held-back entry with the apex signature (signed
   * logs), syncs the file once and closes it.
   */
  async close(): Promise<LogSession> {
    if (this.#closed) throw new RangeError('the log writer is closed');
    this.#closed = true;
    let signed = false;
    try {
      const p = this.#pending;
      this.#pending = undefined;
      if (p) {
        await this.#write(p.bytes, p.created, true);
        signed = true;
      }
    } finally {
      await this.#seq.close();
    }
    return { appended: this.#appended, first: this.#first, last: this.#last, apex: this.#seq.apex, signed };
  }
}

/** Frame 0 must name the log content type, so that text is never appended to an archive. */
async function checkIsLog(path: string): Promise<void> {
  const r = await FileReader.open(path);
  try {
    if ((await r.size()) === 0) throw new DareError('TRUNCATED', `${path} is empty`);
    assertLogHeader((await readFrameView(r, 0)).header, path);
  } finally {
    await r.close();
  }
}

/** Checks that frame 0's header marks a log (a Merkle sequence with ContentMeta cty {@link LOG_CONTENT_TYPE}). */
export function assertLogHeader(header: DareHeader, path: string): void {
  const info = header.sequenceInfo;
  const meta = header.contentMetaData && decodeContentMeta(header.contentMetaData);
  if (info?.index !== 0 || info.containerType !== 'Merkle' || meta?.contentType !== LOG_CONTENT_TYPE) {
    throw new DareError('HEADER_MALFORMED', `${path} is not a dare log (frame 0 is not a Merkle sequence marked ${LOG_CONTENT_TYPE})`);
  }
}
