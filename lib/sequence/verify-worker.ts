/**
 * The entry of a verification thread (verify.ts, "Parallel verification" in docs/FORMAT.md
 * §8): opens the sequence file itself, verifies one range of frames and posts the report,
 * with progress every 1,024 frames. Bundled beside the CLI as verify-worker.js.
 * @module
 */
import { setBackend } from '../crypto/backend-select.js';
import { serveTask } from '../platform/threads.js';
import { SequenceReader } from './reader.js';
import { verifyRange, type RangeProgress, type VerifyWork } from './verify.js';

serveTask<VerifyWork, unknown, RangeProgress>(async (work, progress) => {
  setBackend(work.backend);
  const reader = await SequenceReader.open(work.path, work.options);
  try {
    let from = work.from;
    let meta: number[] = [];
    const result = await verifyRange(reader, work.from, work.to, (index, isMeta) => {
      if (isMeta) meta.push(index);
      if (index - from >= 1023) {
        progress({ from, to: index, meta });
        from = index + 1;
        meta = [];
      }
    }, work.checks);
    if (from <= result.to) progress({ from, to: result.to, meta });
    return result;
  } finally {
    await reader.close();
  }
});
