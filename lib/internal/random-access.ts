/**
 * Random access to a byte source: what frame, sequence and archive readers read through,
 * over a file (lib/platform/file.ts) or bytes in memory. The lowest layer, so that the
 * platform and the formats share it without importing each other.
 * @module
 */

/** Random access to a byte source (a file, a buffer). */
export interface RandomAccessReader {
  size(): Promise<number>;
  /** Exactly `length` bytes at `position`, or fewer only at the end of the source. */
  read(position: number, length: number): Promise<Uint8Array>;
}

/** An in-memory {@link RandomAccessReader}; reads return views, not copies. */
export class MemoryReader implements RandomAccessReader {
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
  async size(): Promise<number> {
    return this.bytes.length;
  }
  async read(position: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(position) || !Number.isSafeInteger(length) || position < 0 || length < 0) {
      throw new RangeError('read position and length must be non-negative integers');
    }
    return this.bytes.subarray(position, Math.min(this.bytes.length, position + length));
  }
}
