/**
 * The explicit limits of docs/LIMITS.md: hostile length fields, deep nesting, endless
 * chunk runs and oversized lists fail fast with LIMIT_EXCEEDED (or TRUNCATED), without
 * allocating what the input claims or looping without bound.
 * @module
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DareError } from '../lib/errors.js';
import { decodeEnvelopeBytes, decodeKeyFile, encodeKeyFile, generateKeySet, parseUdf, MAX_UDF_CHARS, utf8 } from '../lib/index.js';
import { decodeJsonB } from '../lib/encoding/jsonb-reader.js';
import { decodeJsonBStream, JsonBStreamReader } from '../lib/encoding/jsonb-stream.js';
import { decodeJson, encodeJson } from '../lib/encoding/json.js';
import { arrayEnd, arrayStart, binaryChunkHeader, encodeJsonB } from '../lib/encoding/jsonb-writer.js';
import { concatBytes } from '../lib/internal/bytes.js';
import { MAX_ANNOTATIONS, MAX_RECIPIENTS, MAX_SIGNATURES } from '../lib/envelope/schema.js';
import type { JsonObject, JsonValue } from '../lib/encoding/value.js';
import { encodeFrame, frameHeader, frameTrailer, recordHeader } from '../lib/encoding/jbcd.js';
import { MemoryReader } from '../lib/internal/random-access.js';
import { SequenceReader, SequenceWriter, verifySequence, DIGEST_SCHEME } from '../lib/index.js';
import type { SequenceReadOptions } from '../lib/sequence/reader.js';
import { previousFrame } from '../lib/sequence/positions.js';
import { collect, pieces } from './support.js';

async function codeOf(f: () => unknown): Promise<string> {
  try {
    await f();
    return 'ok';
  } catch (e) {
    if (e instanceof DareError) return e.code;
    throw e;
  }
}

/** Runs `f` and returns [result code, ms, bytes of ArrayBuffer + heap growth]. */
async function measure(f: () => unknown): Promise<[string, number, number]> {
  const m0 = process.memoryUsage();
  const t0 = performance.now();
  const code = await codeOf(f);
  const m1 = process.memoryUsage();
  return [code, performance.now() - t0, m1.arrayBuffers + m1.heapUsed - m0.arrayBuffers - m0.heapUsed];
}

const MiB = 1 << 20;
const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
/** A plaintext envelope (no digest) with the given header bytes and payload item bytes. */
const envelope = (header: Uint8Array, payload: Uint8Array) => concatBytes(arrayStart(), header, payload, arrayEnd());

