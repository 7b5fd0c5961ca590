/**
 * The digest chain of a sequence (draft-hallambaker-mesh-dare-12 §4.2.1, ChainDigest),
 * as this project defines it over frame digests:
 *
 * - ChainDigest(0) = SHA-512(64 zero bytes || FD(0))
 * - ChainDigest(n) = SHA-512(ChainDigest(n - 1) || FD(n)) for n ≥ 1
 *
 * FD(n) (64 bytes) = SHA-512(SHA-512(header record bytes) || PayloadDigest), computed
 * elsewhere. A change to any frame changes the ChainDigest of it and of every later
 * frame, as §1.3.1 requires. The draft's §4.2.1 prose pairs only neighbouring payloads,
 * and its printed §14.2 value is SHA-512(64 zero bytes || PD) in every frame, a
 * generator bug (conformance/dare.md item 16, CONFORMANCE.md item 10); the 64 zero
 * bytes seed here is the reading of "H(null)" that matches the printed frame-0 case.
 * Appending costs one hash over a reused 128-byte scratch buffer.
 * @module
 */
import { getBackend } from '../crypto/backend-select.js';
import { aBytes, aInteger } from '../internal/bytes.js';

/** Length of frame digests and chain digests (SHA-512). */
const LENGTH = 64;

/** A running chain: {@link append} FD(n) and get ChainDigest(n). */
export class Chain {
  /** Previous chain digest (64 zero bytes before frame 0) followed by the next FD. */
  readonly #scratch = new Uint8Array(2 * LENGTH);
  #size: number | undefined = 0;
  #last: Uint8Array | undefined;

  /**
   * Frames chained so far; undefined after {@link Chain.resume} without a size
   * (from then on it stays undefined).
   */
  get size(): number | undefined {
    return this.#size;
  }

  /** Appends FD(n) and returns ChainDigest(n) (a fresh array). RangeError unless 64 bytes. */
  append(fd: Uint8Array): Uint8Array {
    aBytes(fd, 'fd', LENGTH);
    const s = this.#scratch;
    s.set(fd, LENGTH);
    const d = getBackend().hash('sha512', s);
    s.set(d, 0);
    this.#last = d;
    if (this.#size !== undefined) this.#size++;
    return d.slice();
  }

  /** ChainDigest of the last frame appended (or resumed from); undefined before any. */
  digest(): Uint8Array | undefined {
    return this.#last?.slice();
  }

  /**
   * Continues a chain whose last ChainDigest is `lastDigest` (read from the last
   * frame's trailer), `size` frames long if known. RangeError unless 64 bytes.
   */
  static resume(lastDigest: Uint8Array, size?: number): Chain {
    aBytes(lastDigest, 'lastDigest', LENGTH);
    if (size !== undefined) aInteger(size, 'size', 1, Number.MAX_SAFE_INTEGER);
    const c = new Chain();
    c.#scratch.set(lastDigest, 0);
    c.#last = lastDigest.slice();
    c.#size = size;
    return c;
  }
}

/** ChainDigest(0..n) of a whole list of frame digests, one per frame. */
export function chainDigests(fds: readonly Uint8Array[]): Uint8Array[] {
  if (!Array.isArray(fds)) throw new TypeError('"fds" expected an array');
  const c = new Chain();
  return fds.map((fd) => c.append(fd));
}

/** ChainDigest of the last frame of the list; undefined for an empty list. */
export function chainDigest(fds: readonly Uint8Array[]): Uint8Array | undefined {
  if (!Array.isArray(fds)) throw new TypeError('"fds" expected an array');
  const c = new Chain();
  for (const fd of fds) c.append(fd);
  return c.digest();
}
