/**
 * What a log writer trusts (issue 12, findings 3 and 4), written as the attacks: someone
 * with write access to the log file replaces it with a log encrypted to their own key, or
 * appends entries that nobody the writer trusts signed. Each attack worked before the
 * writer checked what it trusts (lib/sequence/trust.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeySet, publicKeySet } from '../keys/keyset.js';
import { fromUtf8 } from '../internal/bytes.js';
import { SequenceWriter } from '../sequence/writer.js';
import { LogWriter } from './writer.js';
import { LogReader } from './reader.js';
import { LOG_CONTENT_TYPE } from './format.js';
import { errorCode as code } from '../internal/error-code.test-util.js';
import { isDareError } from '../errors.js';

const dir = mkdtempSync(join(tmpdir(), 'dare-log-trust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = () => join(dir, `t${n++}.dlog`);
const signerOf = (k: ReturnType<typeof generateKeySet>) => ({ crv: k.signature.crv, privateKey: k.signature.privateKey, publicKey: k.signature.publicKey });
const alice = generateKeySet();
const mallory = generateKeySet();
const aliceSigner = signerOf(alice);
const malloryKeys = { keys: [{ crv: 'X25519' as const, privateKey: mallory.encryption.privateKey }] };

async function texts(path: string, options = {}): Promise<string[]> {
  const r = await LogReader.open(path, options);
  const out: string[] = [];
  for await (const e of r.entries()) out.push(e.data ? fromUtf8(e.data) : '?');
  await r.close();
  return out;
}

/** The error a call ends with, and its message. */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    const w = await p;
    if (w instanceof LogWriter) await w.close();
    return 'ok';
  } catch (e) {
    return isDareError(e) ? `${e.code}: ${e.message}` : String(e);
  }
}

describe('a log writer follows only a policy someone it trusts signed (finding 3)', () => {
  it('a log replaced by one encrypted to the attacker (naming Alice as its signer) gets no entry from Alice', async () => {
    const path = file();
    // Mallory knows Alice's public keys only: the forged policy names Alice as signer, Mallory as recipient.
    const forged = await SequenceWriter.create(path, {
      type: 'Merkle', recipients: [publicKeySet(mallory).encryption], signer: { ...aliceSigner, privateKey: new Uint8Array(32) },
      contentMeta: { contentType: LOG_CONTENT_TYPE, created: new Date().toISOString() },
    });
    await forged.close();
    // Alice's signed append: nothing she trusts signed this log.
    expect(await failure(LogWriter.open(path, { signer: aliceSigner }))).toMatch(/^SIGNATURE_INVALID: .*no frame carries a signature by a trusted key/);
    // An unsigned append that trusts Alice, or trusts nobody: the recipients come from the file.
    expect(await failure(LogWriter.open(path, { trustedSigners: [publicKeySet(alice).signature] }))).toMatch(/^SIGNATURE_INVALID: .*the key new frames would be encrypted to comes? from the file itself/);
    expect(await code(LogWriter.open(path))).toBe('SIGNATURE_INVALID');
    // Given Alice's own recipient key, the forged policy is a mismatch.
    expect(await code(LogWriter.open(path, { recipients: [publicKeySet(alice).encryption] }))).toBe('MISMATCH');
    expect(await texts(path, malloryKeys)).toEqual([]);
  });

  it('a log encrypted to Alice and signed by her takes entries from a writer that trusts her', async () => {
    const path = file();
    const w = await LogWriter.create(path, { recipients: [publicKeySet(alice).encryption], signer: aliceSigner });
    await w.close();
    // Created with a signature on frame 0: vouched for before any entry.
    const a = await LogWriter.open(path, { trustedSigners: [publicKeySet(alice).signature] });
    await a.append('unsigned but to the right key');
    await a.close();
    expect(await code(LogWriter.open(path))).toBe('SIGNATURE_INVALID');
  });
});

describe('a signing log writer never signs over entries it did not write (finding 4)', () => {
  for (const how of ['unsigned', 'signed by the attacker'] as const) {
    it(`an entry appended by someone else (${how}): Alice's signed append refuses and names it; --adopt takes it`, async () => {
      const path = file();
      const w = await LogWriter.create(path, { recipients: [publicKeySet(alice).encryption], signer: aliceSigner });
      await w.appendMany(['alice 1', 'alice 2']);
      await w.close();
      // Mallory has the public key: she appends an entry encrypted to Alice.
      const m = await SequenceWriter.open(path, { signer: how === 'unsigned' ? undefined : signerOf(mallory) });
      await m.append(new TextEncoder().encode('pay mallory'), { contentMeta: { created: new Date().toISOString() }, sign: how !== 'unsigned' });
      await m.close();
      expect(await failure(LogWriter.open(path, { signer: aliceSigner }))).toMatch(/^SIGNATURE_INVALID: .*frame 3 was not written by this session and the last signature by a trusted key is on frame 2/);
      // The refusal left the file as it was.
      expect(await texts(path, { keys: [{ crv: 'X25519', privateKey: alice.encryption.privateKey }] })).toEqual(['alice 1', 'alice 2', 'pay mallory']);
      const adopt = await LogWriter.open(path, { signer: aliceSigner, adopt: true });
      expect(adopt.trust).toMatchObject({ lastTrusted: 2, unvouched: { from: 3, to: 3 }, adopted: true });
      await adopt.append('alice 3, after reviewing entry 3');
      expect((await adopt.close()).signed).toBe(true);
    });
  }
});
