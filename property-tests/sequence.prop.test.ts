/**
 * Property tests of DARE sequences (draft-hallambaker-mesh-dare-12 §4, §6;
 * docs/FORMAT.md §8) on real files with real keys: round trips over several writer
 * sessions in every type and key mode, tamper detection (every byte of small
 * authenticated sequences, and random mutations), truncation at any offset with
 * torn-tail recovery, reads through differently behaving random-access sources, and
 * the Merkle tree and chain on disk against the naive twin. Fixed seeds; a few dozen to
 * a few hundred runs, ten times as many with SLOW=1.
 * @module
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DareError } from '../lib/errors.js';
import { SequenceReader, SequenceWriter, verifySequence, type ContentMeta, type KeySet, type SequenceType } from '../lib/index.js';
import type { SequenceReadOptions } from '../lib/sequence/reader.js';
import type { SequenceVerifyReport } from '../lib/index.js';
import { readFrame } from '../lib/encoding/jbcd.js';
import { MemoryReader, type RandomAccessReader } from '../lib/internal/random-access.js';
import { FileReader } from '../lib/platform/file.js';
import { KEYS, STRANGER, normalMeta, pieces, runs } from './support.js';
import { naiveChain, naiveTreeDigest, naiveTreeNode } from './reference/merkle-naive.js';

const SEED = 0x5e9_da7e;
const dir = mkdtempSync(join(tmpdir(), 'dare-seq-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const tmp = (): string => join(dir, `s${counter++}.dares`);

type Enc = 'none' | 'recipients' | 'secret';

interface FrameSpec {
  payload: Uint8Array;
  meta?: ContentMeta;
  annotations: Uint8Array[];
  /** Append as a stream of pieces with payloadLength instead of one buffer. */
  stream: boolean;
  /** Piece sizes of the stream (default 7 and 64 bytes). */
  pieces?: number[];
}

interface SeqCase {
  type: SequenceType;
  enc: Enc;
  /** Indexes into KEYS of the recipients (encryption keys). */
  recipients: number[];
  /** Index into KEYS of the signer, when sealed. */
  signer?: number;
  secret: Uint8Array;
  frame0Meta?: ContentMeta;
  /** Writer sessions: frames appended, then an optional seal (signed when there is a signer). */
  sessions: { frames: FrameSpec[]; seal: boolean }[];
}

const text = fc.string({ maxLength: 16 });
const metaArb: fc.Arbitrary<ContentMeta> = fc.record({
  contentType: fc.constantFrom('application/octet-stream', 'text/plain'),
  filename: text,
  modified: fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString()),
  labels: fc.array(text, { maxLength: 2 }),
}, { requiredKeys: [] });

const payload = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 48 }), weight: 4 },
  { arbitrary: fc.uint8Array({ minLength: 100, maxLength: 1200 }), weight: 1 },
  { arbitrary: fc.constant(new Uint8Array(0)), weight: 2 },
);

const frameArb: fc.Arbitrary<FrameSpec> = fc.record({
  payload,
  meta: fc.option(metaArb, { nil: undefined }),
  annotations: fc.array(fc.uint8Array({ maxLength: 24 }), { maxLength: 2 }),
  stream: fc.boolean(),
});

const TYPES: readonly SequenceType[] = ['List', 'Digest', 'Chain', 'Tree', 'Merkle'];

function caseArb(opts: { types?: readonly SequenceType[]; encs?: readonly Enc[]; maxFrames?: number; maxSessions?: number } = {}): fc.Arbitrary<SeqCase> {
  return fc.record({
    type: fc.constantFrom(...(opts.types ?? TYPES)),
    enc: fc.constantFrom(...(opts.encs ?? ['none', 'recipients', 'secret'] as Enc[])),
    recipients: fc.uniqueArray(fc.integer({ min: 0, max: KEYS.length - 1 }), { minLength: 1, maxLength: 2 }),
    signer: fc.option(fc.integer({ min: 0, max: KEYS.length - 1 }), { nil: undefined }),
    secret: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    frame0Meta: fc.option(metaArb, { nil: undefined }),
    sessions: fc.array(fc.record({
      frames: fc.array(frameArb, { maxLength: opts.maxFrames ?? 6 }),
      seal: fc.boolean(),
    }), { minLength: 1, maxLength: opts.maxSessions ?? 3 }),
  });
}

