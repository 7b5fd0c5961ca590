/**
 * A coverage-guided mutation fuzzer on V8's own precise block coverage
 * (node:inspector, Profiler.startPreciseCoverage with callCount and detailed).
 * @jazzer.js needs glibc 2.38 and these machines have 2.36, so this is the
 * replacement: small, dependency free, deterministic for a given PRNG seed.
 *
 * Loop: pick a corpus entry, apply 1-4 byte-level or structure-aware mutations,
 * run the target. Inputs run in batches; after each batch the block counters are
 * taken (and reset). A batch that reached a block never seen before is replayed
 * input by input to find which inputs did; those join the corpus. Blocks are
 * (script, function, range) triples of the library's own scripts (`/lib/`).
 *
 * A crash is any exception that is not a DareError, an input slower than the
 * time budget (a hang: the loop cannot preempt a truly endless loop, so the
 * vitest timeout is the last line), or heap + ArrayBuffer growth past a bound
 * after an input. Crashing inputs are saved to fixtures/fuzz/<target>/crashes/.
 * @module
 */
import { Session } from 'node:inspector/promises';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FuzzTarget } from './targets.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/fuzz/', import.meta.url));

export interface FuzzOptions {
  /** Wall-clock budget of the run. */
  seconds: number;
  /** PRNG seed: the same seed, corpus and code give the same run. */
  seed: number;
  /** Per-input time budget; slower inputs are hangs (default 2000 ms). */
  timeoutMs?: number;
  /** Heap + ArrayBuffer growth during one input that counts as a crash (default 256 MiB). */
  memoryBytes?: number;
  /** Inputs per coverage batch (default 32). */
  batch?: number;
  /** Write crashing inputs to fixtures/fuzz/<target>/crashes/ (default true). */
  saveCrashes?: boolean;
  /** Stop at the first crash (default false). */
  stopOnCrash?: boolean;
}

export interface Crash {
  kind: 'exception' | 'hang' | 'memory';
  message: string;
  input: Uint8Array;
  file?: string;
}

export interface FuzzReport {
  target: string;
  seeds: number;
  execs: number;
  seconds: number;
  execsPerSecond: number;
  /** Distinct library blocks reached by the seeds alone, and at the end. */
  seedBlocks: number;
  blocks: number;
  corpus: number;
  crashes: Crash[];
}

/** xorshift32: small, fast, deterministic. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = (seed >>> 0) || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
}

/** Reads the seed corpus of a target; throws when there is none (the runner must not fuzz nothing). */
export function loadSeeds(target: string): Uint8Array[] {
  const dir = join(FIXTURES, target);
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => statSync(join(dir, f)).isFile()).sort() : [];
  if (files.length === 0) throw new Error(`fuzz: no seed files in ${dir} (run npm run fuzz:seeds)`);
  return files.map((f) => new Uint8Array(readFileSync(join(dir, f))));
}

/** Saved crashes of a target (may be none). */
export function loadCrashes(target: string): { file: string; input: Uint8Array }[] {
  const dir = join(FIXTURES, target, 'crashes');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().map((f) => ({ file: join(dir, f), input: new Uint8Array(readFileSync(join(dir, f))) }));
}

