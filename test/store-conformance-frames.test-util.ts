/**
 * Real DARE sequence frames for the store tests: an encrypted catalog written with the library
 * (Catalog through lib/index.ts), split into its frames, each with the replica state after it
 * (lib's keyless checkFrames: what the service computes before it calls transact, and what the
 * embedded driver checks `next` against). Several writers racing on one head each need a
 * different valid next frame: `fork` copies a catalog and adds an entry to each copy.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog, EMPTY_REPLICA, SequenceReader, checkFrames, decodeReplicaState, encodeReplicaState, type ReplicaState } from '../lib/index.js';
import type { ContainerAppend, ContainerHead, ContainerState } from '../lib/mesh/index.js';

export interface RealFrame {
  readonly bytes: Uint8Array;
  /** The sequence's apex after this frame (its TreeDigest). */
  readonly apex: Uint8Array;
  /** The encoded replica state after this frame: the `frontier` the service hands the store. */
  readonly frontier: Uint8Array;
}

/** A catalog file and its frames; forks extend it with other entries. */
export interface FrameSource {
  readonly frames: RealFrame[];
  /** `n` catalogs, each this one plus `count` new entries of its own. */
  fork(n: number, count?: number): Promise<FrameSource[]>;
}

let folder: Promise<string> | undefined;
let files = 0;
/** One temporary folder per test process, removed when the process exits. */
async function scratch(): Promise<string> {
  folder ??= mkdtemp(join(tmpdir(), 'store-frames-')).then((d) => {
    process.once('exit', () => void rm(d, { recursive: true, force: true }));
    return d;
  });
  return folder;
}

async function framesOfFile(path: string, known: readonly RealFrame[], state: ReplicaState): Promise<RealFrame[]> {
  const file = await readFile(path);
  const reader = await SequenceReader.open(path);
  const out = [...known];
  try {
    let s = state;
    for await (const view of reader.frames(known.length)) {
      const bytes = new Uint8Array(file.subarray(view.position, view.end));
      s = (await checkFrames(s, [bytes])).state;
      out.push({ bytes, apex: new Uint8Array(s.apex), frontier: encodeReplicaState(s) });
    }
    return out;
  } finally {
    await reader.close();
  }
}

function sourceOf(path: string, secret: Uint8Array, frames: RealFrame[], states: ReplicaState, valueBytes: number): FrameSource {
  return {
    frames,
    async fork(n: number, count = 1): Promise<FrameSource[]> {
      const dir = await scratch();
      return Promise.all(Array.from({ length: n }, async () => {
        const copy = join(dir, `fork-${++files}.dcat`);
        await copyFile(path, copy);
        const catalog = await Catalog.open(copy, { secret });
        for (let i = 0; i < count; i++) await catalog.add(`fork-${files}-${i}-${randomBytes(4).toString('hex')}`, randomBytes(valueBytes));
        await catalog.close();
        const more = await framesOfFile(copy, frames, states);
        if (more.length !== frames.length + count) throw new Error(`a fork of ${count} entries has ${more.length - frames.length} new frames`);
        return sourceOf(copy, secret, more, await stateAfter(more), valueBytes);
      }));
    },
  };
}

async function stateAfter(frames: readonly RealFrame[]): Promise<ReplicaState> {
  return (await checkFrames(EMPTY_REPLICA, frames.map((f) => f.bytes))).state;
}

/** A new encrypted catalog with `entries` entries of `valueBytes` random bytes (frame 0 is the header). */
export async function catalogSource(entries: number, valueBytes = 200): Promise<FrameSource> {
  const path = join(await scratch(), `catalog-${++files}.dcat`);
  const secret = new Uint8Array(randomBytes(32));
  const catalog = await Catalog.create(path, { secret });
  for (let i = 0; i < entries; i++) await catalog.add(`entry-${i}`, randomBytes(valueBytes));
  await catalog.close();
  const frames = await framesOfFile(path, [], EMPTY_REPLICA);
  if (frames.length !== entries + 1) throw new Error(`catalog of ${entries} entries has ${frames.length} frames`);
  return sourceOf(path, secret, frames, await stateAfter(frames), valueBytes);
}

