/**
 * The process edges the CLI touches, injectable so that tests can run
 * commands in-process: standard streams, environment and terminal state.
 * @module
 */
import { createReadStream, promises as fs } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DareError, writeFileAtomic } from '../lib/index.js';

/**
 * yargs turns a bare `-` positional into `true`, so run() swaps every bare `-`
 * argument for this token before parsing; commands test paths with isStdio().
 */
export const STDIO_TOKEN = '\u2010stdio';

export function isStdio(path: string): boolean {
  return path === '-' || path === STDIO_TOKEN;
}

/** How a path is named in messages. */
export function displayPath(path: string): string {
  return isStdio(path) ? '-' : path;
}

/** The stop signals a command may be interrupted by. */
export type Signal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** How the CLI hears of and passes on signals; in-process runs get one that never fires. */
export interface SignalHooks {
  /** Calls `handler` when `signal` arrives, until the returned function is called. */
  on(signal: Signal, handler: (signal: Signal) => void): () => void;
  /**
   * Ends the process by `signal` after a handler cleaned up (so a shell sees the
   * interruption), unless someone else in the process still handles it.
   */
  raise(signal: Signal): void;
}

export interface Io {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: Record<string, string | undefined>;
  /** The directory relative paths are taken from (run() enters it for the command). */
  cwd: string;
  /** True when stderr is a terminal: progress is shown only then. */
  stderrIsTTY: boolean;
  /** True when stdin is a terminal (a passphrase prompt, not a pipe). */
  stdinIsTTY: boolean;
  /** Width of the terminal for --help (undefined: not a terminal). */
  columns?: number;
  signals: SignalHooks;
}

export const processSignals: SignalHooks = {
  on(signal, handler) {
    process.on(signal, handler);
    return () => process.off(signal, handler);
  },
  raise(signal) {
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  },
};

/** Signal hooks that never fire: for a command run inside another program (tests). */
export const noSignals: SignalHooks = {
  on: () => () => undefined,
  raise: () => undefined,
};

export function processIo(): Io {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    stdinIsTTY: Boolean(process.stdin.isTTY),
    columns: process.stdout.columns,
    signals: processSignals,
  };
}

/** Opens FILE for reading, or stdin for `-`, turning fs errors into DareError('IO'). */
export async function openInput(io: Io, path: string): Promise<AsyncIterable<Uint8Array>> {
  if (isStdio(path)) return io.stdin;
  try {
    const st = await fs.stat(path);
    if (st.isDirectory()) throw new DareError('IO', `${path}: is a directory`);
  } catch (e) {
    throw ioError(e, path);
  }
  return createReadStream(path, { highWaterMark: 1 << 20 });
}

/** Reads a whole small input (a key file, a share list) into memory, with a size cap. */
export async function readSmallInput(io: Io, path: string, max = 16 << 20): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let n = 0;
  for await (const c of await openInput(io, path)) {
    const b = c instanceof Uint8Array ? c : Buffer.from(c as string);
    n += b.length;
    if (n > max) throw new DareError('LIMIT_EXCEEDED', `${path}: larger than ${max} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

export function ioError(e: unknown, path: string): DareError {
  if (e instanceof DareError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const why: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EISDIR: 'is a directory',
    ENOSPC: 'no space left on device',
    EEXIST: 'already exists',
    EPIPE: 'broken pipe',
  };
  const msg = (code && why[code]) ?? (e instanceof Error ? e.message : String(e));
  return new DareError(code === 'EEXIST' ? 'OUTPUT_EXISTS' : 'IO', `${path}: ${msg}`, { cause: e });
}

/**
 * A young-generation collection, when the runtime allows it. Streaming allocates a fresh
 * 1 MiB Buffer per chunk read and per chunk node:crypto encrypts or decrypts; their JS objects
 * are tiny, so V8 collects them only under external-memory pressure, after tens of MiB have
 * piled up. A scavenge every few MiB frees them at once and keeps the resident set flat
 * (measured on 256 MiB: peak RSS of encode 110 -> 82 MiB, decode 110 -> 84 MiB, CPU time
 * unchanged within noise). Set up on first use, so short commands never touch V8 flags.
 */
let minorGc: (() => void) | null | undefined;
function collectYoung(): void {
  if (minorGc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as (o?: unknown) => void;
      minorGc = () => gc({ type: 'minor' });
    } catch {
      minorGc = null;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  minorGc?.();
}

/** Bytes between two collections of {@link paced}. */
const GC_EVERY = 2 << 20;

/** Passes `source` through, collecting short-lived buffers every {@link GC_EVERY} bytes. */
async function* paced(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let since = 0;
  for await (const c of source) {
    since += c.length;
    if (since >= GC_EVERY) {
      since = 0;
      collectYoung();
    }
    yield c;
  }
}

/**
 * Writes `source` to stdout (for `-`) or to a file: a regular file appears only complete,
 * by way of a 0600 temporary renamed into place; a device or FIFO is written directly
 * (lib/platform/output-file.ts).
 */
export async function writeOutput(io: Io, path: string, source: AsyncIterable<Uint8Array>, force: boolean, mode?: number): Promise<void> {
  source = paced(source);
  if (isStdio(path)) {
    try {
      await pipeline(source, io.stdout, { end: false });
    } catch (e) {
      throw ioError(e, 'stdout');
    }
    return;
  }
  try {
    await writeFileAtomic(path, source, { force, mode });
  } catch (e) {
    throw ioError(e, path);
  }
}

export function writeLine(stream: Writable, line: string): void {
  stream.write(line + '\n');
}