/** Interesting values for length fields (big-endian in JSON-B). */
const INTERESTING: readonly number[][] = [
  [0x00], [0x01], [0x7f], [0x80], [0xff], [0x00, 0x00], [0xff, 0xff], [0x7f, 0xff], [0x80, 0x00],
  [0x7f, 0xff, 0xff, 0xff], [0xff, 0xff, 0xff, 0xff], [0x00, 0x00, 0x00, 0x00],
  [0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
];

/** Tokens worth inserting: JSON-B tags, brackets, separators and the field names of the schema. */
const DICTIONARY: readonly Uint8Array[] = [
  ...[0x5b, 0x5d, 0x7b, 0x7d, 0x2c, 0x3a, 0x22, 0x80, 0x81, 0x82, 0x83, 0x84, 0x87, 0x88, 0x89, 0x8b, 0x8c, 0x8f,
    0xa0, 0xa3, 0xa7, 0xaf, 0x92, 0x94, 0xb0, 0xb1, 0xb2, 0xc0, 0xc4, 0xc8, 0xd0, 0xf0].map((b) => Uint8Array.of(b)),
  ...['"DareEnvelope":', '"PayloadDigest"', '"PayloadMac"', '"signatures"', '"recipients"', '"annotations"', '"cloaked"',
    '"enc":"A256CBC"', '"dig":"S512"', '"Salt"', '"kid"', '"epk"', '"wmk"', '"PublicKey"', '"PublicKeyECDH"', '"crv":"X25519"',
    '"crv":"Ed448"', '"N":', '"nonce"', 'null', 'true', '-0', '1e999', '\\u0000', '\\ud800', 'udf:', 'MB5S-', 'EAAQ-', 'SAQ', 'dare1'].map(
    (s) => new Uint8Array(Buffer.from(s, 'latin1')),
  ),
];

/** Offsets of JSON-B string/binary heads (0x80-0x8F) whose length field fits in the input. */
function lengthFields(b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < b.length && out.length < 64; i++) {
    const t = b[i] as number;
    if (t >= 0x80 && t <= 0x8f && i + 1 + (1 << (t & 3)) <= b.length) out.push(i);
  }
  return out;
}

/** One random mutation of `b` (never longer than `max`). */
export function mutate(b: Uint8Array, rng: Rng, corpus: readonly Uint8Array[], max: number): Uint8Array {
  const a = Array.from(b);
  const at = () => rng.below(a.length + 1);
  switch (rng.below(11)) {
    case 0: // flip a bit
      if (a.length) { const i = rng.below(a.length); a[i] = (a[i] as number) ^ (1 << rng.below(8)); }
      break;
    case 1: // replace a byte
      if (a.length) a[rng.below(a.length)] = rng.below(256);
      break;
    case 2: // insert random bytes
      a.splice(at(), 0, ...Array.from({ length: 1 + rng.below(8) }, () => rng.below(256)));
      break;
    case 3: { // delete a range
      const i = at();
      a.splice(i, 1 + rng.below(Math.min(32, a.length - i + 1)));
      break;
    }
    case 4: { // duplicate a range
      const i = rng.below(a.length + 1);
      const n = 1 + rng.below(64);
      a.splice(at(), 0, ...a.slice(i, i + n));
      break;
    }
    case 5: { // splice with another corpus entry
      const other = corpus[rng.below(corpus.length)] as Uint8Array;
      const i = rng.below(other.length + 1);
      const j = at();
      a.splice(j, a.length - j, ...other.subarray(i, i + 1 + rng.below(256)));
      break;
    }
    case 6: { // interesting value at a random offset
      const v = INTERESTING[rng.below(INTERESTING.length)] as number[];
      const i = at();
      a.splice(i, Math.min(v.length, a.length - i), ...v);
      break;
    }
    case 7: { // hostile length in a JSON-B length field
      const fields = lengthFields(b);
      if (fields.length === 0) break;
      const i = fields[rng.below(fields.length)] as number;
      const w = 1 << ((a[i] as number) & 3);
      const pick = rng.below(4);
      for (let k = 0; k < w; k++) {
        const byte = pick === 0 ? 0xff : pick === 1 ? (k === 0 ? 0x7f : 0xff) : pick === 2 ? 0 : rng.below(256);
        a[i + 1 + k] = byte;
      }
      break;
    }
    case 8: { // dictionary token
      const t = DICTIONARY[rng.below(DICTIONARY.length)] as Uint8Array;
      if (rng.below(2)) a.splice(at(), 0, ...t);
      else { const i = at(); a.splice(i, Math.min(t.length, a.length - i), ...t); }
      break;
    }
    case 9: // truncate
      a.length = rng.below(a.length + 1);
      break;
    default: { // change a JSON-B length-width (tag low bits): shifts every byte after it
      const fields = lengthFields(b);
      if (fields.length) { const i = fields[rng.below(fields.length)] as number; a[i] = ((a[i] as number) & 0xfc) | rng.below(4); }
    }
  }
  return Uint8Array.from(a.length > max ? a.slice(0, max) : a);
}

/** Precise coverage of the library's scripts as a set of block keys (counters reset by each take). */
class Coverage {
  private readonly session = new Session();
  readonly seen = new Set<string>();

  async start(): Promise<void> {
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }

