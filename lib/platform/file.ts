/**
 * Files for sequences on Node: a buffered random-access reader (the
 * {@link RandomAccessReader} of JBCD frames) and an appender that writes whole
 * frames, fsyncs, and can cut a torn tail (draft-hallambaker-mesh-dare-12 §1.3.2,
 * §8.1). The only place sequences touch `node:fs`.
 * @module
 */
import { open, type FileHandle } from 'node:fs/promises';
import { DareError } from '../errors.js';
import { fileError as ioError } from './fs-error.js';
import type { RandomAccessReader } from '../internal/random-access.js';

const BLOCK = 64 * 1024;

/**
 * Random access to a file, with a one-block cache so that walking frames (many
 * small reads of tags and lengths) costs few system calls. Large reads bypass it.
 */
export class FileReader implements RandomAccessReader {
  readonly path: string;
  private readonly handle: FileHandle;
  private length: number;
  private cacheStart = -1;
  private cache: Uint8Array = new Uint8Array(0);

  private constructor(path: string, handle: FileHandle, length: number) {
    this.path = path;
    this.handle = handle;
    this.length = length;
  }

  static async open(path: string): Promise<FileReader> {
    try {
      const h = await open(path, 'r');
      const st = await h.stat();
      if (!st.isFile()) {
        await h.close();
        throw new DareError('IO', `${path}: not a regular file`);
      }
      return new FileReader(path, h, st.size);
    } catch (e) {
      throw e instanceof DareError ? e : ioError(e, path);
    }
  }

  async size(): Promise<number> {
    return this.length;
  }

  /** Re-reads the file length (after an appender wrote to it). */
  async refresh(): Promise<void> {
    this.length = (await this.handle.stat()).size;
    this.cacheStart = -1;
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(position) || !Number.isSafeInteger(length) || position < 0 || length < 0) {
      throw new RangeError('read position and length must be non-negative integers');
    }
    const n = Math.max(0, Math.min(length, this.length - position));
    if (n === 0) return new Uint8Array(0);
    if (this.cacheStart >= 0 && position >= this.cacheStart && position + n <= this.cacheStart + this.cache.length) {
      return this.cache.subarray(position - this.cacheStart, position - this.cacheStart + n);
    }
    if (n >= BLOCK) return this.readRaw(position, n);
    const start = position;
    this.cache = await this.readRaw(start, Math.min(BLOCK, this.length - start));
    this.cacheStart = start;
    return this.cache.subarray(0, n);
  }

  private async readRaw(position: number, n: number): Promise<Uint8Array> {
    const buf = new Uint8Array(n);
    let done = 0;
    while (done < n) {
      const { bytesRead } = await this.handle.read(buf, done, n - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === n ? buf : buf.subarray(0, done);
  }

  /** Streams `length` bytes from `position` in pieces of up to 1 MiB. */
  async *stream(position: number, length: number): AsyncGenerator<Uint8Array> {
    let left = length;
    let p = position;
    while (left > 0) {
      const piece = await this.readRaw(p, Math.min(left, 1 << 20));
      if (piece.length === 0) throw new DareError('TRUNCATED', `${this.path}: file ends at offset ${p}`);
      yield piece;
      p += piece.length;
      left -= piece.length;
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/**
 * Appends to a file. Bytes are buffered and written in large writes; `flush`
 * writes them, `sync` also fsyncs. A crash leaves at most a torn tail, which
 * `truncate` cuts off on the next open.
 */
export class FileAppender {
  readonly path: string;
  private readonly handle: FileHandle;
  private position: number;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  private constructor(path: string, handle: FileHandle, position: number) {
    this.path = path;
    this.handle = handle;
    this.position = position;
  }

  /** Opens for appending; `create` makes a new file and fails if one exists. */
  static async open(path: string, create: boolean, mode = 0o644): Promise<FileAppender> {
    try {
      const h = await open(path, create ? 'wx' : 'r+', mode);
      const st = await h.stat();
      return new FileAppender(path, h, st.size);
    } catch (e) {
      throw ioError(e, path);
    }
  }

  /** Where the next byte goes. */
  get end(): number {
    return this.position + this.pendingBytes;
  }

  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
  }

  /** Bytes written but not flushed yet. */
  get buffered(): number {
    return this.pendingBytes;
  }

  /** Writes a stream straight through (for large payloads), flushing what is pending first. */
  async writeStream(source: AsyncIterable<Uint8Array>): Promise<number> {
    await this.flush();
    let n = 0;
    for await (const piece of source) {
      this.write(piece);
      n += piece.length;
      if (this.pendingBytes >= 1 << 20) await this.flush();
    }
    return n;
  }

  async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const parts = this.pending;
    this.pending = [];
    let p = this.position;
    this.position += this.pendingBytes;
    this.pendingBytes = 0;
    const batch = coalesce(parts);
    try {
      for (const part of batch) {
        let done = 0;
        while (done < part.length) {
          const { bytesWritten } = await this.handle.write(part, done, part.length - done, p + done);
          done += bytesWritten;
        }
        p += part.length;
      }
    } catch (e) {
      throw ioError(e, this.path);
    }
  }

  async sync(): Promise<void> {
    await this.flush();
    await this.handle.sync();
  }

  /** Cuts the file at `length` (a torn tail), before anything new is written. */
  async truncate(length: number): Promise<void> {
    await this.flush();
    await this.handle.truncate(length);
    this.position = length;
  }

  async close(): Promise<void> {
    try {
      await this.sync();
    } finally {
      await this.handle.close();
    }
  }
}

/**
 * Runs of small parts (headers, trailers, small payloads: many per frame) joined into
 * one buffer each, so a flush is a few writes rather than one per part; large parts
 * are written as they are, without a copy.
 */
function coalesce(parts: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let run: Uint8Array[] = [];
  let runBytes = 0;
  const end = () => {
    if (run.length === 1) out.push(run[0] as Uint8Array);
    else if (run.length > 1) {
      const joined = new Uint8Array(runBytes);
      let o = 0;
      for (const r of run) {
        joined.set(r, o);
        o += r.length;
      }
      out.push(joined);
    }
    run = [];
    runBytes = 0;
  };
  for (const p of parts) {
    if (p.length >= BLOCK) {
      end();
      out.push(p);
    } else {
      run.push(p);
      runBytes += p.length;
    }
  }
  end();
  return out;
}
