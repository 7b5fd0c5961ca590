/**
 * What an archive writer trusts (issue 12, findings 3 and 4), written as the attacks of
 * someone who can write the backup storage: replacing the archive by one encrypted to their
 * own key and signed by it, or appending frames (unsigned, or signed by their own key)
 * that the owner's next signed session would vouch for. Each attack worked before the
 * writers checked what they trust (lib/sequence/trust.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeySet, publicKeySet } from '../keys/keyset.js';
import { collectBytes } from '../internal/bytes.js';
import { isDareError } from '../errors.js';
import { SequenceWriter } from '../sequence/writer.js';
import { ArchiveWriter } from './writer.js';
import { ArchiveReader } from './reader.js';
import { entryContentMeta, SEAL_TYPE, type EntryMeta } from './format.js';

const dir = mkdtempSync(join(tmpdir(), 'dare-archive-trust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = () => join(dir, `a${n++}.dare`);
const owner = generateKeySet();
const host = generateKeySet();
const mallory = generateKeySet();
const signerOf = (k: typeof owner) => ({ crv: k.signature.crv, privateKey: k.signature.privateKey, publicKey: k.signature.publicKey });
const pub = (k: typeof owner) => ({ crv: k.signature.crv, publicKey: k.signature.publicKey });
const enc = (k: typeof owner) => publicKeySet(k).encryption;
const keysOf = (k: typeof owner) => ({ keys: [{ crv: 'X25519' as const, privateKey: k.encryption.privateKey }] });
const T = '2024-05-06T07:08:09.000Z';
const meta = (path: string, size: number): EntryMeta => ({ path, kind: 'file', size, mode: 0o644, modified: T });
const bytes = (s: string) => new TextEncoder().encode(s);

/** The error a session ends with ('ok' when it opened: then it is given up). */
async function failure(p: Promise<ArchiveWriter>): Promise<string> {
  try {
    await (await p).abort();
    return 'ok';
  } catch (e) {
    return isDareError(e) ? `${e.code}: ${e.message}` : String(e);
  }
}

/** What someone holding `k` reads from the archive: path -> text ('?' when it cannot). */
async function readAs(path: string, k: typeof owner): Promise<Record<string, string>> {
  const r = await ArchiveReader.open(path, keysOf(k));
  try {
    const out: Record<string, string> = {};
    for (const e of r.entries()) out[e.path] = new TextDecoder().decode(await collectBytes(r.content(e)));
    return out;
  } finally {
    await r.close();
  }
}

/** The host's backup: encrypted to the owner, signed by the host. */
async function backup(): Promise<string> {
  const path = file();
  const w = await ArchiveWriter.create(path, { recipients: [enc(owner)], signer: signerOf(host) });
  await w.add(meta('a.txt', 3), bytes('one'));
  await w.finish();
  return path;
}