  async stop(): Promise<void> {
    await this.session.post('Profiler.stopPreciseCoverage');
    await this.session.post('Profiler.disable');
    this.session.disconnect();
  }

  /** Blocks hit since the last take that were never seen; adds them to `seen` when `record`. */
  async take(record: boolean): Promise<number> {
    const r = await this.session.post('Profiler.takePreciseCoverage');
    let fresh = 0;
    for (const s of r.result) {
      if (!s.url.includes('/lib/') || s.url.includes('node_modules')) continue;
      for (const f of s.functions) {
        for (const range of f.ranges) {
          if (range.count === 0) continue;
          const key = `${s.url}|${f.functionName}|${range.startOffset}-${range.endOffset}`;
          if (this.seen.has(key)) continue;
          fresh++;
          if (record) this.seen.add(key);
        }
      }
    }
    return fresh;
  }
}

function memory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Runs one input; a non-DareError (the target rethrows those), a hang or memory growth is a crash. */
async function runOne(target: FuzzTarget, input: Uint8Array, o: Required<FuzzOptions>): Promise<Crash | undefined> {
  const m0 = memory();
  const t0 = performance.now();
  try {
    await target.run(input);
  } catch (e) {
    const message = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
    return { kind: 'exception', message, input };
  }
  const ms = performance.now() - t0;
  if (ms > o.timeoutMs) return { kind: 'hang', message: `input took ${ms.toFixed(0)} ms (budget ${o.timeoutMs} ms)`, input };
  const grown = memory() - m0;
  if (grown > o.memoryBytes) return { kind: 'memory', message: `memory grew by ${grown} bytes during one input`, input };
  return undefined;
}

function saveCrash(target: string, c: Crash): void {
  const dir = join(FIXTURES, target, 'crashes');
  mkdirSync(dir, { recursive: true });
  const name = `${c.kind}-${createHash('sha256').update(c.input).digest('hex').slice(0, 16)}.bin`;
  c.file = join(dir, name);
  writeFileSync(c.file, c.input);
}

export async function fuzz(target: FuzzTarget, options: FuzzOptions): Promise<FuzzReport> {
  const o: Required<FuzzOptions> = {
    timeoutMs: 2000, memoryBytes: 256 << 20, batch: 32, saveCrashes: true, stopOnCrash: false, ...options,
  };
  const seeds = loadSeeds(target.name);
  const rng = new Rng(o.seed);
  const cov = new Coverage();
  const crashes: Crash[] = [];
  const seen = new Set<string>();
  const crash = (c: Crash) => {
    // One crash per kind and throwing place (error name and top stack frame).
    const lines = c.message.split('\n');
    const key = `${c.kind} ${(lines[0] ?? '').split(':')[0]} ${lines.find((l) => l.trim().startsWith('at ')) ?? lines[0]}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (o.saveCrashes) saveCrash(target.name, c);
    crashes.push(c);
  };
  await cov.start();
  let execs = 0;
  const started = performance.now();
  try {
    const corpus: Uint8Array[] = [];
    for (const s of seeds) {
      const c = await runOne(target, s, o);
      execs++;
      if (c) crash(c);
      await cov.take(true);
      corpus.push(s);
    }
    const seedBlocks = cov.seen.size;
    const deadline = started + o.seconds * 1000;
    while (performance.now() < deadline && !(o.stopOnCrash && crashes.length)) {
      const batch: Uint8Array[] = [];
      for (let i = 0; i < o.batch; i++) {
        let x = corpus[rng.below(corpus.length)] as Uint8Array;
        const n = 1 + rng.below(4);
        for (let k = 0; k < n; k++) x = mutate(x, rng, corpus, target.maxLength);
        batch.push(x);
      }
      for (const x of batch) {
        const c = await runOne(target, x, o);
        execs++;
        if (c) crash(c);
      }
      if ((await cov.take(false)) === 0) continue;
      // Something new: replay one by one to keep exactly the inputs that reached it.
      for (const x of batch) {
        await runOne(target, x, o);
        execs++;
        if ((await cov.take(true)) > 0) corpus.push(x);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      target: target.name, seeds: seeds.length, execs, seconds, execsPerSecond: Math.round(execs / seconds),
      seedBlocks, blocks: cov.seen.size, corpus: corpus.length, crashes,
    };
  } finally {
    await cov.stop();
  }
}
