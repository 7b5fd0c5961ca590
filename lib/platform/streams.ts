/**
 * Node streams where a library speaks them (tar-stream): a byte source piped into a
 * writable, and a write that waits when the writable asks to.
 * @module
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DareError } from '../errors.js';

/** Pipes `source` into `sink`; settles when the sink finished or either failed. */
export function feedStream(source: AsyncIterable<Uint8Array>, sink: NodeJS.WritableStream): Promise<void> {
  return pipeline(Readable.from(source, { objectMode: false }), sink);
}

/** A writable as node and streamx (tar-stream) both shape it. */
export interface DrainingSink {
  write(piece: Uint8Array): boolean;
  once(event: 'drain' | 'close' | 'error', listener: (e?: Error) => void): unknown;
}

/** Writes `piece` to `sink`, waiting for 'drain' when its buffer is full (an error or a close ends the wait). */
export async function writeOrWait(sink: DrainingSink, piece: Uint8Array): Promise<void> {
  if (sink.write(piece)) return;
  await new Promise<void>((resolve, reject) => {
    sink.once('drain', () => resolve());
    sink.once('close', () => resolve());
    sink.once('error', (e) => reject(e ?? new DareError('IO', 'the stream failed')));
  });
}
