import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HmacSha256Key, hmacSha256, sha256 } from './sha256.js';
import { nodeBackend } from '../platform/node.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('sha256 (JavaScript, short inputs)', () => {
  it('matches node:crypto for every length 0..300, split in parts', () => {
    for (let n = 0; n <= 300; n++) {
      const d = randomBytes(n);
      const cut = [n >> 2, n >> 1, n];
      const parts = [d.subarray(0, cut[0]), d.subarray(cut[0], cut[1]), d.subarray(cut[1])];
      expect(hex(sha256(...parts))).toBe(createHash('sha256').update(d).digest('hex'));
    }
  });

  it('HMAC matches node:crypto for keys of 0..140 bytes and messages of 0..300', () => {
    for (let n = 0; n <= 300; n += 7) {
      for (const kl of [0, 1, 16, 32, 63, 64, 65, 140]) {
        const d = randomBytes(n);
        const k = randomBytes(kl);
        const want = createHmac('sha256', k).update(d).digest('hex');
        expect(hex(hmacSha256(k, d.subarray(0, n / 3)))).toBe(createHmac('sha256', k).update(d.subarray(0, n / 3)).digest('hex'));
        expect(hex(hmacSha256(k, d.subarray(0, n / 3), d.subarray(n / 3)))).toBe(want);
        const key = new HmacSha256Key(k);
        expect(hex(key.mac(d))).toBe(want);
        expect(hex(key.mac(d))).toBe(want);
      }
    }
  });

  it('RFC 4231 test case 2', () => {
    const mac = hmacSha256(new TextEncoder().encode('Jefe'), new TextEncoder().encode('what do ya want for nothing?'));
    expect(hex(mac)).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('the node backend\'s HMAC-SHA-256 hasher switches to native past the short limit, same bytes', () => {
    for (const sizes of [[32], [64, 32, 32], [100, 100], [150, 50, 1000], [5000], []]) {
      const key = randomBytes(32);
      const h = nodeBackend.createHmac('sha256', key);
      const ref = createHmac('sha256', key);
      for (const s of sizes) {
        const d = randomBytes(s);
        h.update(d);
        ref.update(d);
      }
      expect(hex(h.digest())).toBe(ref.digest('hex'));
      expect(() => h.digest()).toThrow();
    }
  });
});
