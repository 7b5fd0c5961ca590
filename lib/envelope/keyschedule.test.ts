import { describe, expect, it } from 'vitest';
import { hkdf } from '../crypto/kdf.js';
import { utf8 } from '../internal/bytes.js';
import { deriveItemKeys } from './keyschedule.js';

describe('deriveItemKeys', () => {
  it('equals three RFC 5869 HKDF-SHA-256 derivations for salts of every length used (and empty)', () => {
    for (const saltLength of [0, 1, 16, 17, 32, 64, 65]) {
      for (let i = 0; i < 20; i++) {
        const master = crypto.getRandomValues(new Uint8Array(i % 2 ? 32 : 64));
        const salt = crypto.getRandomValues(new Uint8Array(saltLength));
        const k = deriveItemKeys(master, salt);
        expect(k.encryptionKey).toEqual(hkdf('sha256', master, salt, utf8('encrypt'), 32));
        expect(k.iv).toEqual(hkdf('sha256', master, salt, utf8('iv'), 16));
        expect(k.macKey).toEqual(hkdf('sha256', master, salt, utf8('mac'), 32));
      }
    }
  });
});
