/**
 * Property tests of key files and public keys (docs/FORMAT.md §7): decodeKeyFile and
 * parsePublicKeySet never fail with anything but a DareError, whatever text, JSON or
 * mutated key file they are given; valid files round trip. Fixed seed; a few hundred runs
 * per property, ten times more with SLOW=1.
 * @module
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DareError } from '../lib/errors.js';
import {
  decodeKeyFile, encodeKeyFile, formatPublicKeySet, parsePublicKeySet, publicKeySet, type KeySet,
} from '../lib/index.js';
import { KEYS, SEED, runs } from './support.js';

/** The outcome of an async call: 'ok', or the DareError code. Any other error fails the test. */
async function codeOf(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
    return 'ok';
  } catch (e) {
    if (e instanceof DareError) return e.code;
    throw e;
  }
}

const PASS = 'correct horse';
const CHEAP = { N: 2, r: 1, p: 1 };
const plainFile = encodeKeyFile(KEYS[0] as KeySet);
const sealedFile = encodeKeyFile(KEYS[2] as KeySet, PASS, CHEAP);

/** JSON values shaped like key files: the right field names, any values. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null), fc.boolean(), fc.string({ maxLength: 12 }),
  fc.constantFrom(0, -1, 1, 1.5, 3, 6, 2 ** 20, 2 ** 21, 2 ** 31, 2 ** 53, Number.MAX_VALUE, '2', 'AAAA', '', 'X25519', 'Ed25519', 'X448', 'Ed448', 'scrypt', 'A256GCM'),
  fc.integer({ min: -2, max: 20 }).map((n) => (n < 0 ? n : 2 ** n)),
  fc.integer({ min: 0, max: 70 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })).map((b) => Buffer.from(b).toString('base64url')),
  fc.array(fc.constant(1), { maxLength: 2 }),
);

/** A key file (plain or sealed) with some fields replaced by hostile values. */
const mutatedFile = fc.tuple(fc.boolean(), fc.array(fc.tuple(fc.nat(), hostileValue), { minLength: 1, maxLength: 2 })).chain(([sealed, edits]) =>
  fc.constant({ sealed, edits }),
);

async function mutate(sealed: boolean, edits: [number, unknown][]): Promise<string> {
  const v = JSON.parse(sealed ? await sealedFile : await plainFile) as Record<string, unknown>;
  // Every object node with its keys, in document order.
  const slots: [Record<string, unknown>, string][] = [];
  const walk = (o: unknown) => {
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return;
    for (const k of Object.keys(o)) {
      const x = (o as Record<string, unknown>)[k];
      // Leaves mostly: replacing a whole object is an easy KEY_INVALID.
      if (typeof x !== 'object' || x === null || k === 'encryption' || k === 'kdf') slots.push([o as Record<string, unknown>, k]);
      walk(x);
    }
  };
  walk(v);
  for (const [n, x] of edits) {
    const [o, k] = slots[n % slots.length] as [Record<string, unknown>, string];
    if (n % 7 === 0) delete o[k];
    else o[k] = x;
  }
  return JSON.stringify(v);
}

describe('key files', () => {
  it('plain and sealed key files round trip', async () => {
    for (const k of KEYS) {
      const id = await decodeKeyFile(await encodeKeyFile(k));
      expect(id.keySet).toStrictEqual({ encryption: k.encryption, signature: k.signature });
    }
    const sealed = await decodeKeyFile(await sealedFile, async () => PASS);
    expect(sealed.keySet?.signature).toStrictEqual((KEYS[2] as KeySet).signature);
    expect(await codeOf(async () => decodeKeyFile(await sealedFile, async () => 'wrong'))).toBe('PASSPHRASE_INVALID');
  });

  it('arbitrary text is a DareError (KEY_INVALID) or a key file', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.string({ maxLength: 200 }), fc.json({ maxDepth: 4 })), async (text) => {
      const code = await codeOf(() => decodeKeyFile(text, async () => PASS));
      expect(code === 'ok' || code === 'KEY_INVALID').toBe(true);
    }), { seed: SEED + 10, numRuns: runs(300) });
  });

  it('a key file with hostile field values is a DareError, never another exception', async () => {
    await fc.assert(fc.asyncProperty(mutatedFile, async ({ sealed, edits }) => {
      const text = await mutate(sealed, edits);
      await codeOf(() => decodeKeyFile(text, async () => PASS));
    }), { seed: SEED + 11, numRuns: runs(300) });
  });

  it('a key file cut or with a byte replaced is a DareError or still a valid key file', async () => {
    await fc.assert(fc.asyncProperty(fc.boolean(), fc.nat(), fc.integer({ min: 0, max: 127 }), fc.boolean(), async (sealed, n, c, cut) => {
      const text = sealed ? await sealedFile : await plainFile;
      const at = n % text.length;
      const bad = cut ? text.slice(0, at) : text.slice(0, at) + String.fromCharCode(c) + text.slice(at + 1);
      await codeOf(() => decodeKeyFile(bad, async () => PASS));
    }), { seed: SEED + 12, numRuns: runs(300) });
  });

  it('public keys: arbitrary strings and one-character changes are KEY_INVALID or parse back exactly', () => {
    const good = KEYS.map((k) => formatPublicKeySet(publicKeySet(k)));
    const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
    const changed = fc.tuple(fc.constantFrom(...good), fc.nat(), fc.constantFrom(...(B32 + 'A1-= ').split(''))).map(([s, n, ch]) => {
      const at = n % s.length;
      return s.slice(0, at) + ch + s.slice(at + 1);
    });
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 120 }), changed, fc.constantFrom(...good).map((s) => s.slice(0, s.length - 3))), (text) => {
      try {
        const p = parsePublicKeySet(text);
        expect(formatPublicKeySet(p)).toBe(text.trim().toLowerCase());
      } catch (e) {
        if (!(e instanceof DareError) || e.code !== 'KEY_INVALID') throw e;
      }
    }), { seed: SEED + 13, numRuns: runs(300) });
  });
});
