/**
 * Appending to a DARE log (docs/FORMAT.md §10) on top of {@link SequenceWriter}:
 * one writer session is one key exchange (draft-hallambaker-mesh-dare-12 §1.3.3), writes
 * are buffered and synced at {@link LogWriter.checkpoint} and {@link LogWriter.close}, and
 * a signed log ends every session, and every checkpoint, with a signature over the apex in
 * the trailer of the last entry written. To know which entry is last, a signing writer
 * holds one entry back until the next append, checkpoint or close. No meta frames are
 * written: entry n stays frame n.
 * @module
 */
import { DareError } from '../errors.js';
import { equalBytes, utf8 } from '../internal/bytes.js';
import type { RecipientKey, SigningKey, VerificationKey } from '../keys/types.js';
import type { TrustReport } from '../sequence/trust.js';
import { SequenceWriter } from '../sequence/writer.js';
import { readFrameView } from '../sequence/frames.js';
import { readPolicy, type SequencePolicy } from '../sequence/policy.js';
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
  /**
   * Keys whose signatures vouch for the log (with the signer's own): the log's policy (the
   * keys entries are encrypted to) is followed only when one of them signed it
   * (lib/sequence/trust.ts), or when it names exactly `recipients`.
   */
  trustedSigners?: readonly VerificationKey[];
  /** The keys entries are encrypted to, given again: the policy must name exactly these (MISMATCH otherwise). */
  recipients?: readonly RecipientKey[];
  /** Sign over entries after the last trusted signature that this session did not write (after reviewing them). */
  adopt?: boolean;
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
  /** Checkpoints that wrote something (entries written out and synced) before the end of the session. */
  readonly checkpoints: number;
}

/** What a {@link LogWriter.checkpoint} left on disk. */
export interface LogCheckpoint {
  /** False when nothing was appended since the last checkpoint (nothing was written or synced). */
  readonly wrote: boolean;
  /** Number of the last entry on disk (synced), 0 when the log holds none. */
  readonly last: number;
  /** True when that entry was written in this session with a signature over the apex. */
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
  /** Entries appended since the last checkpoint (written out or held back, not yet synced). */
  #unsynced = 0;
  /** True when the last frame written in this session carries the apex signature. */
  #lastSigned = false;
  #checkpoints = 0;
  /** Operations run one at a time, in call order (a timer's checkpoint never interleaves with an append). */
  #queue: Promise<unknown> = Promise.resolve();

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
      // Signed from frame 0 on: a signed append vouches only for what a trusted signature covers.
      signFirst: options.signer !== undefined,
    });
    return new LogWriter(path, seq, options.signer !== undefined);
  }

  /**
   * Opens a log for appending. A torn tail is cut first ({@link tornBytes}). A signer
   * must be one of the log's signers (KEY_INVALID otherwise); without one, the new
   * entries stay unsigned until a later session signs. What the writer trusts
   * (lib/sequence/trust.ts): a signing session refuses (SIGNATURE_INVALID) when entries
   * follow the last signature by a trusted key, unless `adopt`; entries are encrypted to
   * the policy's keys only when a trusted signature covers the policy, or to `recipients`.
   */
  static async open(path: string, options: LogOpenOptions = {}): Promise<LogWriter> {
    // Checked before SequenceWriter.open, which cuts a torn tail: never touch a file that is not a
    // log, and name a wrong key or secret before what the writer trusts.
    const policy = await checkIsLog(path);
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
    const seq = await SequenceWriter.open(path, {
      secret: options.secret, signer: options.signer, recipients: options.recipients,
      trust: { trustedSigners: options.trustedSigners, adopt: options.adopt }, name: path,
    });
    return new LogWriter(path, seq, options.signer !== undefined);
  }

  /** What opening found about trust: the last entry a trusted key signed, entries adopted. */
  get trust(): TrustReport | undefined {
    return this.#seq.trust;
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

  /** Runs `op` after every operation called before it has settled. */
  #serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(op);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Entries appended since the last checkpoint: lost if the process dies now. */
  get unsynced(): number {
    return this.#unsynced;
  }

  /** Appends one entry; resolves to its number. */
  async append(entry: EntryInput, options: LogAppendOptions = {}): Promise<number> {
    if (this.#closed) throw new RangeError('the log writer is closed');
    const bytes = entryBytes(entry);
    const created = (options.created ?? new Date()).toISOString();
    return this.#serial(async () => {
      const n = this.nextEntry;
      if (this.#signing) {
        // Held back: the last entry before a checkpoint or close is written with the signature.
        const previous = this.#pending;
        this.#pending = { bytes, created };
        if (previous) await this.#write(previous.bytes, previous.created, false);
      } else {
        await this.#write(bytes, created, false);
      }
      this.#first ??= n;
      this.#last = n;
      this.#appended++;
      this.#unsynced++;
      return n;
    });
  }

  /**
   * Makes every entry appended so far durable without ending the session: writes the
   * held-back entry (with the signature over the apex when signing, so the log verifies
   * with its signer right after), writes out the buffered frames and fsyncs the file.
   * The session goes on (same key exchange); the next append is held back again. A
   * process killed after a checkpoint loses only the entries appended after it (their
   * frames may be left whole or torn; the next open cuts a torn tail). Does nothing when
   * nothing was appended since the last checkpoint.
   */
  async checkpoint(): Promise<LogCheckpoint> {
    if (this.#closed) throw new RangeError('the log writer is closed');
    return this.#serial(async () => {
      if (this.#unsynced === 0) return { wrote: false, last: this.#seq.frameCount - 1, signed: this.#lastSigned };
      await this.#writePending();
      await this.#seq.flush();
      this.#unsynced = 0;
      this.#checkpoints++;
      return { wrote: true, last: this.#seq.frameCount - 1, signed: this.#lastSigned };
    });
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
    // Cleared first: if the write fails, the frame on file (if any) is not a signed one.
    this.#lastSigned = false;
    await this.#seq.append(bytes, { contentMeta: { created }, sign });
    this.#lastSigned = sign;
  }

  /** Writes the held-back entry, signed over the apex. */
  async #writePending(): Promise<void> {
    const p = this.#pending;
    this.#pending = undefined;
    if (p) await this.#write(p.bytes, p.created, true);
  }

  /**
   * Ends the session: writes the held-back entry with the apex signature (signed
   * logs), syncs the file and closes it. Waits for operations already called.
   */
  async close(): Promise<LogSession> {
    if (this.#closed) throw new RangeError('the log writer is closed');
    this.#closed = true;
    return this.#serial(async () => {
      try {
        await this.#writePending();
      } finally {
        await this.#seq.close();
      }
      this.#unsynced = 0;
      return {
        appended: this.#appended, first: this.#first, last: this.#last, apex: this.#seq.apex,
        signed: this.#appended > 0 && this.#lastSigned, checkpoints: this.#checkpoints,
      };
    });
  }
}

/** Frame 0 must name the log content type, so that text is never appended to an archive; its policy. */
async function checkIsLog(path: string): Promise<SequencePolicy> {
  const r = await FileReader.open(path);
  try {
    if ((await r.size()) === 0) throw new DareError('TRUNCATED', `${path} is empty`);
    const header = (await readFrameView(r, 0)).header;
    assertLogHeader(header, path);
    return readPolicy(header.policy);
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
