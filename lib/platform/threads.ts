/**
 * Worker threads for verifying a large sequence on several cores (lib/sequence/verify.ts).
 * The worker (verify-worker.ts) opens the file itself and verifies one range of frames;
 * its report, or its error (code and message), comes back as a message.
 * @module
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DareError, type DareErrorCode } from '../errors.js';
import type { SequenceReadOptions } from '../sequence/reader.js';
import type { PayloadChecks, RangeReport } from '../sequence/verify.js';

const WORKER = new URL('./verify-worker.js', import.meta.url);

/** Cores this process may use; 1 when the worker script is not there (the library run from its TypeScript sources). */
export function availableThreads(): number {
  return existsSync(fileURLToPath(WORKER)) ? availableParallelism() : 1;
}

export interface VerifyWork {
  readonly path: string;
  readonly options: SequenceReadOptions;
  readonly backend: 'node' | 'noble';
  readonly from: number;
  readonly to: number;
  /** How payloads are checked (VerifyOptions.decrypt, payloadsCheckedLater). */
  readonly checks: PayloadChecks;
}

/** Messages from the worker: progress (frames verified, meta ones), then one result. */
export type VerifyMessage =
  | { readonly progress: { readonly from: number; readonly to: number; readonly meta: readonly number[] } }
  | { readonly result: RangeReport }
  | { readonly error: { readonly code?: DareErrorCode; readonly name: string; readonly message: string } };

/** The worker's error on this thread: the same DareError code or misuse class; anything else is the thread failing (IO). */
function rebuild(e: { readonly code?: DareErrorCode; readonly name: string; readonly message: string }): Error {
  if (e.code) return new DareError(e.code, e.message);
  if (e.name === 'RangeError') return new RangeError(e.message);
  if (e.name === 'TypeError') return new TypeError(e.message);
  return new DareError('IO', `verification thread failed: ${e.message}`);
}

/** Verifies work.from..work.to of the file on a worker thread. */
export function runVerifyWorker(work: VerifyWork, onFrame?: (index: number, isMeta: boolean) => void): Promise<RangeReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: work });
    let done = false;
    const finish = (f: () => void) => {
      if (done) return;
      done = true;
      f();
      void worker.terminate();
    };
    worker.on('message', (m: VerifyMessage) => {
      if ('progress' in m) {
        const meta = new Set(m.progress.meta);
        for (let i = m.progress.from; i <= m.progress.to; i++) onFrame?.(i, meta.has(i));
      } else if ('result' in m) {
        finish(() => resolve(m.result));
      } else {
        finish(() => reject(rebuild(m.error)));
      }
    });
    worker.on('error', (e) => finish(() => reject(new DareError('IO', `verification thread failed: ${e.message}`, { cause: e }))));
    worker.on('exit', (code) => finish(() => reject(new DareError('IO', `verification thread ended (exit code ${code}) without a result`))));
  });
}
