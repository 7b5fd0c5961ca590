import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DareError } from '../errors.js';
import { concatBytes, fromHex, toHex } from '../internal/bytes.js';
import { MemoryReader } from '../internal/random-access.js';
import {
  encodeFrame, frameHeader, frameSize, frameTrailer, previousFrameStart, readFrame,
  readRecord, recordHeader, recordSize,
} from './jbcd.js';

async function code(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
  } catch (e) {
    if (e instanceof DareError) return e.code;
    throw e;
  }
  return 'OK';
}

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/jsonb/jbcd-dare-14.1.json', import.meta.url), 'utf8')) as {
  frame0: { headerText: string; headerLength: number; trace: string[]; frameLength: number };
  frame1: { headerText: string; headerLength: number; trace: string[]; frameLength: number };
  fileLength: number;
};
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const spaced = (b: Uint8Array): string => toHex(b).replace(/(..)(?!$)/g, '$1 ');

describe('JBCD frames: dare-12 14.1 simple sequence (conformance/dare.md item 11)', () => {
  const h0 = utf8(fixture.frame0.headerText);
  const h1 = utf8(fixture.frame1.headerText);
  const payload = new Uint8Array(300).map((_, i) => i & 0xff);
  const f0 = encodeFrame({ header: h0, frameZero: true });
  const f1 = encodeFrame({ header: h1, payload });
  const file = concatBytes(f0, f1);

  it('writes the exact tags and lengths', () => {
    expect(h0.length).toBe(fixture.frame0.headerLength);
    expect(h1.length).toBe(fixture.frame1.headerLength);
    expect(f0.length).toBe(fixture.frame0.frameLength);
    expect(f1.length).toBe(fixture.frame1.frameLength);
    expect(file.length).toBe(fixture.fileLength);
    expect(f0).toStrictEqual(concatBytes(fromHex('f4 91 f0 8b'), h0, fromHex('f0 00 f0 00 91 f4')));
    expect(f1).toStrictEqual(concatBytes(fromHex('f5 01 73 f0 42'), h1, fromHex('f1 01 2c'), payload, fromHex('73 01 f5')));
  });

  it('reads forwards, reproducing the trace printed in the draft', async () => {
    const r = new MemoryReader(file);
    const trace: string[] = [];
    let pos = 0;
    const frames = [];
    while (pos < file.length) {
      const f = await readFrame(r, pos);
      frames.push(f);
      trace.push(spaced(file.subarray(f.start, f.bodyPosition)));
      for (const rec of f.records) trace.push(spaced(file.subarray(rec.position, rec.dataPosition)));
      trace.push(spaced(file.subarray(f.bodyPosition + f.bodyLength, f.end)));
      pos = f.end;
    }
    expect(trace).toEqual([...fixture.frame0.trace, ...fixture.frame1.trace]);
    expect(frames[1]?.start).toBe(149);
    const [hdr, pay] = frames[1]?.records ?? [];
    expect(new TextDecoder().decode(await readRecord(r, hdr!))).toBe(fixture.frame1.headerText);
    expect(await readRecord(r, pay!)).toStrictEqual(payload);
  });

  it('reads backwards from the end', async () => {
    const r = new MemoryReader(file);
    expect(await previousFrameStart(r, file.length)).toBe(149);
    expect(await previousFrameStart(r, 149)).toBe(0);
    expect(await code(() => previousFrameStart(r, 0))).toBe('TRUNCATED');
  });
});

describe('JBCD records and frames', () => {
  it('shortest length fields at the boundaries', () => {
    const cases: [number, string][] = [[0, 'f000'], [255, 'f0ff'], [256, 'f10100'], [65535, 'f1ffff'], [65536, 'f200010000'], [2 ** 32, 'f30000000100000000']];
    for (const [n, h] of cases) {
      expect(toHex(recordHeader(n))).toBe(h);
      expect(recordSize(n)).toBe(h.length / 2 + n);
    }
    expect(toHex(frameHeader(65536))).toBe('f600010000');
    expect(toHex(frameTrailer(65536))).toBe('00000100f6');
    expect(toHex(frameTrailer(2 ** 32))).toBe('0000000001000000f7');
    expect(frameSize(255)).toBe(259);
    expect(() => recordHeader(-1)).toThrow(RangeError);
  });

  it('round-trips frames of every length width', async () => {
    for (const n of [0, 200, 251, 252, 300, 65530, 70000]) {
      const payload = new Uint8Array(n).fill(5);
      const f = encodeFrame({ header: utf8('{}'), payload, trailer: utf8('[]') });
      const g = encodeFrame({ header: utf8('{}') });
      const file = concatBytes(g, f, g);
      const r = new MemoryReader(file);
      const a = await readFrame(r, 0);
      expect(a.records.map((x) => x.length)).toEqual([2]);
      const b = await readFrame(r, a.end);
      expect(b.records.map((x) => x.length)).toEqual([2, n, 2]);
      expect(await readRecord(r, b.records[1]!)).toStrictEqual(payload);
      expect(await previousFrameStart(r, file.length)).toBe(b.end);
      expect(await previousFrameStart(r, b.end)).toBe(a.end);
      expect(await previousFrameStart(r, a.end)).toBe(0);
    }
    // a missing payload before a trailer keeps the trailer third
    const t = encodeFrame({ header: utf8('{}'), trailer: utf8('[]') });
    expect((await readFrame(new MemoryReader(t), 0)).records.map((x) => x.length)).toEqual([2, 0, 2]);
  });

  it('rejects inconsistent or truncated frames', async () => {
    const good = encodeFrame({ header: utf8('{"a":1}'), payload: new Uint8Array(10) });
    const at = async (b: Uint8Array): Promise<string> => code(() => readFrame(new MemoryReader(b), 0));
    const back = async (b: Uint8Array): Promise<string> => code(() => previousFrameStart(new MemoryReader(b), b.length));
    expect(await at(good)).toBe('OK');
    for (let cut = 0; cut < good.length; cut++) {
      expect(await at(good.subarray(0, cut)), `cut ${cut}`).toBe('TRUNCATED');
    }
    const badTail = good.slice();
    badTail[badTail.length - 2] = (badTail[badTail.length - 2] as number) ^ 1;
    expect(await at(badTail)).toBe('MALFORMED');
    expect(await back(badTail)).not.toBe('OK');
    const badTag = good.slice();
    badTag[badTag.length - 1] = 0xf5;
    expect(await at(badTag)).toBe('MALFORMED');
    expect(await back(badTag)).not.toBe('OK');
    const badLead = good.slice();
    badLead[1] = (badLead[1] as number) ^ 1;
    expect(await at(badLead)).not.toBe('OK');
    expect(await back(badLead)).toBe('MALFORMED');
    expect(await at(fromHex('f4 03 f0 05 00 03 f4'))).toBe('MALFORMED');
    expect(await at(fromHex('f4 02 a0 00 02 f4'))).toBe('MALFORMED');
    expect(await at(fromHex('f4 01 f0 01 f4'))).toBe('MALFORMED');
    expect(await at(fromHex('b0'))).toBe('MALFORMED');
    expect(await back(fromHex('b0'))).toBe('MALFORMED');
    expect(await back(fromHex('00 f5'))).toBe('TRUNCATED');
    expect(await back(fromHex('f4 05 00 f4'))).toBe('MALFORMED');
    expect(await back(fromHex('00 05 f4'))).toBe('TRUNCATED');
  });
});
