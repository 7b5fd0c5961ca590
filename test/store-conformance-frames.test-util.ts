/**
 * Real DARE sequence frames for the store tests: an encrypted catalog written with the library
 * (lib/index.ts's Catalog), split into its frames. The store never checks frames (the service
 * does), but the bytes it keeps and returns are then the ones a service really carries.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog, SequenceReader } from '../lib/index.js';
import type { ContainerAppend, ContainerHead } from '../lib/mesh/index.js';

export interface RealFrame {
  readonly bytes: Uint8Array;
  /** The frame's TreeDigest (the sequence's apex after it). */
  readonly apex: Uint8Array;
}

/** The frames of a new encrypted catalog with `entries` entries of `valueBytes` random bytes (frame 0 is the header). */
export async function catalogFrames(entries: number, valueBytes = 200): Promise<RealFrame[]> {
  const dir = await mkdtemp(join(tmpdir(), 'store-frames-'));
  try {
    const path = join(dir, 'MMM_Test.dcat');
    const catalog = await Catalog.create(path, { secret: randomBytes(32) });
    for (let i = 0; i < entries; i++) await catalog.add(`entry-${i}`, randomBytes(valueBytes));
    await catalog.close();
    const file = await readFile(path);
    const reader = await SequenceReader.open(path);
    const frames: RealFrame[] = [];
    try {
      for await (const view of reader.frames()) {
        const bytes = new Uint8Array(file.subarray(view.position, view.end));
        const apex = view.trailer?.treeDigest ?? view.header.treeDigest ?? createHash('sha256').update(bytes).digest();
        frames.push({ bytes, apex: new Uint8Array(apex) });
      }
    } finally {
      await reader.close();
    }
    if (frames.length !== entries + 1) throw new Error(`catalog of ${entries} entries has ${frames.length} frames`);
    return frames;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The frontier the service would hand over; opaque to the store, distinct per head. */
export function frontierOf(container: string, index: number): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`${container}#${index}`).digest());
}

export const NO_HEAD = (container: string): ContainerHead => ({ container, index: -1, apex: new Uint8Array(0) });

/** The append of frames `expected.index + 1 .. expected.index + count` of `source` to `container`. */
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
    next: { container, index, apex: last.apex, frontier: frontierOf(container, index) },
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