describe('limits', () => {
  it('nesting: 64 levels of JSON-B, JSON-B streams and JSON text are read, 65 are LIMIT_EXCEEDED', async () => {
    const nest = (n: number) => utf8('['.repeat(n) + ']'.repeat(n));
    expect(await codeOf(() => decodeJsonB(nest(64)))).toBe('ok');
    expect(await codeOf(() => decodeJsonB(nest(65)))).toBe('LIMIT_EXCEEDED');
    expect(await codeOf(() => decodeJsonB(nest(1_000_000)))).toBe('LIMIT_EXCEEDED');
    expect(await codeOf(() => decodeJsonBStream(pieces(nest(65), [7])))).toBe('LIMIT_EXCEEDED');
    expect(await codeOf(() => decodeJson('['.repeat(64) + ']'.repeat(64)))).toBe('ok');
    expect(await codeOf(() => decodeJson('['.repeat(100_000)))).toBe('LIMIT_EXCEEDED');
    expect(await codeOf(() => decodeEnvelopeBytes(envelope(nest(200), binaryChunkHeader(0, true))))).toBe('LIMIT_EXCEEDED');
  });

  it('hostile length fields: nothing is allocated for bytes that are not there', async () => {
    const claims = ['8B ffffffffffffffff', '8B 001fffffffffffff', '8A 7fffffff', '8A ffffffff', '89 ffff', '83 ffffffffffffffff', 'A7 ffff'];
    for (const c of claims) {
      const b = concatBytes(hex(c), new Uint8Array(10));
      const [mem, , grown] = await measure(() => decodeJsonB(b));
      expect(['TRUNCATED', 'LIMIT_EXCEEDED'], c).toContain(mem);
      expect(grown, c).toBeLessThan(8 * MiB);
      // Streams refuse an item over 16 MiB from its length field alone, before buffering.
      const [str, ms, g2] = await measure(() => decodeJsonBStream(pieces(b, [3])));
      expect(['LIMIT_EXCEEDED', 'TRUNCATED'], c).toContain(str);
      expect(ms).toBeLessThan(1000);
      expect(g2).toBeLessThan(8 * MiB);
    }
    expect(await codeOf(() => decodeJsonBStream(pieces(hex('8A 01000001'), [5])))).toBe('LIMIT_EXCEEDED');
    // In the envelope header (read as a value) and as a payload (streamed: TRUNCATED at the end).
    expect(await codeOf(() => decodeEnvelopeBytes(concatBytes(arrayStart(), hex('8A 7fffffff 00'))))).toBe('LIMIT_EXCEEDED');
    const [pay, , g3] = await measure(() => decodeEnvelopeBytes(concatBytes(arrayStart(), encodeJsonB({}), hex('8B 00000000ffffffff'), new Uint8Array(1000))));
    expect(pay).toBe('TRUNCATED');
    expect(g3).toBeLessThan(8 * MiB);
  });

  it('chunk runs: 65536 chunks per value item; a payload of a million empty chunks streams in constant memory', async () => {
    const chunks = (n: number) => {
      const b = new Uint8Array(2 * n + 2);
      for (let i = 0; i < n; i++) b[2 * i] = 0x8c;
      b[2 * n] = 0x88;
      return b;
    };
    expect(await codeOf(() => decodeJsonB(chunks(65535)))).toBe('ok');
    expect(await codeOf(() => decodeJsonB(chunks(65536)))).toBe('LIMIT_EXCEEDED');
    expect(await codeOf(() => decodeJsonBStream(pieces(chunks(70000), [4096])))).toBe('LIMIT_EXCEEDED');
    const run = envelope(encodeJsonB({}), chunks(1_000_000));
    const [code, ms, grown] = await measure(async () => {
      const d = await decodeEnvelopeBytes(run);
      expect(d.payload.length).toBe(0);
    });
    expect(code).toBe('ok');
    expect(ms).toBeLessThan(10_000);
    expect(grown).toBeLessThan(64 * MiB);
  });

  it('stream byte limits: 16 MiB per item and 64 MiB per value by default, checked from the length field', async () => {
    expect(await codeOf(() => decodeJsonBStream(pieces(concatBytes(hex('8A 01000000'), new Uint8Array(16 * MiB)), [MiB])))).toBe('ok');
    const r = new JsonBStreamReader(pieces(encodeJsonB(['a'.repeat(100), 'b'.repeat(100)]), [64]), { maxValueBytes: 150 });
    expect(await codeOf(() => r.readValue())).toBe('LIMIT_EXCEEDED');
    const t = new JsonBStreamReader(pieces(utf8('"' + 'x'.repeat(2000) + '"'), [64]), { maxItemBytes: 1000 });
    expect(await codeOf(() => t.readValue())).toBe('LIMIT_EXCEEDED');
    expect(await codeOf(() => collect(new JsonBStreamReader(pieces(hex('8B 000000007fffffff'), [9])).readBinary()))).toBe('TRUNCATED');
    expect(await codeOf(() => collect(new JsonBStreamReader(pieces(hex('8B 7fffffffffffffff'), [9])).readBinary()))).toBe('LIMIT_EXCEEDED');
  });

  it('header lists: recipients, signatures and annotations have a maximum count', async () => {
    const wmk = new Uint8Array(40);
    const recipient = { kid: 'x', epk: { PublicKeyECDH: { crv: 'X25519', Public: new Uint8Array(32).fill(9) } }, wmk };
    const header = (h: { [k: string]: JsonValue }) => envelope(encodeJsonB(h), binaryChunkHeader(16, true));
    const base = { enc: 'A256CBC', Salt: new Uint8Array(16) };
    const keys = [{ crv: 'X25519' as const, privateKey: generateKeySet().encryption.privateKey }];
    expect(await codeOf(() => decodeEnvelopeBytes(header({ ...base, recipients: Array(MAX_RECIPIENTS + 1).fill(recipient) }), { keys }))).toBe('LIMIT_EXCEEDED');
    // The maximum is affordable: every entry is tried with the key, and fails.
    const [code, ms] = await measure(() => decodeEnvelopeBytes(header({ ...base, recipients: Array(MAX_RECIPIENTS).fill(recipient) }), { keys }));
    expect(code).toBe('NO_MATCHING_KEY');
    expect(ms).toBeLessThan(10_000);
    const sig = { alg: 'S512', signature: new Uint8Array(64) };
    expect(await codeOf(() => decodeEnvelopeBytes(header({ signatures: Array(MAX_SIGNATURES + 1).fill(sig) })))).toBe('LIMIT_EXCEEDED');
    expect(await codeOf(() => decodeEnvelopeBytes(header({ annotations: Array(MAX_ANNOTATIONS + 1).fill(new Uint8Array(4)) })))).toBe('LIMIT_EXCEEDED');
  }, 30_000);

  it('text limits: UDF presentations, JSON integer literals', async () => {
    expect(await codeOf(() => parseUdf('A'.repeat(MAX_UDF_CHARS * 2 + 1)))).toBe('UDF_INVALID');
    expect(await codeOf(() => decodeJson('1'.repeat(160_001)))).toBe('LIMIT_EXCEEDED');
    expect(await codeOf(() => decodeEnvelopeBytes(utf8(' '.repeat(100) + '[{},""]')))).toBe('MALFORMED');
  });

  it('scrypt parameters of a key file are capped before scrypt runs', async () => {
    const file = JSON.parse(await encodeKeyFile(generateKeySet(), 'pw', { N: 2, r: 1, p: 1 })) as { DareKeySetProtected: { kdf: Record<string, number> } };
    for (const [k, v] of [['N', 2 ** 21], ['r', 17], ['p', 5]] as const) {
      const f = structuredClone(file);
      f.DareKeySetProtected.kdf[k] = v;
      const [code, ms] = await measure(() => decodeKeyFile(JSON.stringify(f), async () => 'pw'));
      expect(code, k).toBe('LIMIT_EXCEEDED');
      expect(ms).toBeLessThan(1000);
    }
  });
});

