/**
 * `dare log append LOG -`: every line of stdin is an entry of one long session, with
 * checkpoints (LogWriter.checkpoint: written out, fsynced, signed over the apex) while
 * stdin streams, and SIGINT/SIGTERM/SIGHUP turned into a clean end of the session.
 * @module
 */
import { DareError, MAX_ENTRY_BYTES, type LogWriter } from '../../lib/index.js';

/**
 * Splits a byte stream into lines, without their `\n` (and a `\r` before it), each
 * copied out of the chunks. A line longer than MAX_ENTRY_BYTES is LIMIT_EXCEEDED before
 * it is buffered whole.
 */
class LineSplitter {
  #parts: Buffer[] = [];
  #size = 0;

  /** Bytes of a line begun but not ended yet. */
  get partial(): number {
    return this.#size;
  }

  #take(piece: Buffer): void {
    this.#size += piece.length;
    if (this.#size > MAX_ENTRY_BYTES + 1) throw new DareError('LIMIT_EXCEEDED', `a line of stdin is longer than ${MAX_ENTRY_BYTES} bytes`);
    if (piece.length) this.#parts.push(piece);
  }

  #line(): Uint8Array {
    const parts = this.#parts;
    let b = parts.length === 1 ? Buffer.from(parts[0] as Buffer) : Buffer.concat(parts);
    if (b.length > 0 && b[b.length - 1] === 13) b = b.subarray(0, b.length - 1);
    this.#parts = [];
    this.#size = 0;
    return b;
  }

  /** The lines that `chunk` ends. */
  push(chunk: Uint8Array | string): Uint8Array[] {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: Uint8Array[] = [];
    let start = 0;
    for (let nl = b.indexOf(10, start); nl >= 0; nl = b.indexOf(10, start)) {
      this.#take(b.subarray(start, nl));
      out.push(this.#line());
      start = nl + 1;
    }
    if (start < b.length) this.#take(b.subarray(start));
    return out;
  }

  /** The unended last line, if any (at the end of the input). */
  rest(): Uint8Array | undefined {
    return this.#size > 0 ? this.#line() : undefined;
  }
}

/** When a session reading stdin lines writes a checkpoint (LogWriter.checkpoint). */
export interface SyncPolicy {
  /** Checkpoint after stdin has been idle this long (ms) with entries not yet synced. */
  idleMs: number;
  /** ... and at the latest this long (ms) after the first entry not yet synced was read. */
  maxDelayMs: number;
  /** ... and after this many entries. */
  entries: number;
}

export const DEFAULT_SYNC: SyncPolicy = { idleMs: 250, maxDelayMs: 1000, entries: 10_000 };

/** After a stop signal, stdin is still read while lines keep coming, so what was already in the pipe is kept. */
export const DRAIN_IDLE_MS = 100;
export const DRAIN_MAX_MS = 5000;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** A stop request from a signal (see withStopSignals). */
export interface StopRequest {
  /** The first stop signal received, if any, and when. */
  signal?: StopSignal;
  at: number;
  /** A second signal: stop reading at once. */
  forced: boolean;
  /** Called when a signal arrives (set by the reader to wake itself). */
  notify: () => void;
}

export interface StdinSession {
  /** True when stdin had not ended when the session stopped reading it (after a signal). */
  open: boolean;
  /** Bytes of a last line without a newline, appended as an entry. */
  unended: number;
}

/**
 * Appends every line of `source` to `w`, writing a checkpoint per `policy`, until the
 * end of the input or a stop signal. After a signal, lines that keep arriving are still
 * read (until none came for DRAIN_IDLE_MS, at most DRAIN_MAX_MS; a second signal ends
 * that at once), so that what was already in the pipe is kept. A last line without a
 * newline is appended too. Does not close `w`.
 */
export async function appendLines(
  w: LogWriter, source: AsyncIterable<Uint8Array | string>, policy: SyncPolicy, stop: StopRequest, onEntry?: () => void,
): Promise<StdinSession> {
  const it = source[Symbol.asyncIterator]();
  const split = new LineSplitter();
  // State set by callbacks; the loop alone calls the writer, one operation at a time.
  // (No Promise.race over long-lived promises: each race would leave a reaction behind.)
  let ready: IteratorResult<Uint8Array | string> | undefined;
  let failure: { error: unknown } | undefined;
  let poke = () => undefined as void;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    it.next().then((r) => {
      ready = r;
      poke();
    }, (error: unknown) => {
      failure = { error };
      poke();
    });
  };
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    poke = resolve;
    if (ms !== Infinity) timer = setTimeout(resolve, ms);
  });
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  stop.notify = () => poke();
  let ended = false;
  let lastData = Date.now();
  let firstUnsynced = 0;
  const due = (): boolean => w.unsynced >= policy.entries || Date.now() >= firstUnsynced + policy.maxDelayMs;
  arm();
  try {
    for (;;) {
      if (failure) throw failure.error;
      if (ready) {
        const r = ready;
        ready = undefined;
        if (r.done) {
          ended = true;
          break;
        }
        lastData = Date.now();
        arm();
        for (const line of split.push(r.value)) {
          if (w.unsynced === 0) firstUnsynced = Date.now();
          await w.append(line);
          onEntry?.();
          // A steady stream is never idle: the entry count and the deadline still apply.
          if (!stop.signal && due()) await w.checkpoint();
        }
        // A writer that keeps sending after the signal is cut off after DRAIN_MAX_MS.
        if (stop.forced || (stop.signal && Date.now() - stop.at >= DRAIN_MAX_MS)) break;
        continue;
      }
      if (stop.forced) break;
      const now = Date.now();
      const wake = stop.signal
        ? Math.min(Math.max(lastData, stop.at) + DRAIN_IDLE_MS, stop.at + DRAIN_MAX_MS)
        : w.unsynced > 0 ? Math.min(lastData + policy.idleMs, firstUnsynced + policy.maxDelayMs) : Infinity;
      if (wake > now) {
        await sleep(wake - now);
        clearTimeout(timer);
        poke = () => undefined;
        continue;
      }
      if (!stop.signal) {
        await w.checkpoint(); // stdin idle, or the oldest entry not synced reached its deadline
        continue;
      }
      // The drain after a signal is over, unless the event loop has not polled stdin since
      // the timer fired (a slow machine): let it, so data in the pipe is not taken for silence.
      await turn();
      await turn();
      if (ready || failure) continue;
      break;
    }
  } finally {
    clearTimeout(timer);
    stop.notify = () => undefined;
    // Stop reading stdin (after a signal or an error); a pending read settles into `ready`, unused.
    if (!ended && !failure) void Promise.resolve(it.return?.()).catch(() => undefined);
  }
  const rest = split.rest();
  if (rest) {
    await w.append(rest);
    onEntry?.();
  }
  return { open: !ended, unended: rest?.length ?? 0 };
}

/**
 * Runs `session` with SIGINT, SIGTERM and SIGHUP turned into a stop request; the
 * handlers are removed after it settles.
 */
export async function withStopSignals<T>(session: (stop: StopRequest) => Promise<T>): Promise<T> {
  const stop: StopRequest = { at: 0, forced: false, notify: () => undefined };
  const handlers = STOP_SIGNALS.map((s) => [s, () => {
    if (stop.signal) stop.forced = true;
    else {
      stop.signal = s;
      stop.at = Date.now();
    }
    stop.notify();
  }] as const);
  for (const [s, h] of handlers) process.on(s, h);
  try {
    return await session(stop);
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
  }
}