describe('a writer follows only a policy a key it trusts signed (finding 3)', () => {
  it('the backup replaced by an archive encrypted to Mallory and signed by her: the host\'s write-only append refuses', async () => {
    const path = file();
    const forged = await ArchiveWriter.create(path, { recipients: [enc(mallory)], signer: signerOf(mallory) });
    await forged.add(meta('a.txt', 3), bytes('one'));
    await forged.finish();
    const before = readFileSync(path);
    expect(await failure(ArchiveWriter.openWriteOnly(path, { signer: signerOf(host) }))).toMatch(/^SIGNATURE_INVALID: .*no frame carries a signature by a trusted key/);
    // Nor unsigned, trusting the host; given the owner's key as recipient it is a mismatch.
    expect(await failure(ArchiveWriter.openWriteOnly(path, { trustedSigners: [pub(host)] }))).toMatch(/^SIGNATURE_INVALID: .*come from the file itself/);
    expect(await failure(ArchiveWriter.openWriteOnly(path, { recipients: [enc(owner)] }))).toMatch(/^MISMATCH: /);
    expect(readFileSync(path).equals(before)).toBe(true);
    // The real backup takes the host's append.
    const real = await backup();
    const w = await ArchiveWriter.openWriteOnly(real, { signer: signerOf(host) });
    await w.add(meta('b.txt', 3), bytes('two'));
    await w.finish();
    expect(await readAs(real, owner)).toEqual({ 'a.txt': 'one', 'b.txt': 'two' });
  });

  it('an archive re-encrypted to the owner and Mallory: the owner\'s keyed append (signed or not) refuses to encrypt to Mallory', async () => {
    const path = file();
    const forged = await ArchiveWriter.create(path, { recipients: [enc(owner), enc(mallory)], signer: signerOf(mallory) });
    await forged.add(meta('a.txt', 3), bytes('one'));
    await forged.finish();
    expect(await failure(ArchiveWriter.open(path, { ...keysOf(owner), signer: signerOf(host) }))).toMatch(/^SIGNATURE_INVALID: /);
    expect(await failure(ArchiveWriter.open(path, { ...keysOf(owner) }))).toMatch(/^SIGNATURE_INVALID: .*: the 2 keys new frames would be encrypted to come from the file itself/);
    // An unsigned archive encrypted to the owner's key alone: the owner appends without a signature.
    const mine = file();
    const c = await ArchiveWriter.create(mine, { recipients: [enc(owner)] });
    await c.finish();
    const o = await ArchiveWriter.open(mine, keysOf(owner));
    await o.add(meta('x', 1), bytes('x'));
    await o.finish();
    expect(await readAs(mine, owner)).toEqual({ x: 'x' });
  });
});

describe('a signing writer never signs over frames nobody it trusts signed (finding 4)', () => {
  /** Mallory (public keys only) appends an entry and seals it, unsigned or signed by her key. */
  async function tamper(path: string, how: 'unsigned' | 'mallory'): Promise<void> {
    const w = await SequenceWriter.open(path, { recipients: [enc(owner)], signer: how === 'mallory' ? signerOf(mallory) : undefined });
    await w.append(bytes('evil'), { contentMeta: entryContentMeta(meta('evil.sh', 4)) });
    await w.seal(new Uint8Array(0), { contentMeta: { contentType: SEAL_TYPE } });
    await w.close();
  }

  for (const how of ['unsigned', 'mallory'] as const) {
    it(`after Mallory appends (${how}): the owner's re-index and keyed append, and the host's append, refuse and name the frames; --adopt goes on`, async () => {
      const path = await backup();
      await tamper(path, how);
      const before = readFileSync(path);
      const named = /^SIGNATURE_INVALID: .*frames 3-4 were not written by this session and the last signature by a trusted key is on frame 2/;
      // dare index -i owner.key -s host.key (a rescan), dare append -i owner.key -s host.key, the host's write-only append.
      expect(await failure(ArchiveWriter.open(path, { ...keysOf(owner), signer: signerOf(host), rescan: true }))).toMatch(named);
      expect(await failure(ArchiveWriter.open(path, { ...keysOf(owner), signer: signerOf(host) }))).toMatch(named);
      expect(await failure(ArchiveWriter.openWriteOnly(path, { signer: signerOf(host) }))).toMatch(named);
      expect(readFileSync(path).equals(before)).toBe(true);
      // The owner reviewed the frames (evil.sh is there) and adopts them.
      expect(await readAs(path, owner)).toEqual({ 'a.txt': 'one', 'evil.sh': 'evil' });
      const ix = await ArchiveWriter.open(path, { ...keysOf(owner), signer: signerOf(host), rescan: true, adopt: true });
      expect(ix.trust).toMatchObject({ lastTrusted: 2, unvouched: { from: 3, to: 4 }, adopted: true });
      expect((await ix.finish({ forceIndex: true })).signed).toBe(true);
      const r = await ArchiveReader.open(path, { ...keysOf(owner), trustedSigners: [pub(host)] });
      await r.authenticate();
      await r.close();
    });
  }
});