const key = (i: number): KeySet => KEYS[i] as KeySet;
const linked = (t: SequenceType): boolean => t === 'Merkle' || t === 'Chain';

function readOptions(c: SeqCase, trusted: boolean): SequenceReadOptions {
  const last = key(c.recipients[c.recipients.length - 1] as number);
  return {
    // The reader holds a stranger's key and the last recipient's: every entry must be tried.
    keys: c.enc === 'recipients' ? [
      { crv: STRANGER.encryption.crv, privateKey: STRANGER.encryption.privateKey },
      { crv: last.encryption.crv, privateKey: last.encryption.privateKey },
    ] : [],
    secrets: c.enc === 'secret' ? [c.secret] : [],
    trustedSigners: trusted && c.signer !== undefined ? [{ crv: key(c.signer).signature.crv, publicKey: key(c.signer).signature.publicKey }] : [],
  };
}

interface Written {
  path: string;
  /** Data frames in order, as appended. */
  data: FrameSpec[];
  /** Total frames including frame 0 and seal frames. */
  frames: number;
  seals: number;
  lastSealed: boolean;
}

/** Writes a case: create, then one writer per session (reopened from the file), closed each time. */
async function write(c: SeqCase, path = tmp()): Promise<Written> {
  const signer = c.signer === undefined ? undefined : key(c.signer).signature;
  const secret = c.enc === 'secret' ? c.secret : undefined;
  const recipients = c.enc === 'recipients' ? c.recipients.map((i) => ({ crv: key(i).encryption.crv, publicKey: key(i).encryption.publicKey })) : undefined;
  let frames = 1;
  let seals = 0;
  let lastSealed = false;
  const data: FrameSpec[] = [];
  for (let s = 0; s < c.sessions.length; s++) {
    const session = c.sessions[s] as SeqCase['sessions'][number];
    // Later sessions take the recipients from the policy in frame 0.
    const w = s === 0
      ? await SequenceWriter.create(path, { type: c.type, contentMeta: c.frame0Meta, recipients, secret, signer })
      : await SequenceWriter.open(path, { secret, signer });
    expect(w.frameCount).toBe(frames);
    for (const f of session.frames) {
      const options = { contentMeta: f.meta, annotations: f.annotations };
      const appended = f.stream
        ? await w.append(pieces(f.payload, f.pieces ?? [7, 64]), { ...options, payloadLength: f.payload.length })
        : await w.append(f.payload, options);
      expect(appended.index).toBe(frames);
      frames++;
      data.push(f);
    }
    lastSealed = session.seal;
    if (session.seal) {
      await w.seal();
      frames++;
      seals++;
    }
    await w.close();
  }
  return { path, data, frames, seals, lastSealed };
}

interface ReadFrame {
  index: number;
  position: number;
  payload: Uint8Array;
  meta: ContentMeta | undefined;
  annotations: Uint8Array[];
}

/** Reads every data frame (meta frames skipped) through a reader; DareErrors propagate. */
async function readAll(r: SequenceReader): Promise<ReadFrame[]> {
  const out: ReadFrame[] = [];
  for await (const v of r.frames(1)) {
    if (v.isMeta) continue;
    const o = await r.open(v);
    out.push({ index: v.index, position: v.position, payload: await r.readPayload(o), meta: o.contentMeta, annotations: [...o.annotations] });
  }
  return out;
}

function expectData(got: readonly ReadFrame[], want: readonly FrameSpec[]): void {
  expect(got.map((g) => g.payload)).toStrictEqual(want.map((w) => w.payload));
  expect(got.map((g) => normalMeta(g.meta))).toStrictEqual(want.map((w) => normalMeta(w.meta)));
  expect(got.map((g) => g.annotations)).toStrictEqual(want.map((w) => w.annotations));
}

