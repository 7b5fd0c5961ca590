// Write-only sessions (ArchiveWriter.openWriteOnly; docs/FORMAT.md §9): a host that holds
// only public keys adds entries to an encrypted archive.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeySet, publicKeySet } from '../keys/keyset.js';
import { collectBytes } from '../internal/bytes.js';
import { verifySequence } from '../sequence/verify.js';
import { LogWriter } from '../log/writer.js';
import { ArchiveWriter } from './writer.js';
import { ArchiveReader } from './reader.js';
import type { EntryMeta } from './format.js';
import { errorCode as code } from '../internal/error-code.test-util.js';

const dir = mkdtempSync(join(tmpdir(), 'dare-wo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = () => join(dir, `a${n++}.dare`);
const owner = generateKeySet();
const host = generateKeySet();
const signerOf = (k: typeof owner) => ({ crv: k.signature.crv, privateKey: k.signature.privateKey, publicKey: k.signature.publicKey });
const pub = (k: typeof owner) => ({ crv: k.signature.crv, publicKey: k.signature.publicKey });
const ownerKeys = { keys: [{ crv: 'X25519' as const, privateKey: owner.encryption.privateKey }] };
const T = '2024-05-06T07:08:09.000Z';
const meta = (path: string, size: number): EntryMeta => ({ path, kind: 'file', size, mode: 0o644, modified: T });
const bytes = (s: string) => new TextEncoder().encode(s);


/** An archive encrypted to the owner, signed by the host (the policy names the host's key). */
async function backup(): Promise<string> {
  const path = file();
  const w = await ArchiveWriter.create(path, { recipients: [publicKeySet(owner).encryption], signer: signerOf(host) });
  await w.add(meta('a.txt', 3), bytes('one'));
  await w.add(meta('b.txt', 3), bytes('two'));
  await w.finish();
  return path;
}

async function contents(path: string, options = {}): Promise<Record<string, string>> {
  const r = await ArchiveReader.open(path, { ...ownerKeys, ...options });
  try {
    const out: Record<string, string> = {};
    for (const e of r.entries()) out[e.path] = new TextDecoder().decode(await collectBytes(r.content(e)));
    return out;
  } finally {
    await r.close();
  }
}

describe('write-only archive sessions', () => {
  it('adds and replaces entries with public keys only; the owner reads them by a scan, verifies, and re-indexes', async () => {
    const path = await backup();
    const w = await ArchiveWriter.openWriteOnly(path, { signer: signerOf(host) });
    expect(w.writeOnly).toBe(true);
    await w.add(meta('c.txt', 5), bytes('three'));
    await w.add(meta('a.txt', 4), bytes('ONE!'));
    const s = await w.finish();
    expect(s).toMatchObject({ entries: 2, writeOnly: true, signed: true });
    expect(existsSync(`${path}.lock`)).toBe(false);
    expect(await contents(path)).toEqual({ 'b.txt': 'two', 'c.txt': 'three', 'a.txt': 'ONE!' });
    // Every frame, the tree and the host's signature on the seal check; without an index the
    // trusted reader authenticates the scan of every header against the signed apex.
    const r = await ArchiveReader.open(path, { ...ownerKeys, trustedSigners: [pub(host)] });
    expect(r.indexed).toBe(false);
    expect((await verifySequence(r.sequence)).lastSigned).toBe(r.sequence.last.index);
    expect((await r.authenticate()).some((x) => x.trusted)).toBe(true);
    await r.close();
    expect(await contents(path, { trustedSigners: [pub(host)] })).toEqual({ 'b.txt': 'two', 'c.txt': 'three', 'a.txt': 'ONE!' });
    // The owner writes a fresh index (dare index): signed and indexed again.
    const o = await ArchiveWriter.open(path, { ...ownerKeys, signer: signerOf(host) });
    await o.finish({ forceIndex: true });
    const r2 = await ArchiveReader.open(path, { ...ownerKeys, trustedSigners: [pub(host)] });
    expect(r2.indexed).toBe(true);
    await r2.authenticate();
    await r2.close();
    expect(await contents(path)).toEqual({ 'b.txt': 'two', 'c.txt': 'three', 'a.txt': 'ONE!' });
  });

  it('refuses deletion, a session that would sign over an unsigned tail, secret archives and non-archives; abort cuts back', async () => {
    const path = await backup();
    const w = await ArchiveWriter.openWriteOnly(path, { signer: signerOf(host) });
    await w.add(meta('x', 1), bytes('x'));
    expect(await code(w.remove('a.txt'))).toBe('NO_MATCHING_KEY');
    const before = readFileSync(path);
    await w.abort();
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(await contents(path)).toEqual({ 'a.txt': 'one', 'b.txt': 'two' });

    // Someone appended without signing (the policy names a signer): the host will not sign over it.
    const u = await ArchiveWriter.open(path, ownerKeys);
    await u.add(meta('u', 1), bytes('u'));
    await u.finish();
    const unsignedTail = readFileSync(path);
    expect(await code(ArchiveWriter.openWriteOnly(path, { signer: signerOf(host) }))).toBe('SIGNATURE_INVALID');
    expect(readFileSync(path).equals(unsignedTail)).toBe(true);
    expect(existsSync(`${path}.lock`)).toBe(false);

    const secret = file();
    const sw = await ArchiveWriter.create(secret, { secret: new Uint8Array(32).fill(7) });
    await sw.finish();
    expect(await code(ArchiveWriter.openWriteOnly(secret))).toBe('NO_MATCHING_KEY');
    const log = join(dir, 'not-an-archive.dlog');
    await (await LogWriter.create(log)).close();
    expect(await code(ArchiveWriter.openWriteOnly(log))).toBe('MALFORMED');
  });

  it('checks conflicts within the session; an unsigned archive takes unsigned write-only sessions given its recipients', async () => {
    const path = file();
    const c = await ArchiveWriter.create(path, { recipients: [publicKeySet(owner).encryption] });
    await c.add(meta('keep', 1), bytes('k'));
    await c.finish();
    // Nothing vouches for the keys the file names: they are given again (lib/archive/writer-trust.test.ts).
    expect(await code(ArchiveWriter.openWriteOnly(path))).toBe('SIGNATURE_INVALID');
    const w = await ArchiveWriter.openWriteOnly(path, { recipients: [publicKeySet(owner).encryption] });
    await w.add(meta('f', 1), bytes('f'));
    expect(await code(w.add(meta('f/g', 1), bytes('g')))).toBe('CONFLICT');
    expect((await w.finish()).signed).toBe(false);
    expect(await contents(path)).toEqual({ keep: 'k', f: 'f' });
  });
});