/** The frames of a new catalog of `entries` entries. */
export async function catalogFrames(entries: number, valueBytes = 200): Promise<RealFrame[]> {
  return (await catalogSource(entries, valueBytes)).frames;
}

export const NO_HEAD = (container: string): ContainerHead => ({ container, index: -1, apex: new Uint8Array(0) });

/** The head of `source` at `index` (the state after its frame `index`). */
export function headOf(source: readonly RealFrame[], container: string, index: number): ContainerHead {
  const f = source[index];
  if (index >= 0 && f === undefined) throw new Error(`source has no frame ${index}`);
  return f === undefined ? NO_HEAD(container) : { container, index, apex: f.apex };
}

/**
 * The append of frames `expected.index + 1 .. expected.index + count` of `source` to
 * `container`, with the state after them. Valid (what a service would accept) when `expected`
 * is `source`'s own head at that index; tests of conflicts pass other heads on purpose.
 */
export function appendOf(source: readonly RealFrame[], container: string, expected: ContainerHead, count = 1): ContainerAppend {
  const first = expected.index + 1;
  const frames = source.slice(first, first + count);
  const last = frames[frames.length - 1];
  if (frames.length !== count || last === undefined) throw new Error(`source has no frames ${first}..${first + count - 1}`);
  const index = first + count - 1;
  return {
    container,
    expected: { container, index: expected.index, apex: expected.apex },
    frames: frames.map((f) => f.bytes),
    next: { container, index, apex: last.apex, frontier: last.frontier },
  };
}

/** The head an append leads to. */
export function headAfter(a: ContainerAppend): ContainerHead {
  return { container: a.container, index: a.next.index, apex: a.next.apex };
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** A head as comparable text (bytes compared as hex, whatever Uint8Array subclass the driver returns). */
export function headText(h: ContainerHead): string {
  return `${h.container}@${h.index}:${hex(h.apex)}`;
}

/**
 * What a device does before it writes: its copy of a container is `frames` (the store's, read
 * back), it adds `count` entries under the container's `secret`, and it sends the new frames.
 * Returns the new frames' bytes (a new catalog, header frame included, when `frames` is empty).
 */
export async function deviceWrite(frames: readonly Uint8Array[], secret: Uint8Array, count: number, valueBytes = 64): Promise<Uint8Array[]> {
  const path = join(await scratch(), `device-${process.pid}-${++files}.dcat`);
  try {
    let catalog: Catalog;
    if (frames.length === 0) catalog = await Catalog.create(path, { secret });
    else {
      await writeFile(path, Buffer.concat(frames.map((f) => Buffer.from(f))));
      catalog = await Catalog.open(path, { secret });
    }
    for (let i = 0; i < count; i++) await catalog.add(`device-${process.pid}-${files}-${i}-${randomBytes(4).toString('hex')}`, randomBytes(valueBytes));
    await catalog.close();
    const file = await readFile(path);
    const reader = await SequenceReader.open(path);
    const out: Uint8Array[] = [];
    try {
      for await (const view of reader.frames(frames.length)) out.push(new Uint8Array(file.subarray(view.position, view.end)));
    } finally {
      await reader.close();
    }
    return out;
  } finally {
    await rm(path, { force: true });
  }
}

/** The append of `frames` after `head`, with the state the service's keyless check gives (lib's checkFrames). */
export async function checkedAppend(head: ContainerState, frames: readonly Uint8Array[]): Promise<ContainerAppend> {
  const from = head.index >= 0 ? decodeReplicaState(head.frontier) : EMPTY_REPLICA;
  const { state } = await checkFrames(from, frames);
  const container = head.container;
  return {
    container, frames,
    expected: { container, index: head.index, apex: head.apex },
    next: { container, index: state.index, apex: state.apex, frontier: encodeReplicaState(state) },
  };
}