async function withReader<T>(source: string | RandomAccessReader, options: SequenceReadOptions, f: (r: SequenceReader) => Promise<T>): Promise<T> {
  const r = await SequenceReader.open(source, options);
  try {
    return await f(r);
  } finally {
    await r.close();
  }
}

const sha512 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

describe('sequence round trip', () => {
  it('payloads, metadata and annotations come back over several writer sessions; verify passes; frame(i) finds every frame', async () => {
    await fc.assert(fc.asyncProperty(caseArb(), async (c) => {
      const w = await write(c);
      // Only a seal over a recomputed chain or tree value covers the frames (Merkle, Chain).
      const trusted = c.signer !== undefined && w.lastSealed && linked(c.type);
      await withReader(w.path, readOptions(c, trusted), async (r) => {
        expect(r.type).toBe(c.type);
        expect(r.tornBytes).toBe(0);
        expect(r.last.index).toBe(w.frames - 1);
        expectData(await readAll(r), w.data);
        expect(normalMeta((await r.open(r.first)).contentMeta)).toStrictEqual(normalMeta(c.frame0Meta));
        const report = await verifySequence(r);
        expect(report.frames).toBe(w.frames);
        expect(report.tornBytes).toBe(0);
        expect(report.authenticated).toBe(c.enc === 'none' ? 0 : w.frames - 1);
        expect(report.unopened).toBe(0);
        expect(report.structureChecked).toBe(c.type === 'Merkle' || c.type === 'Chain');
        const valid = report.signatures.filter((s) => s.status === 'valid');
        expect(valid).toHaveLength(c.signer === undefined ? 0 : w.seals);
        if (trusted) expect(report.lastSigned).toBe(w.frames - 1);
        // frame(i) by index: every frame, at the position the forward walk found it.
        const positions: number[] = [];
        for await (const v of r.frames()) positions.push(v.position);
        for (let i = 0; i < w.frames; i++) {
          const f = await r.frame(i);
          expect(f.index).toBe(i);
          expect(f.position).toBe(positions[i]);
        }
      });
    }), { seed: SEED, numRuns: runs(30) });
  }, 120_000);

  it('trusted signers: the last frame must be a trusted seal', async () => {
    await fc.assert(fc.asyncProperty(caseArb({ maxFrames: 3 }).filter((c) => c.signer !== undefined), async (c) => {
      const w = await write(c);
      const other = key((c.signer as number + 1) % KEYS.length).signature;
      const code = async (o: SequenceReadOptions) => withReader(w.path, o, (r) => verifySequence(r)).then(() => 'ok', (e: unknown) => {
        if (e instanceof DareError) return e.code;
        throw e;
      });
      expect(await code(readOptions(c, true))).toBe(w.lastSealed && linked(c.type) ? 'ok' : 'SIGNATURE_INVALID');
      const sameCurve = other.crv === key(c.signer as number).signature.crv && other.publicKey !== key(c.signer as number).signature.publicKey;
      if (sameCurve) expect(await code({ ...readOptions(c, false), trustedSigners: [{ crv: other.crv, publicKey: other.publicKey }] })).toBe('SIGNATURE_INVALID');
    }), { seed: SEED + 1, numRuns: runs(20) });
  }, 120_000);
});

