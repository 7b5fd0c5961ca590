/**
 * The node backend's parallel hasher (the payload digest on a worker thread, issue 20) gives
 * the digest of an in-thread hash for every split of the input, starts no worker for short
 * inputs, and fails cleanly once closed; envelopes large enough to use it round-trip under
 * both backends (noble has no parallel hasher: the in-thread fallback).
 */
import { createHash, randomFillSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nodeBackend } from './node.js';
import { setBackend } from '../crypto/backend-select.js';
import { encodeEnvelope, EnvelopeReader } from '../index.js';

const MiB = 1 << 20;

async function parallelDigest(data: Uint8Array, cuts: number[], sizeHint?: number): Promise<string> {
  const h = nodeBackend.createParallelHash?.('sha512', sizeHint);
  if (!h) throw new Error('the node backend has no parallel hasher');
  let at = 0;
  for (const n of cuts) {
    const wait = h.update(data.subarray(at, at + n));
    if (wait) await wait;
    at += n;
  }
  const wait = h.update(data.subarray(at));
  if (wait) await wait;
  return Buffer.from(await h.digest()).toString('hex');
}

describe('parallel hasher (node backend)', () => {
  const data = randomFillSync(new Uint8Array(13 * MiB + 5));
  const expected = createHash('sha512').update(data).digest('hex');

  it('gives the in-thread digest for chunks smaller, equal and larger than its slots', async () => {
    expect(await parallelDigest(data, [])).toBe(expected); // one 13 MiB update
    expect(await parallelDigest(data, Array.from({ length: 200 }, (_, i) => (i * 7919) % 200_000))).toBe(expected);
    expect(await parallelDigest(data, [MiB, MiB, MiB, MiB, MiB, 3 * MiB + 1])).toBe(expected);
  }, 60_000);

  it('short inputs and the empty input (no worker needed)', async () => {
    for (const n of [0, 1, MiB - 1, MiB, 4 * MiB]) {
      const d = data.subarray(0, n);
      const want = createHash('sha512').update(d).digest('hex');
      expect(await parallelDigest(d, [], n)).toBe(want);
      expect(await parallelDigest(d, [n >> 1])).toBe(want);
    }
  });

  it('after close, update throws and no digest is given', async () => {
    const h = nodeBackend.createParallelHash?.('sha512');
    if (!h) throw new Error('no parallel hasher');
    for (let i = 0; i < 6; i++) await h.update(data.subarray(i * MiB, (i + 1) * MiB));
    h.close();
    h.close(); // idempotent
    expect(() => h.update(data.subarray(0, MiB))).toThrow(/closed/);
  });
});

describe('envelopes with a digest on another thread', () => {
  async function* chunks(buf: Uint8Array): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < buf.length; i += 1_000_003) yield buf.subarray(i, i + 1_000_003);
  }
  async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
    const parts: Uint8Array[] = [];
    for await (const p of it) parts.push(p);
    return Buffer.concat(parts);
  }

  it('12 MiB round-trip written and read by either backend', async () => {
    const plain = randomFillSync(new Uint8Array(12 * MiB + 17));
    const secret = randomFillSync(new Uint8Array(32));
    for (const [writer, reader] of [['node', 'noble'], ['noble', 'node'], ['node', 'node']] as const) {
      const previous = setBackend(writer);
      let sealed: Buffer;
      try {
        sealed = await collect(encodeEnvelope(chunks(plain), { secret }));
      } finally {
        setBackend(previous);
      }
      setBackend(reader);
      try {
        const r = new EnvelopeReader(chunks(sealed), { secrets: [secret] });
        await r.open();
        expect((await collect(r.payload())).equals(plain)).toBe(true);
        expect(r.result.authenticated).toBe(true);
        // One flipped ciphertext byte in the middle: the digest (on the worker) catches it.
        const bad = Buffer.from(sealed);
        bad[bad.length >> 1] = (bad[bad.length >> 1] as number) ^ 1;
        const rb = new EnvelopeReader(chunks(bad), { secrets: [secret] });
        await rb.open();
        await expect(collect(rb.payload())).rejects.toThrow();
      } finally {
        setBackend(previous);
      }
    }
  }, 120_000);
});
