/**
 * The journal of a mirror: DEST/journal.dares, an encrypted DARE Merkle sequence
 * (lib/sequence) with one data frame per change and a sealed meta frame (signed
 * with --sign) at every checkpoint. Reading it verifies every frame (digest, MAC,
 * Merkle tree, signatures) before any entry is used.
 * @module
 */
import type { RecipientKey, SigningKey, VerificationKey, DecryptionKey } from '../lib/index.js';
import { DareError, SequenceReader, verifySequence, type SequencePolicy, type SignatureCheck } from '../lib/index.js';
import { decodeCheckpoint, decodeEntry, FolderState, type Checkpoint, type Entry } from './entries.js';

export const JOURNAL_FILE = 'journal.dares';
export const JOURNAL_CONTENT_TYPE = 'application/dare-watch-journal';

/** Keys of a mirror: what new data is encrypted to, what reads it, who signs. */
export interface MirrorKeys {
  readonly recipients?: readonly RecipientKey[];
  readonly secret?: Uint8Array;
  readonly decryptionKeys?: readonly DecryptionKey[];
  readonly signer?: SigningKey;
  /** Restore and status: signatures by these keys are trusted (and required). */
  readonly trustedSigners?: readonly VerificationKey[];
}

export interface JournalFrame {
  readonly index: number;
  readonly entry?: Entry;
  readonly checkpoint?: Checkpoint;
}

export interface JournalRead {
  readonly frames: JournalFrame[];
  readonly policy: SequencePolicy;
  /** Index of the last frame. */
  readonly last: number;
  readonly tornBytes: number;
  /** Index of the last frame carrying a valid (trusted, when signers are given) signature, or -1. */
  readonly lastSigned: number;
  /** Kid of the signer of `lastSigned`. */
  readonly signedBy?: string;
}

function readOptions(keys: MirrorKeys) {
  return { keys: keys.decryptionKeys ?? [], secrets: keys.secret ? [keys.secret] : [] };
}

/**
 * Reads and verifies the whole journal. Entries are small, so they are kept in
 * memory (a folder of N files has about N entries plus its history).
 */
export async function readJournal(path: string, keys: MirrorKeys): Promise<JournalRead> {
  const reader = await SequenceReader.open(path, readOptions(keys));
  try {
    const report = await verifySequence(reader).catch((e: unknown) => {
      if (e instanceof DareError && e.code === 'NO_MATCHING_KEY') throw new DareError(e.code, `${path}: the key given does not open the journal (${e.message})`, { cause: e });
      throw e;
    });
    if (report.unopened > 0) throw new DareError('NO_MATCHING_KEY', `${path}: the key given does not open the journal (give the identity or the secret the mirror is encrypted to)`);
    // verifySequence ran without trusted keys (it would demand a signature on the last frame):
    // a valid signature counts here when its key is one of the trusted keys (and it is not a legacy
    // signature without a purpose, which may have been made for something else), or any valid one without them.
    const trusted = keys.trustedSigners ?? [];
    const isTrusted = (s: SignatureCheck) => s.status === 'valid'
      && (trusted.length === 0 || (!s.legacy && trusted.some((k) => k.crv === s.crv && s.publicKey !== undefined && Buffer.from(k.publicKey).equals(s.publicKey))));
    const last = [...report.signatures].reverse().find(isTrusted);
    const lastSigned = last?.frame ?? -1;
    const signedBy = last?.kid;
    const frames: JournalFrame[] = [];
    for await (const view of reader.frames(1)) {
      const opened = await reader.open(view);
      const payload = await reader.readPayload(opened, 1 << 20);
      if (view.isMeta) frames.push({ index: view.index, checkpoint: decodeCheckpoint(payload) });
      else {
        try {
          frames.push({ index: view.index, entry: decodeEntry(payload) });
        } catch (e) {
          if (e instanceof DareError) throw new DareError(e.code, `journal entry ${view.index}: ${e.message}`, { cause: e });
          throw e;
        }
      }
    }
    return { frames, policy: reader.policy, last: reader.last.index, tornBytes: reader.tornBytes, lastSigned, signedBy };
  } finally {
    await reader.close();
  }
}

/** Replays the entries of frames 1..`upTo` (all by default). */
export function replay(frames: readonly JournalFrame[], upTo = Infinity): FolderState {
  const s = new FolderState();
  for (const f of frames) {
    if (f.index > upTo) break;
    if (f.entry) s.apply(f.entry, f.index);
  }
  return s;
}

/** Every object name any entry refers to (the history keeps them alive). */
export function referencedObjects(frames: readonly JournalFrame[]): Set<string> {
  const out = new Set<string>();
  for (const f of frames) if (f.entry && (f.entry.op === 'put' || f.entry.op === 'rename')) out.add(f.entry.object);
  return out;
}

/** The last checkpoint frame, if any. */
export function lastCheckpoint(frames: readonly JournalFrame[]): (Checkpoint & { index: number }) | undefined {
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i];
    if (f?.checkpoint) return { ...f.checkpoint, index: f.index };
  }
  return undefined;
}