describe('Merkle tree and chain on disk against the naive twin', () => {
  it('every TreeDigest, TreeNode and ChainDigest written (across reopen) equals the recompute-everything value', async () => {
    await fc.assert(fc.asyncProperty(caseArb({ types: ['Merkle', 'Chain'], maxFrames: 12, maxSessions: 4 }), async (c) => {
      const w = await write(c);
      const bytes = new Uint8Array(readFileSync(w.path));
      const fds: Uint8Array[] = [];
      const trailers: { treeDigest?: Uint8Array; treeNode?: Uint8Array; chainDigest?: Uint8Array }[] = [];
      await withReader(w.path, {}, async (r) => {
        for await (const v of r.frames()) {
          // FD(n) from the raw bytes with node:crypto, not the library's hashing.
          const p = v.payload;
          const carried = p ? bytes.subarray(p.dataPosition, p.dataPosition + p.length) : new Uint8Array(0);
          fds.push(sha512(sha512(v.headerRecord), sha512(carried)));
          trailers.push({ ...v.trailer });
        }
      });
      expect(fds).toHaveLength(w.frames);
      const chain = c.type === 'Chain' ? naiveChain(fds) : [];
      for (let n = 0; n < fds.length; n++) {
        const t = trailers[n] as (typeof trailers)[number];
        if (c.type === 'Merkle') {
          expect(t.treeDigest, `TreeDigest(${n})`).toStrictEqual(naiveTreeDigest(fds, n));
          expect(t.treeNode, `TreeNode(${n})`).toStrictEqual(naiveTreeNode(fds, n));
        } else {
          expect(t.chainDigest, `ChainDigest(${n})`).toStrictEqual(chain[n]);
        }
      }
    }), { seed: SEED + 2, numRuns: runs(25) });
  }, 120_000);
});

/** A RandomAccessReader over a buffer that returns fresh copies at odd offsets of larger buffers. */
class CopyingReader implements RandomAccessReader {
  reads = 0;
  private readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
  async size(): Promise<number> {
    return this.bytes.length;
  }
  async read(position: number, length: number): Promise<Uint8Array> {
    this.reads++;
    const n = Math.max(0, Math.min(length, this.bytes.length - position));
    const backing = new Uint8Array(n + 3).fill(0xa5);
    backing.set(this.bytes.subarray(position, position + n), 1);
    return backing.subarray(1, 1 + n);
  }
}

describe('sources', () => {
  it('a file, a buffer view and a copying source read the same payloads, also across the 64 KiB cache and 1 MiB stream pieces', async () => {
    const big = fc.constantFrom(65_535, 65_537, (1 << 20) + 17);
    await fc.assert(fc.asyncProperty(caseArb({ maxFrames: 2, maxSessions: 2 }), big, fc.nat(), async (c0, size, s) => {
      const filler = new Uint8Array(size).map((_, i) => (i * 31 + s) & 255);
      const c: SeqCase = { ...c0, sessions: [...c0.sessions, { frames: [{ payload: filler, annotations: [], stream: s % 2 === 0, pieces: [4096, 1] }], seal: false }] };
      const w = await write(c);
      const bytes = new Uint8Array(readFileSync(w.path));
      const o = readOptions(c, false);
      const viaFile = await withReader(w.path, o, readAll);
      const viaOpenFile = await (async () => {
        const fr = await FileReader.open(w.path);
        try {
          return await withReader(fr, o, readAll);
        } finally {
          await fr.close();
        }
      })();
      const viaMemory = await withReader(new MemoryReader(bytes), o, readAll);
      const copying = new CopyingReader(bytes);
      const viaCopies = await withReader(copying, o, readAll);
      // Compared through digests: element-wise equality of MiB arrays is slow in expect.
      const summary = (fs: readonly ReadFrame[]) => fs.map((f) => ({ ...f, payload: Buffer.from(sha512(f.payload)).toString('hex'), n: f.payload.length }));
      const want = summary(viaFile);
      expect(want.map((f) => [f.payload, f.n])).toStrictEqual(w.data.map((d) => [Buffer.from(sha512(d.payload)).toString('hex'), d.payload.length]));
      expect(summary(viaOpenFile)).toStrictEqual(want);
      expect(summary(viaMemory)).toStrictEqual(want);
      expect(summary(viaCopies)).toStrictEqual(want);
      expect(copying.reads).toBeGreaterThan(0);
    }), { seed: SEED + 3, numRuns: runs(6) });
  }, 120_000);
});

