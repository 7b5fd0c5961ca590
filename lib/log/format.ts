/**
 * DARE logs (docs/FORMAT.md §10): an append-only Merkle sequence
 * (draft-hallambaker-mesh-dare-12 §1.3.1 "Merkle", §7.2 spools and transaction logs)
 * whose frames after frame 0 are entries.
 *
 * - Frame 0 carries the policy (recipients, shared secret id, signers) and the content
 *   type {@link LOG_CONTENT_TYPE}, which marks the sequence as a log.
 * - Entry n is frame n (n ≥ 1): the payload is the entry's bytes exactly, the time it
 *   was appended is ContentMeta `Created` (RFC 3339, UTC). Encrypted logs carry the
 *   metadata in the cloaked EDS, so times are as secret as the text (FORMAT.md §2).
 * - Meta frames (IsMeta) are not entries; this writer does not make any, because the
 *   apex signature of a session goes into the trailer of its last entry.
 * @module
 */
import { DareError } from '../errors.js';

/** ContentMeta `cty` of frame 0 of a log. */
export const LOG_CONTENT_TYPE = 'application/x-dare-log';

/**
 * Largest entry written or read whole (16 MiB): `show` and `prove` hold one entry in
 * memory, and a stdin line is buffered until its end.
 */
export const MAX_ENTRY_BYTES = 16 << 20;

/** Entry numbers are frame indexes: 1, 2, ... */
export function checkEntryNumber(n: unknown, what = 'entry number'): asserts n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
    throw new DareError('MALFORMED', `${what} must be an integer of at least 1 (frame 0 is the log's header), got ${String(n)}`);
  }
}
