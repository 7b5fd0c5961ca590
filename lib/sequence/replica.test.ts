import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeySet, publicKeySet } from '../keys/keyset.js';
import { equalBytes, fromUtf8, utf8 } from '../internal/bytes.js';
import { SequenceWriter } from './writer.js';
import { SequenceReader } from './reader.js';
import { verifySequence } from './verify.js';
import { checkFrames, decodeReplicaState, encodeReplicaState, EMPTY_REPLICA, headOfFrames, type ReplicaState } from './replica.js';
import { appendFrames, cutSequence, readFrames, readReplicaState, sequenceHead } from './replica-file.js';
import { errorCode as code } from '../internal/error-code.test-util.js';

const dir = mkdtempSync(join(tmpdir(), 'dare-replica-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const file = () => join(dir, `r${counter++}.dcat`);
const alice = generateKeySet();
const aliceKeys = { keys: [{ crv: 'X25519' as const, privateKey: alice.encryption.privateKey }] };

/** A sequence of `n` data frames written by the normal writer (encrypted to alice when asked), and its frames as bytes. */
async function source(n: number, o: { type?: 'Merkle' | 'Chain'; encrypt?: boolean; sign?: boolean; word?: string } = {}): Promise<{ path: string; frames: Uint8Array[] }> {
  const path = file();
  const w = await SequenceWriter.create(path, {
    type: o.type ?? 'Merkle', recipients: o.encrypt ? [publicKeySet(alice).encryption] : undefined, signer: o.sign ? alice.signature : undefined,
  });
  for (let i = 0; i < n; i++) await w.append(utf8(`${o.word ?? 'entry'} ${i} `.repeat(1 + (i % 3))), { contentMeta: { contentType: 'text/plain' } });
  if (o.sign) await w.seal();
  await w.close();
  const all = await readFrames(path, 0, { maxFrames: 1 << 20, maxBytes: 1 << 30 });
  return { path, frames: all.frames };
}

async function payloads(path: string): Promise<string[]> {
  const r = await SequenceReader.open(path, aliceKeys);
  try {
    const out: string[] = [];
    for await (const f of r.frames(1)) if (!f.isMeta) out.push(fromUtf8(await r.readPayload(await r.open(f))));
    return out;
  } finally {
    await r.close();
  }
}

const sameState = (a: ReplicaState, b: ReplicaState) => expect(encodeReplicaState(a)).toEqual(encodeReplicaState(b));

describe('replica: keyless check', () => {
  for (const type of ['Merkle', 'Chain'] as const) {
    it(`${type}: frames of the normal writer pass and give its apex, in one go or in pieces through the encoded state`, async () => {
      const { path, frames } = await source(37, { type, encrypt: true, sign: true });
      const whole = await checkFrames(EMPTY_REPLICA, frames);
      const r = await SequenceReader.open(path);
      const apex = type === 'Merkle' ? r.last.trailer?.treeDigest : r.last.trailer?.chainDigest;
      expect(whole.state.index).toBe(r.last.index);
      expect(whole.state.end).toBe(readFileSync(path).length);
      expect(equalBytes(whole.state.apex, apex as Uint8Array)).toBe(true);
      await r.close();
      expect(await headOfFrames(frames)).toEqual({ index: 38, apex: whole.state.apex });
      expect(await sequenceHead(path)).toEqual({ index: 38, apex: whole.state.apex });
      sameState((await readReplicaState(path)).state, whole.state);
      // In pieces, the state carried as bytes between them (what the service keeps as `frontier`).
      let s: ReplicaState = EMPTY_REPLICA;
      for (const [a, b] of [[0, 1], [1, 8], [8, 9], [9, 30], [30, 39]]) {
        s = decodeReplicaState(encodeReplicaState((await checkFrames(s, frames.slice(a, b))).state));
      }
      sameState(s, whole.state);
    });
  }

  it('one flipped bit anywhere in a frame is refused (every bit of frames 0, 1, 2, 5 of a plaintext sequence)', async () => {
    const { frames } = await source(6);
    for (const i of [0, 1, 2, 5]) {
      const before = (await checkFrames(EMPTY_REPLICA, frames.slice(0, i))).state;
      const f = frames[i] as Uint8Array;
      let accepted = 0;
      for (let bit = 0; bit < f.length * 8; bit++) {
        const bad = f.slice();
        bad[bit >> 3] = (bad[bit >> 3] as number) ^ (1 << (bit & 7));
        if ((await code(checkFrames(before, [bad]))) === 'ok') accepted++;
      }
      expect(accepted, `frame ${i}`).toBe(0);
      expect(await code(checkFrames(before, [f]))).toBe('ok');
    }
  });

  it('encrypted frames: every flipped bit outside the PayloadMac is refused (the MAC needs the key: the reader checks it)', async () => {
    const { path, frames } = await source(3, { encrypt: true });
    const r = await SequenceReader.open(path);
    const views = [];
    for await (const v of r.frames()) views.push(v);
    await r.close();
    for (const i of [1, 3]) {
      const f = frames[i] as Uint8Array;
      const mac = views[i]?.trailer?.payloadMac as Uint8Array;
      const at = Buffer.from(f).indexOf(Buffer.from(mac));
      expect(at).toBeGreaterThan(0);
      const before = (await checkFrames(EMPTY_REPLICA, frames.slice(0, i))).state;
      for (let bit = 0; bit < f.length * 8; bit++) {
        if ((bit >> 3) >= at && (bit >> 3) < at + mac.length) continue;
        const bad = f.slice();
        bad[bit >> 3] = (bad[bit >> 3] as number) ^ (1 << (bit & 7));
        expect(await code(checkFrames(before, [bad])), `frame ${i} bit ${bit}`).not.toBe('ok');
      }
    }
  });

  it('refuses frames out of order, repeated, from another sequence, with bytes after them, or of a type that does not chain', async () => {
    const { frames } = await source(5);
    const other = (await source(5, { word: 'ENTRY' })).frames;
    const s2 = (await checkFrames(EMPTY_REPLICA, frames.slice(0, 3))).state;
    expect(await code(checkFrames(s2, [frames[4] as Uint8Array]))).toBe('SEQUENCE_ORDER');
    expect(await code(checkFrames(s2, [frames[2] as Uint8Array]))).toBe('SEQUENCE_ORDER');
    expect(await code(checkFrames(EMPTY_REPLICA, [frames[1] as Uint8Array]))).toBe('SEQUENCE_ORDER');
    // Same offsets and a PayloadDigest that matches its own payload: only the tree tells.
    expect(await code(checkFrames(s2, [other[3] as Uint8Array]))).toBe('MERKLE_MISMATCH');
    const moved = (await source(5, { encrypt: true })).frames;
    expect(await code(checkFrames(s2, [moved[3] as Uint8Array]))).toBe('SEQUENCE_ORDER');
    const extra = new Uint8Array([...(frames[3] as Uint8Array), 0]);
    expect(await code(checkFrames(s2, [extra]))).toBe('TRAILING_DATA');
    expect(await code(checkFrames(s2, [(frames[3] as Uint8Array).subarray(0, 40)]))).toBe('TRUNCATED');
    expect(await code(checkFrames(s2, [new Uint8Array(0)]))).toBe('TRUNCATED');
    const list = file();
    const w = await SequenceWriter.create(list, { type: 'List' });
    await w.close();
    expect(await code(checkFrames(EMPTY_REPLICA, [readFileSync(list)]))).toBe('UNSUPPORTED_ALGORITHM');
    expect(await code(async () => decodeReplicaState(encodeReplicaState(s2).subarray(1)))).toBe('MALFORMED');
    const forged = encodeReplicaState(s2);
    forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1;
    expect(await code(async () => decodeReplicaState(forged))).toBe('MALFORMED');
  });
});

describe('replica: files', () => {
  it('appended verbatim, the copy is byte-identical and reads with the keys; cut back and re-appended, the same bytes again', async () => {
    const { path, frames } = await source(20, { encrypt: true, sign: true });
    const copy = file();
    let s = EMPTY_REPLICA;
    for (const [a, b] of [[0, 1], [1, 10], [10, 22]]) s = await appendFrames(copy, await checkFrames(s, frames.slice(a, b)));
    expect(readFileSync(copy).equals(readFileSync(path))).toBe(true);
    expect(await payloads(copy)).toEqual(await payloads(path));
    const r = await SequenceReader.open(copy, { ...aliceKeys, trustedSigners: [publicKeySet(alice).signature] });
    expect((await verifySequence(r)).frames).toBe(22);
    await r.close();
    const cut = await cutSequence(copy, 6);
    expect(cut.index).toBe(6);
    expect(readFileSync(copy).equals(readFileSync(path).subarray(0, cut.end))).toBe(true);
    sameState(cut, (await checkFrames(EMPTY_REPLICA, frames.slice(0, 7))).state);
    await appendFrames(copy, await checkFrames(cut, frames.slice(7)));
    expect(readFileSync(copy).equals(readFileSync(path))).toBe(true);
    // The normal writer continues the copy.
    const w = await SequenceWriter.open(copy, { recipients: [publicKeySet(alice).encryption] });
    await w.append(utf8('after'));
    await w.close();
    expect((await payloads(copy)).at(-1)).toBe('after');
    expect(await code(cutSequence(copy, 99))).toBe('NOT_FOUND');
    await cutSequence(copy, -1);
    expect(readFileSync(copy).length).toBe(0);
    expect((await readReplicaState(copy)).state.index).toBe(-1);
  });

  it('refuses to append where the file does not end at the checked state (another writer, a torn tail)', async () => {
    const { frames } = await source(4);
    const copy = file();
    const s = await appendFrames(copy, await checkFrames(EMPTY_REPLICA, frames.slice(0, 2)));
    const next = await checkFrames(s, frames.slice(2));
    appendFileSync(copy, Buffer.from([0xf4, 0x10]));
    expect(await code(appendFrames(copy, next))).toBe('CONFLICT');
    expect((await readReplicaState(copy)).tornBytes).toBe(2);
    await cutSequence(copy, s);
    await appendFrames(copy, next);
    expect((await readReplicaState(copy)).state.index).toBe(4);
    expect(await code(appendFrames(copy, await checkFrames(EMPTY_REPLICA, frames.slice(0, 1))))).toBe('CONFLICT');
  });

  it('reads raw frames in pages by count and bytes, up to a committed end', async () => {
    const { path, frames } = await source(40);
    const got: Uint8Array[] = [];
    let from: number | undefined = 0;
    let pages = 0;
    while (from !== undefined) {
      const p = await readFrames(path, from, { maxFrames: 7, maxBytes: 1000 });
      expect(p.frames.length).toBeGreaterThan(0);
      expect(p.frames.length).toBeLessThanOrEqual(7);
      expect(p.frames.length === 1 || p.frames.reduce((n, f) => n + f.length, 0) <= 1000).toBe(true);
      got.push(...p.frames);
      from = p.next;
      pages++;
    }
    expect(pages).toBeGreaterThan(6);
    expect(got.map((f) => Buffer.from(f).toString('hex'))).toEqual(frames.map((f) => Buffer.from(f).toString('hex')));
    const one = await readFrames(path, 5, { maxFrames: 10, maxBytes: 1 });
    expect(one.frames).toHaveLength(1);
    expect(Buffer.from(one.frames[0] as Uint8Array).equals(Buffer.from(frames[5] as Uint8Array))).toBe(true);
    const s10 = (await checkFrames(EMPTY_REPLICA, frames.slice(0, 11))).state;
    const upTo = await readFrames(path, 8, { maxFrames: 100, maxBytes: 1 << 20, end: s10.end });
    expect(upTo.frames).toHaveLength(3);
    expect(upTo.last).toBe(10);
    expect(upTo.next).toBeUndefined();
    expect((await readFrames(path, 41, { maxFrames: 1, maxBytes: 1 })).frames).toHaveLength(0);
    writeFileSync(join(dir, 'empty'), '');
    expect(await readFrames(join(dir, 'empty'), 0, { maxFrames: 1, maxBytes: 1 })).toEqual({ frames: [], last: -1 });
  });
});