/* ------------------------------------------------------------------------------------------ */
/* Tamper                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/** Where a byte sits: which frame, and which part of it. */
interface Region {
  frame: number;
  part: 'framing' | 'header' | 'payload' | 'trailer';
}

async function regions(bytes: Uint8Array): Promise<(pos: number) => Region> {
  const r = new MemoryReader(bytes);
  const map: { start: number; end: number; frame: number; part: Region['part'] }[] = [];
  let p = 0;
  for (let i = 0; p < bytes.length; i++) {
    const f = await readFrame(r, p);
    const parts: Region['part'][] = ['header', 'payload', 'trailer'];
    f.records.forEach((rec, k) => map.push({ start: rec.dataPosition, end: rec.dataPosition + rec.length, frame: i, part: parts[k] as Region['part'] }));
    map.push({ start: f.start, end: f.end, frame: i, part: 'framing' });
    p = f.end;
  }
  return (pos) => {
    const hit = map.find((m) => pos >= m.start && pos < m.end) as (typeof map)[number];
    return { frame: hit.frame, part: hit.part };
  };
}

type Verdict =
  | { kind: 'error'; code: string }
  /** verify passed and the data read back is exactly the original. */
  | { kind: 'same' }
  /** verify passed; the end of the file reads as a torn tail and the frames before it are intact. */
  | { kind: 'torn'; frames: number }
  /** verify passed, but a frame no key opened (reported in `unopened`). */
  | { kind: 'unopened' }
  /** verify passed with structureChecked false: the chain or tree was not recomputed. */
  | { kind: 'downgraded' };

/** verifySequence and a full read of the mutated bytes; anything but a DareError fails the test. */
async function judge(bad: Uint8Array, o: SequenceReadOptions, original: Baseline): Promise<Verdict> {
  let report: SequenceVerifyReport;
  let data: ReadFrame[];
  try {
    [report, data] = await withReader(new MemoryReader(bad), o, async (r) => [await verifySequence(r), await readAll(r)] as const);
  } catch (e) {
    if (e instanceof DareError) return { kind: 'error', code: e.code };
    throw e;
  }
  if (report.unopened > 0) return { kind: 'unopened' };
  if (original.structureChecked && !report.structureChecked) return { kind: 'downgraded' };
  if (report.tornBytes > 0) {
    expect(report.frames).toBeLessThan(original.frames);
    expect(data).toStrictEqual(original.data.filter((d) => d.index < report.frames));
    return { kind: 'torn', frames: report.frames };
  }
  expect(report.frames).toBe(original.frames);
  expect(data).toStrictEqual(original.data);
  return { kind: 'same' };
}

function flip(b: Uint8Array, at: number, bit: number, value?: number): Uint8Array {
  const m = b.slice();
  m[at] = value === undefined ? (m[at] as number) ^ (1 << bit) : value;
  return m;
}

interface Baseline {
  frames: number;
  structureChecked: boolean;
  data: ReadFrame[];
}

/** Reads the original once: frame count, whether the structure was checked, and the data. */
async function baseline(bytes: Uint8Array, o: SequenceReadOptions): Promise<Baseline> {
  return withReader(new MemoryReader(bytes), o, async (r) => {
    const rep = await verifySequence(r);
    return { frames: rep.frames, structureChecked: rep.structureChecked, data: await readAll(r) };
  });
}

