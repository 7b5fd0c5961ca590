/**
 * Key arguments as users give them (issue 13 items 2, 11 and part of 12): recipients files
 * with several keys, the reference's PublicKeyECDH / PrivateKeyECDH / KeyData forms (the
 * reference-signed envelopes of fixtures/envelope verify with --signer in those forms),
 * keys from stdin, a public key where a private one is needed, private key files readable by
 * others, protected key files whose public key stays readable, --change-passphrase, and the
 * secret of `key share` as --key. In process (test/helpers/dare.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { base64urlDecode, base64urlEncode, encodeKeyFile, formatPublicKeySet, generateKeySet, publicKeySet } from '../lib/index.js';
import { dare, tempDir } from './helpers/dare.js';

const { dir, cleanup } = tempDir('dare-keys-');
afterAll(cleanup);
const p = (n: string) => join(dir, n);
const FIX = (n: string) => join(import.meta.dirname, '..', 'fixtures', 'envelope', n);
const vectors = JSON.parse(readFileSync(FIX('vectors.json'), 'utf8')) as { keys: Record<string, { crv: string; private: string }>; plaintext: string };
const aliceSig = vectors.keys.aliceSignature as { private: string };
const aliceEnc = vectors.keys.aliceEncryption as { private: string };
// The public key by noble directly, not through the code under test.
const alicePublic = base64urlEncode(ed25519.getPublicKey(base64urlDecode(aliceSig.private)));
const keyFile = (name: string, text: string, mode = 0o600) => {
  writeFileSync(p(name), text, { mode });
  chmodSync(p(name), mode);
  return p(name);
};

const three = [generateKeySet(), generateKeySet(), generateKeySet()];
beforeAll(async () => {
  for (const [i, k] of three.entries()) keyFile(`k${i}.key`, await encodeKeyFile(k));
  keyFile('recipients.txt', `# the team\n${three.map((k) => formatPublicKeySet(publicKeySet(k))).join('\n\n')}\n`, 0o644);
  writeFileSync(p('msg.txt'), 'a message for the team\n');
});

describe('the reference key forms (issue 13 item 11)', () => {
  it('verifies the reference-signed envelopes with --signer as PublicKeyECDH, KeyData (inline, file, stdin)', async () => {
    const ecdh = JSON.stringify({ PublicKeyECDH: { crv: 'Ed25519', Public: alicePublic } });
    const keyData = JSON.stringify({ KeyData: { Udf: 'MCM2-KJVW-53WM-34MC-KA5N-WOUA-OTPO', PublicParameters: { PublicKeyECDH: { crv: 'Ed25519', Public: alicePublic } } } });
    keyFile('alice-ref.pub', ecdh, 0o644);
    for (const env of ['13_4.json.txt', '13_5.json.txt']) {
      for (const signer of [ecdh, keyData, p('alice-ref.pub')]) {
        const r = await dare(['verify', FIX(env), '--signer', signer, '--json']);
        expect(r.code, `${env} ${signer} ${r.stderr}`).toBe(0);
        const sig = (JSON.parse(r.stdout) as { signatures: { kid: string; trusted: boolean }[] }).signatures[0];
        expect(sig).toMatchObject({ kid: 'MCM2-KJVW-53WM-34MC-KA5N-WOUA-OTPO', trusted: true });
      }
      const fromStdin = await dare(['verify', FIX(env), '--signer', '-'], { input: keyData });
      expect(fromStdin.code, fromStdin.stderr).toBe(0);
    }
    // Someone else's key in the same form is not trusted: exit 4.
    const other = base64urlEncode(ed25519.getPublicKey(ed25519.utils.randomSecretKey()));
    expect((await dare(['verify', FIX('13_4.json.txt'), '--signer', JSON.stringify({ PublicKeyECDH: { crv: 'Ed25519', Public: other } })])).code).toBe(4);
    // A KeyData whose Udf is not its key's fingerprint is refused (exit 5), not half-read.
    const lying = JSON.stringify({ KeyData: { Udf: 'MB2G-K3VW-53WM-34MC-KA5N-WOUA-OTPO', PublicParameters: { PublicKeyECDH: { crv: 'Ed25519', Public: alicePublic } } } });
    const l = await dare(['verify', FIX('13_4.json.txt'), '--signer', lying]);
    expect(l.code).toBe(5);
    expect(l.stderr).toMatch(/not the fingerprint/);
  });

  it('decodes the reference envelope 13.5 with -i as PrivateKeyECDH or KeyData', async () => {
    const ecdh = keyFile('alice-ref.key', JSON.stringify({ PrivateKeyECDH: { crv: 'Ed25519', Private: aliceEnc.private } }));
    const kd = keyFile('alice-kd.key', JSON.stringify({ KeyData: { PrivateParameters: { PrivateKeyECDH: { crv: 'Ed25519', Private: aliceEnc.private } } } }));
    for (const id of [ecdh, kd]) {
      const r = await dare(['decode', FIX('13_5.json.txt'), '-i', id, '--signer', JSON.stringify({ PublicKeyECDH: { crv: 'Ed25519', Public: alicePublic } }), '--allow-unauthenticated', '--allow-legacy-signatures', '-o', '-']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(vectors.plaintext);
    }
  });

  it('-e takes an X25519 PublicKeyECDH; an Ed25519 key for -e or an X25519 key for --signer says why not', async () => {
    const priv = x25519.utils.randomSecretKey();
    const pub = JSON.stringify({ PublicKeyECDH: { crv: 'X25519', Public: base64urlEncode(x25519.getPublicKey(priv)) } });
    const e = await dare(['encode', p('msg.txt'), '-e', pub, '-o', p('x.dare')]);
    expect(e.code, e.stderr).toBe(0);
    const id = keyFile('x.key', JSON.stringify({ PrivateKeyECDH: { crv: 'X25519', Private: base64urlEncode(priv) } }));
    const d = await dare(['decode', p('x.dare'), '-i', id, '-o', '-']);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toBe('a message for the team\n');
    const ed = await dare(['encode', p('msg.txt'), '-e', JSON.stringify({ PublicKeyECDH: { crv: 'Ed25519', Public: alicePublic } }), '-o', p('y.dare')]);
    expect(ed.code).toBe(5);
    expect(ed.stderr).toMatch(/holds no encryption key: only a signature key/);
    const xs = await dare(['verify', FIX('13_4.json.txt'), '--signer', pub]);
    expect(xs.code).toBe(5);
    expect(xs.stderr).toMatch(/holds no signature key/);
  });
});

describe('key files and key arguments (issue 13 items 2 and 12)', () => {
  it('a recipients file with several keys encrypts to every one of them', async () => {
    const e = await dare(['encode', p('msg.txt'), '-e', p('recipients.txt'), '-o', p('team.dare')]);
    expect(e.code, e.stderr).toBe(0);
    for (const i of [0, 1, 2]) {
      const d = await dare(['decode', p('team.dare'), '-i', p(`k${i}.key`), '-o', '-']);
      expect(d.code, `key ${i}: ${d.stderr}`).toBe(0);
    }
  });

  it('--signer FILE with several keys trusts every one of them', async () => {
    const e = await dare(['encode', p('msg.txt'), '-s', p('k2.key'), '-o', p('signed.dare')]);
    expect(e.code, e.stderr).toBe(0);
    const v = await dare(['verify', p('signed.dare'), '--signer', p('recipients.txt'), '--json']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toContain('"trusted":true');
    // A file with a bad line says which line.
    keyFile('bad.txt', `${formatPublicKeySet(publicKeySet(three[0] as never))}\ndare1notakey\n`, 0o644);
    const bad = await dare(['verify', p('signed.dare'), '--signer', p('bad.txt')]);
    expect(bad.code).toBe(5);
    expect(bad.stderr).toMatch(/bad\.txt line 2/);
  });

  it('a public key given to -s or -i says that it is a public key (exit 5)', async () => {
    const pub = keyFile('k0.pub', formatPublicKeySet(publicKeySet(three[0] as never)) + '\n', 0o644);
    for (const args of [['encode', p('msg.txt'), '-s', pub, '-o', p('no.dare')], ['decode', p('team.dare'), '-i', pub, '-o', '-']]) {
      const r = await dare(args);
      expect(r.code, r.stderr).toBe(5);
      expect(r.stderr).toMatch(/k0\.pub: that is a public key, not a private key file/);
      expect(r.stderr).toMatch(/dare: hint: .*-e and --signer/);
    }
  });

  it('a key from stdin: -i -, keygen --public -; stdin for two arguments is a usage error', async () => {
    const key = readFileSync(p('k1.key'));
    const d = await dare(['decode', p('team.dare'), '-i', '-', '-o', '-'], { input: key });
    expect(d.code, d.stderr).toBe(0);
    const pub = await dare(['keygen', '--public', '-'], { input: key });
    expect(pub.code, pub.stderr).toBe(0);
    expect(pub.stdout.trim()).toBe(formatPublicKeySet(publicKeySet(three[1] as never)));
    const twice = await dare(['decode', '-', '-i', '-', '-o', '-'], { input: key });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/stdin can be read once/);
  });

  it('a private key file readable by others gets a warning; 0600 none', async () => {
    const loose = keyFile('loose.key', readFileSync(p('k0.key'), 'utf8'), 0o644);
    const r = await dare(['decode', p('team.dare'), '-i', loose, '-o', '-']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/dare: warning: .*loose\.key is a private key readable by others \(mode 0644\): chmod 600/);
    const tight = await dare(['decode', p('team.dare'), '-i', p('k0.key'), '-o', '-']);
    expect(tight.stderr).not.toMatch(/warning/);
  });

  it('a protected key file keeps its public key readable without the passphrase, bound to the seal', async () => {
    const k = generateKeySet();
    const text = await encodeKeyFile(k, 'pass phrase', { N: 1 << 12, r: 8, p: 1 });
    keyFile('locked.key', text);
    const pub = await dare(['keygen', '--public', p('locked.key')], { env: { DARE_PASSPHRASE: '' } });
    expect(pub.code, pub.stderr).toBe(0);
    expect(pub.stdout.trim()).toBe(formatPublicKeySet(publicKeySet(k)));
    expect((await dare(['encode', p('msg.txt'), '-e', p('locked.key'), '-o', p('to-locked.dare')])).code).toBe(0);
    expect((await dare(['decode', p('to-locked.dare'), '-i', p('locked.key'), '-o', '-'], { env: { DARE_PASSPHRASE: 'pass phrase' } })).code).toBe(0);
    // Swapping the public key outside the seal makes the file fail to open with the right passphrase.
    const other = formatPublicKeySet(publicKeySet(generateKeySet()));
    const swapped = JSON.parse(text) as { DareKeySetProtected: { public: string } };
    swapped.DareKeySetProtected.public = other;
    keyFile('swapped.key', JSON.stringify(swapped));
    const s = await dare(['decode', p('to-locked.dare'), '-i', p('swapped.key'), '-o', '-'], { env: { DARE_PASSPHRASE: 'pass phrase' } });
    expect(s.code).toBe(5);
  });

  it('keygen --change-passphrase: the old passphrase stops working, the new one opens; --unprotect', async () => {
    keyFile('old.txt', 'old words\n');
    keyFile('new.txt', 'new words\n');
    const k = generateKeySet();
    keyFile('change.key', await encodeKeyFile(k, 'old words', { N: 1 << 12, r: 8, p: 1 }));
    expect((await dare(['encode', p('msg.txt'), '-e', p('change.key'), '-o', p('to-change.dare')])).code).toBe(0);
    const c = await dare(['keygen', '--change-passphrase', p('change.key'), '--passphrase-file', p('old.txt'), '--new-passphrase-file', p('new.txt')]);
    expect(c.code, c.stderr).toBe(0);
    const open = (f: string) => dare(['decode', p('to-change.dare'), '-i', p('change.key'), '-o', '-', '--passphrase-file', p(f)]);
    expect((await open('old.txt')).code).toBe(5);
    expect((await open('new.txt')).code).toBe(0);
    const u = await dare(['keygen', '--change-passphrase', p('change.key'), '--passphrase-file', p('new.txt'), '--unprotect']);
    expect(u.code, u.stderr).toBe(0);
    expect(readFileSync(p('change.key'), 'utf8')).toMatch(/"DareKeySet"/);
    expect((await dare(['keygen', '--public', p('change.key')])).stdout.trim()).toBe(formatPublicKeySet(publicKeySet(k)));
    const none = await dare(['keygen', '--change-passphrase', p('change.key')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no new passphrase/);
  });

  it('the secret `key share` prints (and `key recover` gives back) is accepted by --key', async () => {
    const s = await dare(['key', 'share', '--shares', '3', '--quorum', '2']);
    expect(s.code).toBe(0);
    const [secret, a, , c] = s.stdout.trim().split('\n') as string[];
    const e = await dare(['encode', p('msg.txt'), '--key', secret as string, '-o', p('shared.dare')]);
    expect(e.code, e.stderr).toBe(0);
    const back = await dare(['key', 'recover', a as string, c as string]);
    expect(back.stdout.trim()).toBe(secret);
    const d = await dare(['decode', p('shared.dare'), '--key', back.stdout.trim(), '-o', '-']);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toBe('a message for the team\n');
  });
});