/* ------------------------------------------------------------------------------------------ */
/* Sequences: hostile structure                                                               */
/* ------------------------------------------------------------------------------------------ */

const seqDir = mkdtempSync(join(tmpdir(), 'dare-seq-limits-'));
afterAll(() => rmSync(seqDir, { recursive: true, force: true }));
let seqFiles = 0;

/** Frame 0 as this implementation writes it (JSON text header), with SequenceInfo fields changed. */
function frame0(type = 'Tree', info: JsonObject = {}, header: JsonObject = {}): Uint8Array {
  const h = { policy: { dig: 'S512', DigestScheme: DIGEST_SCHEME }, SequenceInfo: { DataEncoding: 'JSON-B', ContainerType: type, Index: 0, ...info }, ...header };
  return encodeFrame({ header: utf8(encodeJson(h)), frameZero: true });
}

function frameN(info: JsonObject, header: JsonObject = {}, payload?: Uint8Array): Uint8Array {
  return encodeFrame({ header: encodeJsonB({ ...header, SequenceInfo: info }), payload: payload ?? new Uint8Array(0) });
}

/**
 * A Tree sequence of `n` frames whose TreePosition values come from `tp` (default: the
 * right one, the start of frame previous(i)); positions depend on the encoded lengths, so the
 * frames are re-encoded until they no longer move.
 */