/**
 * Which undetected outcomes a flip may have, by where it lands. Everything not listed
 * here must be a DareError from verifySequence (or from reading the frames).
 *
 * - torn: a flip in the LAST frame's JBCD framing (the leading or trailing length and tag,
 *   or a record header) makes the last frame unreadable, so the file reads as ending in
 *   a torn tail: the frames before it verify and `tornBytes` reports the rest. Same for a
 *   flip anywhere in the last frame's header or trailer records that stops them parsing.
 *   Only a trusted signer requirement (the last frame must be a trusted seal) turns this
 *   into an error.
 * - same, in a header of an encrypted frame of a sequence without chain or tree: the
 *   master and recipient `kid` hints, and the top bit of an X25519 `epk` (RFC 7748 masks
 *   it), which do not change what is read.
 * - same, in frame 0 of a List/Digest/Tree sequence: the policy (EncryptKeys, SignKeys,
 *   SharedSecret kid, DigestScheme) and frame 0's metadata are authenticated by nothing
 *   (and SequenceWriter.open encrypts the new frames of a session to the EncryptKeys it
 *   finds there, in every type: in Merkle and Chain sequences only verifySequence notices).
 * - downgraded: a flip in the name or value of `DigestScheme` in frame 0's policy makes
 *   the sequence look like the reference's, whose chain and tree values are not checked:
 *   verifySequence passes with `structureChecked: false` (a trusted signer requirement
 *   fails instead, since 7c088a8). Callers of Merkle/Chain sequences must check it.
 * - same, in a trailer: a change of letter case in a key id (UDF presentations are
 *   case-insensitive), the `kid` of a signature entry; trailers are not hashed into the
 *   frame digest, and the signature itself is checked.
 * - unopened (List, Digest, Tree): under a shared secret, a flip in a frame's `kid` makes no
 *   secret match; the frame is reported as unopened (its PayloadDigest is still checked).
 *
 * In Merkle and Chain sequences every header byte is hashed into the frame digest, so
 * nothing but the torn last frame, the downgrade, and key id case in a trailer goes
 * without an error.
 */
function allowed(v: Verdict, at: Region, last: number, c: { type: SequenceType; enc: Enc }, from: number, to: number): boolean {
  if (v.kind === 'error') return true;
  if (v.kind === 'torn') return at.frame === last && v.frames === last;
  // Headers of Merkle and Chain frames are hashed into the frame digests: any change is an error.
  const linked = c.type === 'Merkle' || c.type === 'Chain';
  if (v.kind === 'downgraded') return linked && at.frame === 0 && at.part === 'header';
  if (v.kind === 'unopened') return !linked && c.enc === 'secret' && at.part === 'header';
  // same
  const letter = (x: number) => (x | 0x20) >= 0x61 && (x | 0x20) <= 0x7a;
  if (at.part === 'trailer') return letter(from) && (from ^ to) === 0x20;
  if (at.part !== 'header' || linked) return false;
  return at.frame === 0 || c.enc !== 'none';
}

const TAMPER_CASES: { name: string; c: SeqCase }[] = (() => {
  const f = (s: string, meta?: ContentMeta): FrameSpec => ({ payload: new TextEncoder().encode(s), meta, annotations: s.length > 3 ? [new TextEncoder().encode('note')] : [], stream: false });
  const base = { recipients: [0], secret: new Uint8Array(32).fill(7), frame0Meta: { contentType: 'text/plain' } };
  const frames = [f('alpha', { filename: 'a.txt' }), f(''), f('gamma gamma gamma')];
  const two = (seal: boolean) => [{ frames: frames.slice(0, 2), seal: false }, { frames: frames.slice(2), seal }];
  return [
    { name: 'Merkle plain', c: { ...base, type: 'Merkle', enc: 'none', sessions: two(false) } },
    { name: 'Chain plain', c: { ...base, type: 'Chain', enc: 'none', sessions: two(false) } },
    { name: 'Merkle secret', c: { ...base, type: 'Merkle', enc: 'secret', sessions: two(false) } },
    { name: 'Chain X448 recipients', c: { ...base, type: 'Chain', enc: 'recipients', recipients: [2], sessions: two(false) } },
    { name: 'List X25519 recipients', c: { ...base, type: 'List', enc: 'recipients', sessions: two(false) } },
    { name: 'Tree secret', c: { ...base, type: 'Tree', enc: 'secret', sessions: two(false) } },
    { name: 'Digest secret', c: { ...base, type: 'Digest', enc: 'secret', sessions: two(false) } },
    { name: 'Merkle signed Ed448 sealed', c: { ...base, type: 'Merkle', enc: 'none', signer: 2, sessions: two(true) } },
  ] as { name: string; c: SeqCase }[];
})();

