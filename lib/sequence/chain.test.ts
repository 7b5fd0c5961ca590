/**
 * Tests of lib/sequence/chain.ts (ChainDigest over frame digests), and the chain parts
 * of fixtures/sequence/reference-digests.json: the same combining function fed
 * PayloadDigests gives the running chain of conformance/dare.md item 16, and its
 * first value is the ChainDigest the reference printed in §14.2 (a generator bug).
 * @module
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { setBackend } from '../crypto/backend-select.js';
import { base64urlDecode, base64urlEncode } from '../encoding/base64url.js';
import { toHex } from '../internal/bytes.js';
import { Chain, chainDigest, chainDigests } from './chain.js';

const H = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const fds = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => H(Uint8Array.of(7, i & 0xff, i >> 8)));

afterEach(() => {
  setBackend('node');
});

describe('Chain', () => {
  it('is H(0^64 || FD(0)), then H(CD(n-1) || FD(n))', () => {
    const d = fds(40);
    const c = new Chain();
    expect(c.size).toBe(0);
    expect(c.digest()).toBeUndefined();
    let prev: Uint8Array = new Uint8Array(64);
    const all: string[] = [];
    for (const [n, fd] of d.entries()) {
      const cd = c.append(fd);
      const expected = H(prev, fd);
      expect(toHex(cd)).toBe(toHex(expected));
      expect(toHex(c.digest() as Uint8Array)).toBe(toHex(expected));
      expect(c.size).toBe(n + 1);
      prev = expected;
      all.push(toHex(expected));
    }
    expect(chainDigests(d).map(toHex)).toStrictEqual(all);
    expect(toHex(chainDigest(d) as Uint8Array)).toBe(toHex(prev));
    expect(chainDigest([])).toBeUndefined();
    expect(chainDigests([])).toStrictEqual([]);
  });

  it('changes every later digest when one frame digest changes', () => {
    const d = fds(10);
    const a = chainDigests(d).map(toHex);
    const e = d.slice();
    e[4] = H(Uint8Array.of(99));
    const b = chainDigests(e).map(toHex);
    for (let i = 0; i < 10; i++) expect(a[i] === b[i]).toBe(i < 4);
  });

  it('resumes from the last digest and hands out copies', () => {
    const d = fds(12);
    const full = chainDigests(d);
    const c = Chain.resume(full[6] as Uint8Array, 7);
    expect(c.size).toBe(7);
    const r = c.append(d[7] as Uint8Array);
    expect(toHex(r)).toBe(toHex(full[7] as Uint8Array));
    r.fill(0);
    (c.digest() as Uint8Array).fill(0);
    expect(toHex(c.append(d[8] as Uint8Array))).toBe(toHex(full[8] as Uint8Array));
    const u = Chain.resume(full[8] as Uint8Array);
    expect(u.size).toBeUndefined();
    expect(toHex(u.append(d[9] as Uint8Array))).toBe(toHex(full[9] as Uint8Array));
    expect(u.size).toBeUndefined();
  });

  it('gives the same values on the noble backend', () => {
    const d = fds(9);
    const node = chainDigests(d).map(toHex);
    setBackend('noble');
    expect(chainDigests(d).map(toHex)).toStrictEqual(node);
  });

  it('rejects misuse', () => {
    expect(() => new Chain().append(new Uint8Array(63))).toThrow(RangeError);
    expect(() => new Chain().append([1, 2] as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => Chain.resume(new Uint8Array(32))).toThrow(RangeError);
    expect(() => Chain.resume(new Uint8Array(64), 0)).toThrow(RangeError);
    expect(() => chainDigests('x' as unknown as Uint8Array[])).toThrow(TypeError);
  });
});

describe('fixtures/sequence/reference-digests.json (chain values)', () => {
  const ref = JSON.parse(readFileSync(new URL('../../fixtures/sequence/reference-digests.json', import.meta.url), 'utf8')) as {
    payloadDigest: { value: string };
    emptyPayloadDigest: { value: string };
    printedChainDigest: { value: string };
    runningChainOfPayloadDigests: { values: string[] };
    proseChainDigests: { values: string[] };
  };
  const pd = base64urlDecode(ref.payloadDigest.value);
  const empty = base64urlDecode(ref.emptyPayloadDigest.value);

  it('the printed §14.2 ChainDigest is the first link of a chain over PD alone', () => {
    expect(base64urlEncode(chainDigests([pd])[0] as Uint8Array)).toBe(ref.printedChainDigest.value);
  });

  it('fed PayloadDigests [H(""), PD, PD, PD], the chain gives dare.md item 16\'s running chain', () => {
    expect(chainDigests([empty, pd, pd, pd]).map(base64urlEncode)).toStrictEqual(ref.runningChainOfPayloadDigests.values);
  });

  it('differs from the pairwise reading of the §4.2.1 prose', () => {
    const ours = chainDigests([empty, pd, pd, pd]).map(base64urlEncode);
    for (const [i, v] of ref.proseChainDigests.values.entries()) expect(ours[i]).not.toBe(v);
    // The prose binds only neighbours: frames 2 and 3 are equal.
    expect(ref.proseChainDigests.values[2]).toBe(ref.proseChainDigests.values[3]);
  });
});
