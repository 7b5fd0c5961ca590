/**
 * Reading and verifying a DARE log (docs/FORMAT.md §10) on top of
 * {@link SequenceReader}: entries by number or range (O(log² n) frames to find the
 * first, then forwards), decrypted and checked (digest and MAC) when a key is given,
 * and a full verification of every frame, the Merkle tree and the signatures.
 * @module
 */
import { DareError } from '../errors.js';
import { SequenceReader, type SequenceReadOptions } from '../sequence/reader.js';
import type { FrameView } from '../sequence/frames.js';
import { verifySequence, type VerifyOptions, type VerifyReport } from '../sequence/verify.js';
import type { SequencePolicy } from '../sequence/policy.js';
import { checkEntryNumber, MAX_ENTRY_BYTES } from './format.js';
import { assertLogHeader } from './writer.js';

export type LogReadOptions = SequenceReadOptions;

/** One entry as read. */
export interface LogEntry {
  /** The entry number (its frame index, ≥ 1). */
  readonly index: number;
  readonly encrypted: boolean;
  /** False when the entry is encrypted and no key opened it: no data and no time. */
  readonly opened: boolean;
  /** ContentMeta Created: when it was appended (RFC 3339). */
  readonly created?: string;
  /** The entry's bytes, checked against its PayloadDigest (and MAC when encrypted). */
  readonly data?: Uint8Array;
}

export interface LogVerifyReport extends VerifyReport {
  /** Entries in the log (data frames after frame 0). */
  readonly entries: number;
  /** Number of the last entry (0 when there is none). */
  readonly lastEntry: number;
}

export class LogReader {
  readonly path: string;
  readonly sequence: SequenceReader;

  private constructor(path: string, sequence: SequenceReader) {
    this.path = path;
    this.sequence = sequence;
  }

  /** Opens a log; HEADER_MALFORMED unless frame 0 marks a log. A torn tail is reported, not read. */
  static async open(path: string, options: LogReadOptions = {}): Promise<LogReader> {
    const seq = await SequenceReader.open(path, options);
    try {
      assertLogHeader(seq.first.header, path);
    } catch (e) {
      await seq.close();
      throw e;
    }
    return new LogReader(path, seq);
  }

  get policy(): SequencePolicy {
    return this.sequence.policy;
  }

  get encrypted(): boolean {
    return this.policy.encryptKeys.length > 0 || this.policy.secretKid !== undefined;
  }

  /** Number of the last entry (the last intact frame's index; 0 when there is none). */
  get lastEntry(): number {
    return this.sequence.last.index;
  }

  get tornBytes(): number {
    return this.sequence.tornBytes;
  }

  async close(): Promise<void> {
    await this.sequence.close();
  }

  /** Entry `n`; NOT_FOUND when there is no such entry (past the end, or frame n is a meta frame). */
  async entry(n: number): Promise<LogEntry> {
    checkEntryNumber(n);
    if (n > this.lastEntry) throw new DareError('NOT_FOUND', `no entry ${n}: the log ends at entry ${this.lastEntry}`);
    const view = await this.sequence.frame(n);
    if (view.isMeta) throw new DareError('NOT_FOUND', `no entry ${n}: frame ${n} is a meta frame`);
    return this.read(view);
  }

  /** Entries `from` to `to` (inclusive, clipped to the last entry), in order; meta frames skipped. */
  async *entries(from = 1, to = this.lastEntry): AsyncGenerator<LogEntry> {
    checkEntryNumber(from, '"from"');
    const end = Math.min(to, this.lastEntry);
    if (from > end) return;
    for await (const view of this.sequence.frames(from)) {
      if (view.index > end) return;
      if (!view.isMeta) yield await this.read(view);
    }
  }

  private async read(view: FrameView): Promise<LogEntry> {
    const opened = await this.sequence.open(view);
    if (!opened.opened) return { index: view.index, encrypted: true, opened: false };
    const data = await this.sequence.readPayload(opened, MAX_ENTRY_BYTES);
    return { index: view.index, encrypted: opened.encrypted, opened: true, created: opened.contentMeta?.created, data };
  }

  /**
   * Verifies every frame (index, TreePosition, PayloadDigest, MAC when a key opens it),
   * the Merkle tree and every signature; with trusted signers in the options, the last
   * frame must carry a trusted signature over the apex. A torn tail is reported in
   * `tornBytes`, not an error here.
   */
  async verify(onEntry?: (index: number) => void, options: Omit<VerifyOptions, 'onFrame'> = {}): Promise<LogVerifyReport> {
    const report = await verifySequence(this.sequence, {
      ...options,
      unit: 'entry',
      onFrame: (i, isMeta) => {
        if (!isMeta && i > 0) onEntry?.(i);
      },
    });
    return { ...report, entries: report.frames - 1 - report.metaFrames, lastEntry: this.lastEntry };
  }
}