describe('tamper', () => {
  for (const { name, c } of TAMPER_CASES) {
    it(`${name}: a bit flip at every byte (every few bytes; every byte with SLOW=1) is a typed error, or one of the documented undetected outcomes`, async () => {
      const w = await write(c);
      const bytes = new Uint8Array(readFileSync(w.path));
      const trusted = c.signer !== undefined;
      const o = readOptions(c, trusted);
      const original = await baseline(bytes, o);
      const where = await regions(bytes);
      const last = w.frames - 1;
      const undetected = new Map<string, number>();
      // About 100 flips per case by default, spread over the whole file; all of them with SLOW=1.
      const step = process.env.SLOW === '1' ? 1 : Math.max(1, Math.floor(bytes.length / 100));
      for (let at = name.length % step; at < bytes.length; at += step) {
        const bad = flip(bytes, at, at % 8);
        const v = await judge(bad, o, original);
        const region = where(at);
        if (!allowed(v, region, last, c, bytes[at] as number, bad[at] as number)) expect.fail(`${name}: flip at ${at} (frame ${region.frame} ${region.part}) gave ${JSON.stringify(v)}`);
        if (v.kind !== 'error') {
          if (process.env.SEQ_TAMPER_REPORT === '1' && v.kind === 'same') {
            process.stdout.write(`  ${name} same at ${at} frame ${region.frame}: ${JSON.stringify(Buffer.from(bytes.subarray(Math.max(0, at - 12), at + 4)).toString('latin1'))}\n`);
          }
          const k = `${v.kind} frame ${region.frame === last ? 'last' : region.frame} ${region.part}`;
          undetected.set(k, (undetected.get(k) ?? 0) + 1);
        }
      }
      // With a trusted signer, nothing goes unnoticed: even a torn last frame loses the seal.
      if (trusted) expect([...undetected.keys()].filter((k) => !k.startsWith('same'))).toEqual([]);
      // Payloads and trailers of frames before the last are always covered.
      expect([...undetected.keys()].filter((k) => /frame \d+ (payload|trailer)/.test(k))).toEqual([]);
      if (process.env.SEQ_TAMPER_REPORT === '1') process.stdout.write(`${name}: ${JSON.stringify(Object.fromEntries(undetected))}\n`);
    }, 120_000);
  }

  it('random sequences: random bit flips and byte substitutions are typed errors or documented outcomes', async () => {
    const mutation = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 }), fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }));
    const authenticated = fc.oneof(
      caseArb({ types: ['Merkle', 'Chain'], maxFrames: 4, maxSessions: 2 }),
      caseArb({ encs: ['recipients', 'secret'], maxFrames: 4, maxSessions: 2 }),
    );
    await fc.assert(fc.asyncProperty(authenticated, fc.array(mutation, { minLength: 1, maxLength: 6 }), async (c, ms) => {
      const w = await write(c);
      const bytes = new Uint8Array(readFileSync(w.path));
      const o = readOptions(c, false);
      const original = await baseline(bytes, o);
      const where = await regions(bytes);
      for (const [n, bit, value] of ms) {
        const at = n % bytes.length;
        if (value === bytes[at]) continue;
        const bad = flip(bytes, at, bit, value);
        const v = await judge(bad, o, original);
        const region = where(at);
        if (!allowed(v, region, w.frames - 1, c, bytes[at] as number, bad[at] as number)) expect.fail(`flip at ${at} (frame ${region.frame} ${region.part}) of a ${c.type}/${c.enc} sequence gave ${JSON.stringify(v)}`);
      }
    }), { seed: SEED + 4, numRuns: runs(30) });
  }, 120_000);
});

/* ------------------------------------------------------------------------------------------ */
/* Truncation and torn tails                                                                   */
/* ------------------------------------------------------------------------------------------ */

