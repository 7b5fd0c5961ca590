// docs/FORMAT.md §1: the JSON-B envelope layout as written (no separators, as the reference's
// writer) and as read (with or without a comma after the header, as jsonbcd-21's grammar has it).
import { describe, expect, it } from 'vitest';
import { fromUtf8, utf8 } from '../internal/bytes.js';
import { encodeEnvelopeBytes } from './writer.js';
import { decodeEnvelopeBytes } from './reader.js';

describe('JSON-B envelope layout', () => {
  it('is written without a comma after the header and read with or without one', async () => {
    const bytes = await encodeEnvelopeBytes(utf8('hello'), { encoding: 'jsonb' });
    // '[' header-object, then the payload's binary item (0x88, length 5) at once.
    const at = Buffer.from(bytes).indexOf(Buffer.from([0x7d, 0x88, 0x05]));
    expect(bytes[0]).toBe(0x5b);
    expect(at).toBeGreaterThan(0);
    const withComma = new Uint8Array([...bytes.subarray(0, at + 1), 0x2c, ...bytes.subarray(at + 1)]);
    for (const b of [bytes, withComma]) {
      expect(fromUtf8((await decodeEnvelopeBytes(b)).payload)).toBe('hello');
    }
  });
});
