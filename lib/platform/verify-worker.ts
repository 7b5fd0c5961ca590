/**
 * A worker thread's entry (threads.ts): verifies one range of frames of a sequence file
 * and posts the report, with progress every 1,024 frames.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setBackend } from '../crypto/backend-select.js';
import { isDareError } from '../errors.js';
import { SequenceReader } from '../sequence/reader.js';
import { verifyRange } from '../sequence/verify.js';
import type { VerifyMessage, VerifyWork } from './threads.js';

const work = workerData as VerifyWork;
const post = (m: VerifyMessage) => parentPort?.postMessage(m);

async function main(): Promise<void> {
  setBackend(work.backend);
  const reader = await SequenceReader.open(work.path, work.options);
  try {
    let from = work.from;
    let meta: number[] = [];
    const result = await verifyRange(reader, work.from, work.to, (index, isMeta) => {
      if (isMeta) meta.push(index);
      if (index - from >= 1023) {
        post({ progress: { from, to: index, meta } });
        from = index + 1;
        meta = [];
      }
    }, work.checks);
    if (from <= result.to) post({ progress: { from, to: result.to, meta } });
    post({ result });
  } finally {
    await reader.close();
  }
}

main().catch((e: unknown) => {
  post({ error: { code: isDareError(e) ? e.code : undefined, name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e) } });
});