describe('truncation', () => {
  it('a sequence cut at any offset reads exactly the whole frames before the cut; reopening cuts the tail, appends and verifies', async () => {
    await fc.assert(fc.asyncProperty(caseArb({ maxFrames: 4, maxSessions: 2 }), fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.uint8Array({ maxLength: 40 }), async (c, cuts, extra) => {
      const w = await write(c);
      const bytes = new Uint8Array(readFileSync(w.path));
      const o = readOptions(c, false);
      const ends: number[] = [];
      const original = await withReader(new MemoryReader(bytes), o, async (r) => {
        for await (const v of r.frames()) ends.push(v.end);
        return readAll(r);
      });
      const frame0End = ends[0] as number;
      for (const n of [frame0End - 1, frame0End, frame0End + 1, bytes.length - 1, ...cuts]) {
        const cut = n % bytes.length;
        const prefix = bytes.slice(0, cut);
        const whole = ends.filter((e) => e <= cut).length;
        if (whole === 0) {
          // Frame 0 cut: not a sequence.
          await expect(SequenceReader.open(new MemoryReader(prefix), o)).rejects.toBeInstanceOf(DareError);
          continue;
        }
        const lastEnd = ends[whole - 1] as number;
        const got = await withReader(new MemoryReader(prefix), o, async (r) => {
          expect(r.last.index, `cut at ${cut}`).toBe(whole - 1);
          expect(r.tornBytes).toBe(cut - lastEnd);
          const report = await verifySequence(r);
          expect(report.frames).toBe(whole);
          for (let i = 0; i < whole; i++) expect((await r.frame(i)).index).toBe(i);
          return readAll(r);
        });
        expect(got).toStrictEqual(original.filter((d) => d.index < whole));
        // Reopen for appending: the torn bytes go, a new frame follows, everything verifies.
        const path = tmp();
        writeFileSync(path, prefix);
        const secret = c.enc === 'secret' ? c.secret : undefined;
        const wr = await SequenceWriter.open(path, { secret });
        expect(wr.tornBytes).toBe(cut - lastEnd);
        expect(wr.frameCount).toBe(whole);
        await wr.append(extra, { annotations: [extra] });
        await wr.close();
        await withReader(path, o, async (r) => {
          expect(r.tornBytes).toBe(0);
          expect((await verifySequence(r)).frames).toBe(whole + 1);
          const after = await readAll(r);
          expect(after.slice(0, -1)).toStrictEqual(original.filter((d) => d.index < whole));
          expect(after[after.length - 1]?.payload).toStrictEqual(extra);
          expect(after[after.length - 1]?.annotations).toStrictEqual([extra]);
        });
      }
    }), { seed: SEED + 5, numRuns: runs(15) });
  }, 120_000);

  it('every cut (every third with SLOW unset) of a small encrypted Merkle sequence', async () => {
    const c = TAMPER_CASES[2]?.c as SeqCase;
    const w = await write(c);
    const bytes = new Uint8Array(readFileSync(w.path));
    const o = readOptions(c, false);
    const ends: number[] = [];
    await withReader(new MemoryReader(bytes), o, async (r) => {
      for await (const v of r.frames()) ends.push(v.end);
    });
    for (let cut = 0; cut < bytes.length; cut += process.env.SLOW === '1' ? 1 : 3) {
      const whole = ends.filter((e) => e <= cut).length;
      const outcome = await withReader(new MemoryReader(bytes.subarray(0, cut)), o, async (r) => {
        const rep = await verifySequence(r);
        return [r.last.index, rep.frames, rep.tornBytes];
      }).catch((e: unknown) => {
        if (e instanceof DareError) return e.code;
        throw e;
      });
      if (whole === 0) expect(['TRUNCATED', 'MALFORMED'], `cut ${cut}`).toContain(outcome);
      else expect(outcome, `cut ${cut}`).toStrictEqual([whole - 1, whole, cut - (ends[whole - 1] as number)]);
    }
  }, 60_000);
});
