import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, chmodSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { DARE_BIN, dare, tempDir } from './helpers/dare.js';

const { dir, cleanup } = tempDir('dare-inspect-');
afterAll(cleanup);
const p = (n: string) => join(dir, n);
const payload = Buffer.from(Array.from({ length: 100_003 }, (_, i) => (i * 13 + 5) & 255));
/** The recipient id (encryption key fingerprint) and the fingerprint (signature key) of each key set. */
const ids: Record<string, { recipient: string; fingerprint: string }> = {};

async function ok(args: string[], opts: { input?: Uint8Array | string } = {}) {
  const r = await dare(args, opts);
  expect(r.code, `dare ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
}

async function inspectJson(file: string): Promise<Record<string, unknown>> {
  return JSON.parse((await ok(['inspect', file, '--json'])).stdout) as Record<string, unknown>;
}

function noTemp(): void {
  expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
}

/** One line `dare: error: ...`, no stack trace. */
function oneLineError(stderr: string): void {
  expect(stderr).toMatch(/^dare: error: /);
  expect(stderr).not.toMatch(/\n\s+at /);
}

beforeAll(async () => {
  for (const [who, extra] of [['alice', []], ['bob', []], ['carol', ['--encryption', 'x448', '--signature', 'ed448']], ['dave', []]] as const) {
    await ok(['keygen', '-o', p(`${who}.key`), ...extra]);
    writeFileSync(p(`${who}.pub`), (await ok(['keygen', '--public', p(`${who}.key`)])).stdout);
    const j = JSON.parse((await ok(['inspect', p(`${who}.pub`), '--json'])).stdout) as { encryptionKid: string; fingerprint: string };
    ids[who] = { recipient: j.encryptionKid, fingerprint: j.fingerprint };
  }
  writeFileSync(p('data.bin'), payload);
  await ok(['encode', p('data.bin'), '-o', p('data.dare'), '-e', p('alice.pub'), '-e', p('bob.pub'), '-s', p('carol.key'), '-a', 'Subject: hello']);
}, 90_000);

describe('dare inspect', () => {
  it('an encrypted, signed envelope: recipients, signature, digest, MAC, sizes, without a key', async () => {
    const j = await inspectJson(p('data.dare'));
    expect(j).toMatchObject({
      kind: 'envelope', encoding: 'jsonb', encrypted: true, encryption: 'A256CBC', digest: 'S512', mode: 'recipients',
      recipients: [{ kid: ids.alice?.recipient, crv: 'X25519' }, { kid: ids.bob?.recipient, crv: 'X25519' }],
      signatures: [{ kid: ids.carol?.fingerprint, crv: 'Ed448', algorithm: 'Ed448', alg: 'S512', witness: true }],
      payloadDigest: true, payloadMac: true, payloadLength: 100_016, metadataCloaked: true, annotations: 1,
    });
    expect(j.contentMeta).toBeUndefined();
    const text = (await ok(['inspect', p('data.dare')])).stdout;
    expect(text).toContain(`${p('data.dare')}: DARE envelope, JSON-B`);
    expect(text).toContain(`    ${ids.bob?.recipient} (X25519)`);
    expect(text).toContain(`signed by ${ids.carol?.fingerprint} (Ed448, for dare/envelope/v1, over S512, with witness)`);
    expect(text).toContain('payload: 100016 bytes (ciphertext)');
  });

  it('from stdin; JSON encoding; a plain envelope shows its metadata; a shared secret its kid', async () => {
    const viaStdin = JSON.parse((await ok(['inspect', '-', '--json'], { input: readFileSync(p('data.dare')) })).stdout) as Record<string, unknown>;
    expect(viaStdin).toMatchObject({ file: '-', kind: 'envelope', payloadLength: 100_016 });
    await ok(['encode', p('data.bin'), '-o', p('plain.dare'), '--encoding', 'json', '--cty', 'application/x-test', '--plaintext']);
    expect(await inspectJson(p('plain.dare'))).toMatchObject({
      encoding: 'json', encrypted: false, mode: 'plain', payloadLength: 100_003, payloadMac: false, metadataCloaked: false,
      contentMeta: { contentType: 'application/x-test', filename: 'data.bin' },
    });
    const secret = (await ok(['key', 'secret'])).stdout.trim();
    const enc = await ok(['encode', '-', '--key', secret], { input: 'short' });
    const s = JSON.parse((await ok(['inspect', '-', '--json'], { input: enc.stdoutBytes })).stdout) as { mode: string; kid: string; recipients: unknown[] };
    expect(s.mode).toBe('shared-secret');
    expect(s.kid).toMatch(/^E[A-Z2-7-]{20,}$/);
    expect(s.recipients).toEqual([]);
  });

  it('an archive and a log: type, frames, policy keys, the last frame signed; a torn tail', async () => {
    mkdirSync(p('tree'));
    writeFileSync(p('tree/a.txt'), 'a');
    writeFileSync(p('tree/b.txt'), 'b');
    await ok(['archive', p('tree.dare'), p('tree'), '-e', p('alice.pub'), '-s', p('bob.key')]);
    const a = await inspectJson(p('tree.dare'));
    expect(a).toMatchObject({
      kind: 'sequence', type: 'archive', containerType: 'Merkle', tornBytes: 0, encrypted: true, digestScheme: 'dare-fd-rfc9162-sha512',
      policy: { encryptKeys: [{ kid: ids.alice?.recipient, crv: 'X25519' }], signKeys: [{ kid: ids.bob?.fingerprint, crv: 'Ed25519' }] },
      lastFrame: { signed: true, signatures: [{ kid: ids.bob?.fingerprint, algorithm: 'Ed25519ctx' }] },
      lastExchange: { recipients: [{ kid: ids.alice?.recipient }] },
    });
    expect(a.frames).toBeGreaterThanOrEqual(4);
    expect((a.lastFrame as { frame: number }).frame).toBe((a.frames as number) - 1);
    await ok(['log', 'create', p('l.dare')]);
    await ok(['log', 'append', p('l.dare'), 'one']);
    const l = await inspectJson(p('l.dare'));
    expect(l).toMatchObject({ type: 'log', frames: 2, encrypted: false, lastFrame: { frame: 1, signed: false } });
    appendFileSync(p('l.dare'), Buffer.from([0xf5, 0x00, 0x10, 1, 2, 3]));
    expect(await inspectJson(p('l.dare'))).toMatchObject({ frames: 2, tornBytes: 6 });
    expect((await ok(['inspect', p('l.dare')])).stdout).toMatch(/torn tail: 6 bytes/);
    // A sequence needs its file: from a pipe it is bad input, said in one line.
    const piped = await dare(['inspect', '-'], { input: readFileSync(p('tree.dare')) });
    expect(piped.code).toBe(3);
    oneLineError(piped.stderr);
  });

  it('key files and public keys: fingerprint, curves, protection', async () => {
    expect(await inspectJson(p('carol.key'))).toMatchObject({
      kind: 'key-file', format: 'DareKeySet', protected: false, fingerprint: ids.carol?.fingerprint, encryptionKid: ids.carol?.recipient,
      curves: { encryption: 'X448', signature: 'Ed448' },
    });
    expect(await inspectJson(p('carol.pub'))).toMatchObject({ kind: 'public-key', fingerprint: ids.carol?.fingerprint, protected: false });
    writeFileSync(p('pass.txt'), 'a passphrase\n');
    await ok(['keygen', '-o', p('locked.key'), '--passphrase-file', p('pass.txt')]);
    const sealed = await inspectJson(p('locked.key'));
    expect(sealed).toMatchObject({ kind: 'key-file', format: 'DareKeySetProtected', protected: true, kdf: { alg: 'scrypt', N: 131072, r: 8, p: 1 } });
    expect(sealed.fingerprint).toBeUndefined();
    const opened = JSON.parse((await ok(['inspect', p('locked.key'), '--json', '--passphrase-file', p('pass.txt')])).stdout) as { fingerprint: string; protected: boolean };
    expect(opened.protected).toBe(true);
    expect(opened.fingerprint).toMatch(/^M[A-Z2-7-]+$/);
    expect((await dare(['inspect', p('locked.key'), '--passphrase-command', 'echo wrong'])).code).toBe(5);
  }, 30_000);

  it('anything else is exit 3 "not a DARE file" in one line; damaged envelopes are exit 3 too; missing files exit 6', async () => {
    const cases: [string, Uint8Array | string][] = [
      ['random.bin', Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 97 + 31) & 255 | 0x01))],
      ['text.txt', 'hello, world\n'],
      ['other.json', '{"name": "not dare"}'],
      ['empty', ''],
    ];
    for (const [name, bytes] of cases) {
      writeFileSync(p(name), bytes);
      const r = await dare(['inspect', p(name)]);
      expect(r.code, name).toBe(3);
      expect(r.stderr, name).toMatch(/^dare: error: not a DARE file/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
      const s = await dare(['inspect', '-'], { input: bytes });
      expect(s.code, `${name} on stdin`).toBe(3);
    }
    writeFileSync(p('cut.dare'), readFileSync(p('data.dare')).subarray(0, 50_000));
    const cut = await dare(['inspect', p('cut.dare')]);
    expect(cut.code).toBe(3);
    oneLineError(cut.stderr);
    const junkHeader = Buffer.concat([Buffer.from('['), Buffer.from([0xff, 0xfe, 0x00])]);
    const junk = await dare(['inspect', '-'], { input: junkHeader });
    expect(junk.code).toBe(3);
    oneLineError(junk.stderr);
    expect((await dare(['inspect', p('no-such-file')])).code).toBe(6);
    expect((await dare(['inspect', dir])).code).toBe(6);
  }, 30_000);
});

describe('dare rekey', () => {
  it('adds and removes recipients: the new one decodes, the removed one is exit 5, the rest is byte for byte', async () => {
    const r = await ok(['rekey', p('data.dare'), '-i', p('alice.key'), '-e', p('carol.pub'), '--remove', ids.alice!.recipient, '-o', p('re.dare')]);
    expect(r.stdout).toContain(`added ${ids.carol?.recipient}`);
    expect(r.stderr).toMatch(/does not revoke/);
    const dec = await ok(['decode', p('re.dare'), '-i', p('carol.key'), '--signer', p('carol.pub'), '-o', p('re.out')]);
    expect(dec.code).toBe(0);
    expect(readFileSync(p('re.out')).equals(payload)).toBe(true);
    const removed = await dare(['decode', p('re.dare'), '-i', p('alice.key'), '-o', p('re.alice')]);
    expect(removed.code).toBe(5);
    expect(existsSync(p('re.alice'))).toBe(false);
    await ok(['decode', p('re.dare'), '-i', p('bob.key'), '-o', '-']);
    expect((await inspectJson(p('re.dare'))).recipients).toEqual([{ kid: ids.bob?.recipient, crv: 'X25519' }, { kid: ids.carol?.recipient, crv: 'X448' }]);
    // Payload item, trailer and closing bracket: the same bytes as before.
    const before = readFileSync(p('data.dare'));
    const after = readFileSync(p('re.dare'));
    const tail = 100_016 + 300;
    expect(after.subarray(after.length - tail).equals(before.subarray(before.length - tail))).toBe(true);
    expect(after.equals(before)).toBe(false);
    noTemp();
  }, 30_000);

  it('--in-place replaces the file atomically and keeps its mode; --remove takes a public key', async () => {
    await ok(['encode', p('data.bin'), '-o', p('ip.dare'), '-e', p('alice.pub'), '-e', p('bob.pub')]);
    chmodSync(p('ip.dare'), 0o600);
    const inode = statSync(p('ip.dare')).ino;
    await ok(['rekey', p('ip.dare'), '-i', p('bob.key'), '--remove', p('alice.pub'), '-e', p('dave.pub'), '--in-place', '--json']);
    const st = statSync(p('ip.dare'));
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.ino).not.toBe(inode);
    expect((await dare(['decode', p('ip.dare'), '-i', p('alice.key'), '-o', '-'])).code).toBe(5);
    expect((await ok(['decode', p('ip.dare'), '-i', p('dave.key'), '-o', '-'])).stdoutBytes.equals(payload)).toBe(true);
    noTemp();
  }, 30_000);

  it('--replace; stdin to stdout; JSON encoding', async () => {
    await ok(['encode', p('data.bin'), '-o', p('j.dare'), '--encoding', 'json', '-e', p('alice.pub'), '-e', p('bob.pub')]);
    const out = await ok(['rekey', '-', '-i', p('alice.key'), '--replace', '-e', p('dave.pub'), '-o', '-', '--json'], { input: readFileSync(p('j.dare')) });
    const plan = JSON.parse(out.stderr.trim().split('\n').pop() as string) as { recipients: string[]; removed: string[]; encoding: string };
    expect(plan).toMatchObject({ recipients: [ids.dave?.recipient], removed: [ids.alice?.recipient, ids.bob?.recipient], encoding: 'json' });
    expect(out.stdout.startsWith('[{')).toBe(true);
    const dec = await ok(['decode', '-', '-i', p('dave.key'), '-o', '-'], { input: out.stdoutBytes });
    expect(dec.stdoutBytes.equals(payload)).toBe(true);
    expect((await dare(['decode', '-', '-i', p('alice.key'), '-o', '-'], { input: out.stdoutBytes })).code).toBe(5);
  }, 30_000);

  it('refuses: no access (5), unknown or all recipients removed (1), no output named (2), existing output (6), shared secret only (1)', async () => {
    const noAccess = await dare(['rekey', p('data.dare'), '-i', p('dave.key'), '-e', p('dave.pub'), '-o', p('x1.dare')]);
    expect(noAccess.code).toBe(5);
    oneLineError(noAccess.stderr);
    const unknown = await dare(['rekey', p('data.dare'), '-i', p('alice.key'), '--remove', p('dave.pub'), '-o', p('x2.dare')]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/is not a recipient/);
    const all = await dare(['rekey', p('data.dare'), '-i', p('alice.key'), '--remove', p('alice.pub'), '--remove', p('bob.pub'), '-o', p('x3.dare')]);
    expect(all.code).toBe(1);
    expect(all.stderr).toMatch(/no recipient would be left/);
    expect((await dare(['rekey', p('data.dare'), '-i', p('alice.key'), '-e', p('dave.pub')])).code).toBe(2);
    expect((await dare(['rekey', p('data.dare'), '-i', p('alice.key'), '-o', p('x4.dare')])).code).toBe(2);
    expect((await dare(['rekey', p('data.dare'), '-e', p('dave.pub'), '-o', p('x4.dare')])).code).toBe(2);
    const exists = await dare(['rekey', p('data.dare'), '-i', p('alice.key'), '-e', p('dave.pub'), '-o', p('re.dare')]);
    expect(exists.code).toBe(6);
    const secret = (await ok(['key', 'secret'])).stdout.trim();
    await ok(['encode', p('data.bin'), '-o', p('s.dare'), '--key', secret]);
    const shared = await dare(['rekey', p('s.dare'), '-i', p('alice.key'), '-e', p('dave.pub'), '-o', p('x5.dare')]);
    expect(shared.code).toBe(1);
    expect(shared.stderr).toMatch(/shared secret/);
    for (const n of ['x1.dare', 'x2.dare', 'x3.dare', 'x4.dare', 'x5.dare']) expect(existsSync(p(n)), n).toBe(false);
    noTemp();
  }, 60_000);

  it('a tampered envelope is never rewritten (exit 4), in place or not', async () => {
    const env = readFileSync(p('data.dare'));
    env[env.length - 5000] = (env[env.length - 5000] as number) ^ 0x40;
    writeFileSync(p('bad.dare'), env);
    const r = await dare(['rekey', p('bad.dare'), '-i', p('alice.key'), '-e', p('dave.pub'), '-o', p('bad2.dare')]);
    expect(r.code).toBe(4);
    oneLineError(r.stderr);
    expect(existsSync(p('bad2.dare'))).toBe(false);
    const inPlace = await dare(['rekey', p('bad.dare'), '-i', p('alice.key'), '-e', p('dave.pub'), '--in-place']);
    expect(inPlace.code).toBe(4);
    expect(readFileSync(p('bad.dare')).equals(env)).toBe(true);
    noTemp();
  }, 30_000);

  it('--help says that removing a recipient revokes nothing', async () => {
    const h = await ok(['rekey', '--help']);
    expect(h.stdout).toMatch(/does not revoke/);
    expect(h.stdout).toMatch(/Rotate keys for future data/);
  });
});

describe('bounded memory', () => {
  it('inspect and rekey stream a 160 MiB envelope from a pipe with a flat resident set', async () => {
    // A child process builds the envelope on the fly and pipes it through the library's
    // inspect and rekey: its peak RSS must stay far below the data size.
    const lib = new URL('../dist/lib/index.js', import.meta.url).href;
    const script = `
      const { encodeEnvelope, inspectStream, EnvelopeRekey, generateKeySet } = await import(${JSON.stringify(lib)});
      const k = generateKeySet(); const d = generateKeySet();
      const key = { crv: k.encryption.crv, publicKey: k.encryption.publicKey };
      const N = 160, piece = new Uint8Array(1 << 20).fill(7);
      async function* src() { for (let i = 0; i < N; i++) yield piece; }
      let peak = 0; const t = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
      const base = process.memoryUsage().rss;
      const info = await inspectStream(encodeEnvelope(src(), { recipients: [key] }));
      const r = await EnvelopeRekey.open(encodeEnvelope(src(), { recipients: [key] }), { keys: [{ crv: k.encryption.crv, privateKey: k.encryption.privateKey }], add: [{ crv: d.encryption.crv, publicKey: d.encryption.publicKey }] });
      let n = 0; for await (const p of r.output()) n += p.length;
      clearInterval(t); peak = Math.max(peak, process.memoryUsage().rss);
      console.log(JSON.stringify({ length: info.payloadLength, n, grew: (peak - base) >> 20 }));`;
    const out = await new Promise<string>((resolve, reject) => {
      const c = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let s = '';
      c.stdout.on('data', (d: Buffer) => (s += d.toString()));
      c.on('error', reject);
      c.on('close', (code) => (code === 0 ? resolve(s) : reject(new Error(`exit ${code}`))));
    });
    const j = JSON.parse(out) as { length: number; n: number; grew: number };
    expect(j.length).toBe(160 * (1 << 20) + 16);
    expect(j.n).toBeGreaterThan(160 * (1 << 20));
    expect(j.grew).toBeLessThan(80);
  }, 120_000);
});

void DARE_BIN;
