import { describe, expect, it } from 'vitest';
import { allocBytes, copyBytes } from './pool.js';

describe('small-array pool', () => {
  it('gives zero-filled arrays of the size asked that never share bytes', () => {
    const seen: Uint8Array[] = [];
    for (let i = 0; i < 3000; i++) {
      const n = [0, 1, 64, 65, 100, 419, 4096, 4097][i % 8] as number;
      const a = allocBytes(n);
      expect(a.length).toBe(n);
      expect(a.every((x) => x === 0)).toBe(true);
      a.fill(0xff);
      seen.push(a);
    }
    // Every earlier array still holds only its own writes.
    for (const a of seen) expect(a.every((x) => x === 0xff)).toBe(true);
  });

  it('copies', () => {
    const b = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const c = copyBytes(b);
    expect(c).toEqual(b);
    b[0] = 9;
    expect(c[0]).toBe(0);
  });
});