function treeSequence(n: number, tp: (i: number, pos: readonly number[], size: number) => number | undefined = (i, pos) => pos[previousFrame(i)]): Uint8Array {
  let pos: number[] = Array(n).fill(0);
  let size = 0;
  for (let round = 0; round < 10; round++) {
    const frames = [frame0()];
    for (let i = 1; i < n; i++) {
      const t = tp(i, pos, size);
      frames.push(frameN(t === undefined ? { Index: i } : { Index: i, TreePosition: t }, {}, utf8(`frame ${i}`)));
    }
    const next: number[] = [];
    let p = 0;
    for (const f of frames) {
      next.push(p);
      p += f.length;
    }
    const stable = next.every((x, i) => x === pos[i]) && p === size;
    pos = next;
    size = p;
    if (stable) return concatBytes(...frames);
  }
  throw new Error('positions do not settle');
}

interface SeqOutcome {
  open: string;
  verify: string;
  /** Codes of frame(i) for every i (or 'ok:<index found>'). */
  frames: string[];
  append: string;
  ms: number;
}

/** Open, verify, frame(i) for every i, and SequenceWriter.open + append on a copy: each a value or a DareError code. */
async function sequenceOutcome(bytes: Uint8Array, options: SequenceReadOptions = {}): Promise<SeqOutcome> {
  const t0 = performance.now();
  const open = await codeOf(async () => (await SequenceReader.open(new MemoryReader(bytes), options)).close());
  const verify = await codeOf(async () => verifySequence(await SequenceReader.open(new MemoryReader(bytes), options)));
  const frames: string[] = [];
  if (open === 'ok') {
    const r = await SequenceReader.open(new MemoryReader(bytes), options);
    for (let i = 0; i <= r.last.index; i++) {
      let found = -1;
      const c = await codeOf(async () => {
        found = (await r.frame(i)).index;
      });
      frames.push(c === 'ok' ? `ok:${found}` : c);
    }
  }
  const path = join(seqDir, `h${seqFiles++}.dares`);
  writeFileSync(path, bytes);
  const append = await codeOf(async () => {
    const w = await SequenceWriter.open(path);
    try {
      await w.append(utf8('after'));
    } finally {
      await w.close();
    }
  });
  return { open, verify, frames, append, ms: performance.now() - t0 };
}

