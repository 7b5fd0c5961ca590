/**
 * Worker threads, generic: a task whose entry module runs on another thread with data of its
 * own, reports progress, and ends with one result or one error (a DareError keeps its code
 * across the thread). The sequence layer's parallel verifier (lib/sequence/verify.ts,
 * verify-worker.ts) is the user; what a task computes is not this module's business.
 * @module
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker, parentPort, workerData } from 'node:worker_threads';
import { DareError, isDareError, type DareErrorCode } from '../errors.js';

/** Cores this process may use for the task at `entry`; 1 when its script is not there (the library run from its TypeScript sources). */
export function availableThreads(entry: URL): number {
  return existsSync(fileURLToPath(entry)) ? availableParallelism() : 1;
}

interface WireError {
  readonly code?: DareErrorCode;
  readonly name: string;
  readonly message: string;
}

/** What a task's thread posts: progress, then one result or one error. */
type TaskMessage<R, P> = { readonly progress: P } | { readonly result: R } | { readonly error: WireError };

/** The thread's error on this thread: the same DareError code or misuse class; anything else is the thread failing (IO). */
function rebuild(e: WireError, what: string): Error {
  if (e.code) return new DareError(e.code, e.message);
  if (e.name === 'RangeError') return new RangeError(e.message);
  if (e.name === 'TypeError') return new TypeError(e.message);
  return new DareError('IO', `${what} thread failed: ${e.message}`);
}

/**
 * Runs the task at `entry` (a module that calls {@link serveTask}) with `data` on a new
 * thread; `what` names it in errors ("verification").
 */
export function runTask<D, R, P>(entry: URL, what: string, data: D, onProgress?: (p: P) => void): Promise<R> {
  return new Promise((resolve, reject) => {
    // execArgv []: the parent's flags (--input-type=module, say) are not the task's.
    const worker = new Worker(entry, { workerData: data, execArgv: [] });
    let done = false;
    const finish = (f: () => void) => {
      if (done) return;
      done = true;
      f();
      void worker.terminate();
    };
    worker.on('message', (m: TaskMessage<R, P>) => {
      if ('progress' in m) onProgress?.(m.progress);
      else if ('result' in m) finish(() => resolve(m.result));
      else finish(() => reject(rebuild(m.error, what)));
    });
    worker.on('error', (e) => finish(() => reject(new DareError('IO', `${what} thread failed: ${e.message}`, { cause: e }))));
    worker.on('exit', (code) => finish(() => reject(new DareError('IO', `${what} thread ended (exit code ${code}) without a result`))));
  });
}

/** The body of a task's entry module: runs `task` on the thread's data and posts its result or error. */
export function serveTask<D, R, P>(task: (data: D, progress: (p: P) => void) => Promise<R>): void {
  const post = (m: TaskMessage<R, P>) => parentPort?.postMessage(m);
  task(workerData as D, (progress) => post({ progress })).then(
    (result) => post({ result }),
    (e: unknown) => post({ error: { code: isDareError(e) ? e.code : undefined, name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e) } }),
  );
}