describe('sequence limits', () => {
  it('the well-formed baseline: a hand-built Tree sequence of 40 frames reads, verifies and finds every frame', async () => {
    const o = await sequenceOutcome(treeSequence(40));
    expect(o).toMatchObject({ open: 'ok', verify: 'ok', append: 'ok' });
    expect(o.frames).toStrictEqual(Array.from({ length: 40 }, (_, i) => `ok:${i}`));
  });

  it('frame length fields larger than the file: TRUNCATED (frame 0) or a torn tail, nothing allocated', async () => {
    const good = treeSequence(4);
    for (const claim of ['f7 00000000ffffffff', 'f7 001fffffffffffff', 'f7 ffffffffffffffff', 'f6 7fffffff', 'f5 ffff']) {
      const head = hex(claim);
      const bad = concatBytes(head, good.subarray(2));
      const [code, ms, grown] = await measure(() => SequenceReader.open(new MemoryReader(bad)));
      expect(['TRUNCATED', 'MALFORMED'], claim).toContain(code);
      expect(ms).toBeLessThan(1000);
      expect(grown).toBeLessThan(8 * MiB);
      // The same claim on the last frame: it reads as a torn tail after the intact frames.
      const f0 = frame0();
      const tail = concatBytes(f0, head, new Uint8Array(40));
      const r = await SequenceReader.open(new MemoryReader(tail));
      expect(r.last.index).toBe(0);
      expect(r.tornBytes).toBe(tail.length - f0.length);
    }
    // A record inside a frame that claims more than the frame holds.
    const rec = concatBytes(hex('f4 06'), hex('f1 ffff'), hex('00 00 00'), hex('06 f4'));
    expect(await codeOf(() => SequenceReader.open(new MemoryReader(rec)))).toBe('MALFORMED');
  });

  it('a huge declared header or trailer record: past the frame MALFORMED, past 16 MiB LIMIT_EXCEEDED before it is read', async () => {
    const big = (16 << 20) + 1;
    const frame = (records: Uint8Array[]) => {
      let body = 0;
      for (const r of records) body += r.length;
      return concatBytes(frameHeader(body), ...records, frameTrailer(body));
    };
    // Header record of 16 MiB + 1 (the bytes are there: a sparse-looking buffer of zeros).
    const hugeHeader = frame([recordHeader(big), new Uint8Array(big)]);
    const [code, ms, grown] = await measure(() => SequenceReader.open(new MemoryReader(hugeHeader)));
    expect(code).toBe('LIMIT_EXCEEDED');
    expect(ms).toBeLessThan(1000);
    expect(grown).toBeLessThan(8 * MiB);
    const header = utf8(encodeJson({ SequenceInfo: { DataEncoding: 'JSON-B', ContainerType: 'List', Index: 0 } }));
    const hugeTrailer = frame([recordHeader(header.length), header, recordHeader(0), recordHeader(big), new Uint8Array(big)]);
    expect(await codeOf(() => SequenceReader.open(new MemoryReader(hugeTrailer)))).toBe('LIMIT_EXCEEDED');
    // A header record that claims 2^40 bytes inside a small frame.
    const claim = concatBytes(hex('f4 0c'), hex('f3 0000010000000000'), hex('00 00 00'), hex('0c f4'));
    expect(await codeOf(() => SequenceReader.open(new MemoryReader(claim)))).toBe('MALFORMED');
  });

  it('deep nesting in a header: LIMIT_EXCEEDED (frame 0 JSON text, a later JSON-B header)', async () => {
    const deep = encodeFrame({ header: utf8(`{"SequenceInfo":{"Index":0,"ContainerType":"List"},"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`), frameZero: true });
    const [code, ms] = await measure(() => SequenceReader.open(new MemoryReader(deep)));
    expect(code).toBe('LIMIT_EXCEEDED');
    expect(ms).toBeLessThan(2000);
    const nested = encodeFrame({ header: concatBytes(utf8('{"SequenceInfo":{"Index":1},"x":'), utf8('['.repeat(200)), utf8(']'.repeat(200)), utf8('}')), payload: new Uint8Array(0) });
    const seq = concatBytes(frame0('List'), nested, frameN({ Index: 2 }));
    const o = await sequenceOutcome(seq);
    expect(o.verify).toBe('LIMIT_EXCEEDED');
  });

  it('frame 0 without SequenceInfo, with another Index or an unknown type is refused', async () => {
    expect((await sequenceOutcome(encodeFrame({ header: utf8('{}'), frameZero: true }))).open).toBe('HEADER_MALFORMED');
    expect((await sequenceOutcome(encodeFrame({ header: utf8('{"policy":{}}'), frameZero: true }))).append).toBe('HEADER_MALFORMED');
    expect((await sequenceOutcome(frame0('Tree', { Index: 1 }))).open).toBe('SEQUENCE_ORDER');
    expect((await sequenceOutcome(frame0('Tree', { ContainerType: null }))).open).toBe('HEADER_MALFORMED');
    expect((await sequenceOutcome(frame0('Spool'))).open).toBe('UNSUPPORTED_ALGORITHM');
    expect((await sequenceOutcome(new Uint8Array(0))).open).toBe('TRUNCATED');
  });

  it('Index values out of order, repeated, or larger than the frames before them can hold: SEQUENCE_ORDER', async () => {
    const swapped = concatBytes(frame0('List'), frameN({ Index: 1 }), frameN({ Index: 3 }), frameN({ Index: 2 }));
    const s = await sequenceOutcome(swapped);
    expect(s.verify).toBe('SEQUENCE_ORDER');
    const repeated = await sequenceOutcome(concatBytes(frame0('List'), frameN({ Index: 1 }), frameN({ Index: 1 })));
    expect(repeated.verify).toBe('SEQUENCE_ORDER');
    // A last frame claiming an index no file this size can reach (up to 2^53 - 1).
    for (const index of [Number.MAX_SAFE_INTEGER, 2 ** 40, 1000]) {
      const o = await sequenceOutcome(concatBytes(frame0('Merkle'), frameN({ Index: 1, TreePosition: 0 }), frameN({ Index: index, TreePosition: 0 })));
      expect(o.open).toBe('ok');
      expect(o.verify).not.toBe('ok');
      expect(o.append).not.toBe('ok');
      expect(o.frames.every((f) => f === 'ok:0' || f === 'ok:1' || f === 'SEQUENCE_ORDER' || f === 'TRUNCATED'), o.frames.join()).toBe(true);
    }
  });

  it('TreePosition outside the file, forwards, at itself, into a frame or in a cycle: frame(i) ends (found or a typed error), verify is SEQUENCE_ORDER', async () => {
    const n = 40;
    const variants: [string, (i: number, pos: readonly number[], size: number) => number | undefined][] = [
      ['outside', (i, pos, size) => (i === 30 ? size + 1000 : pos[previousFrame(i)])],
      ['all outside', (_i, _pos, size) => size + 7],
      ['forwards', (i, pos) => (i === 20 ? pos[35] : pos[previousFrame(i)])],
      ['itself', (i, pos) => (i >= 10 ? pos[i] : pos[previousFrame(i)])],
      ['inside a frame', (i, pos) => (i === 31 ? (pos[15] as number) + 3 : pos[previousFrame(i)])],
      ['cycle', (i, pos) => (i === 31 ? pos[32] : i === 32 ? pos[31] : pos[previousFrame(i)])],
      ['to frame 0 always', () => 0],
    ];
    for (const [name, tp] of variants) {
      const o = await sequenceOutcome(treeSequence(n, tp));
      expect(o.open, name).toBe('ok');
      expect(o.frames, name).toHaveLength(n);
      o.frames.forEach((f, i) => {
        if (f.startsWith('ok:')) expect(f, `${name}: frame(${i})`).toBe(`ok:${i}`);
        else expect(['SEQUENCE_ORDER', 'MALFORMED', 'TRUNCATED', 'HEADER_MALFORMED'], `${name}: frame(${i})`).toContain(f);
      });
      expect(o.verify, name).toBe('SEQUENCE_ORDER');
      expect(o.ms, name).toBeLessThan(5000);
    }
  });

  it('ExchangePosition at a later frame, outside the file, at itself or at a frame without recipients is refused', async () => {
    const key = generateKeySet();
    const options: SequenceReadOptions = { keys: [{ crv: key.encryption.crv, privateKey: key.encryption.privateKey }] };
    const enc = { enc: 'A256CBC', kid: 'MB5S-R4AJ-3FBT-7NHO-T26Z-2E6Y-WFH4', Salt: new Uint8Array(16).fill(1) };
    const recipients = [{ kid: 'x', epk: { PublicKeyECDH: { crv: 'X25519', Public: new Uint8Array(32).fill(9) } }, wmk: new Uint8Array(40) }];
    const build = (exchange: (pos: readonly number[], size: number) => number) => {
      let pos = [0, 0, 0];
      let size = 0;
      for (let round = 0; round < 10; round++) {
        const frames = [
          frame0('List'),
          frameN({ Index: 1, ExchangePosition: exchange(pos, size) }, enc, new Uint8Array(16)),
          frameN({ Index: 2 }, { ...enc, recipients }, new Uint8Array(16)),
        ];
        const next = [0, (frames[0] as Uint8Array).length, (frames[0] as Uint8Array).length + (frames[1] as Uint8Array).length];
        const total = next[2] as number + (frames[2] as Uint8Array).length;
        if (next.every((x, i) => x === pos[i]) && total === size) return concatBytes(...frames);
        pos = next;
        size = total;
      }
      throw new Error('positions do not settle');
    };
    const codes = async (bytes: Uint8Array) => codeOf(async () => {
      const r = await SequenceReader.open(new MemoryReader(bytes), options);
      await r.open(await r.frame(1));
    });
    expect(await codes(build((pos) => pos[2] as number))).toBe('SEQUENCE_ORDER');
    expect(await codes(build((_pos, size) => size + 100))).toBe('TRUNCATED');
    expect(await codes(build((pos) => pos[1] as number))).toBe('HEADER_MALFORMED');
    expect(await codes(build(() => 0))).toBe('HEADER_MALFORMED');
    expect(await codes(build((pos) => (pos[1] as number) + 2))).toBe('MALFORMED');
  });
});
