#!/usr/bin/env node
// Writes the fuzz seed corpus into fixtures/fuzz/<target>/ from real envelopes, key files and
// the spec vectors, with the fixed keys of fuzz/targets.ts. Uses the built library (dist/):
// run `npm run build` first (`npm run fuzz:seeds` does both). Envelopes carry fresh salts and
// ephemeral keys, so a rerun writes different but equivalent bytes. Arguments name the targets
// to rewrite (`node fuzz/make-seeds.mjs sequence`); without any, every target is rewritten.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const root = fileURLToPath(new URL('..', import.meta.url));
const lib = (p) => import(new URL(`../dist/lib/${p}`, import.meta.url).href);
const { encodeEnvelopeBytes, encodeKeyFile, formatPublicKeySet, publicKeySet, contentDigest, secretUdf, formatUdf, shareSecret, formatShare, nonceUdf } = await lib('index.js');
const { agreementPublicKey } = await lib('crypto/agreement.js');
const { signaturePublicKey } = await lib('crypto/signature.js');
const { SequenceWriter } = await lib('sequence/writer.js');
const { encodeJsonB, encodeJsonC, arrayStart, arrayEnd, binaryChunkHeader, stringChunkHeader } = await lib('encoding/jsonb-writer.js');

const sha256 = (s) => new Uint8Array(createHash('sha256').update(s).digest());
const sha512 = (s) => new Uint8Array(createHash('sha512').update(s).digest());
// The same constants as FUZZ_KEYS in fuzz/targets.ts.
const K = {
  secret: sha256('dare-fuzz-secret'),
  x25519: sha256('dare-fuzz-x25519'),
  x448: sha512('dare-fuzz-x448').subarray(0, 56),
  ed25519: sha256('dare-fuzz-ed25519'),
  ed448: sha512('dare-fuzz-ed448').subarray(0, 57),
};
const keySet = (encCrv, encPriv, sigCrv, sigPriv) => ({
  encryption: { crv: encCrv, privateKey: encPriv, publicKey: agreementPublicKey(encCrv, encPriv) },
  signature: { crv: sigCrv, privateKey: sigPriv, publicKey: signaturePublicKey(sigCrv, sigPriv) },
});
const ks25519 = keySet('X25519', K.x25519, 'Ed25519', K.ed25519);
const ks448 = keySet('X448', K.x448, 'Ed448', K.ed448);

const out = {};
const add = (target, name, bytes) => {
  (out[target] ??= []).push([name, typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes)]);
};

// Envelopes: every mode, both encodings, known and unknown length, metadata and annotations.
const payloads = { empty: new Uint8Array(0), short: Buffer.from('hello, dare'), blocks: new Uint8Array(100).map((_, i) => i) };
const modes = {
  plain: { digest: false },
  digest: {},
  signed: { signers: [ks25519.signature] },
  signed448: { signers: [ks448.signature, ks25519.signature] },
  secret: { secret: K.secret },
  x25519: { recipients: [{ crv: 'X25519', publicKey: ks25519.encryption.publicKey }] },
  x448signed: { recipients: [{ crv: 'X448', publicKey: ks448.encryption.publicKey }, { crv: 'X25519', publicKey: ks25519.encryption.publicKey }], signers: [ks448.signature] },
};
for (const [m, opts] of Object.entries(modes)) {
  for (const encoding of ['jsonb', 'json']) {
    for (const [p, payload] of Object.entries(payloads)) {
      if (p === 'empty' && m !== 'digest' && m !== 'secret') continue;
      const extra = p === 'short' ? { contentMeta: { contentType: 'text/plain', filename: 'a.txt', labels: ['x'] }, annotations: [Buffer.from('note 1'), Buffer.from('note 2')] } : {};
      add('envelope', `${m}-${encoding}-${p}-known`, await encodeEnvelopeBytes(payload, { ...opts, ...extra, encoding }));
      if (p !== 'empty') add('envelope', `${m}-${encoding}-${p}-stream`, await encodeEnvelopeBytes(payload, { ...opts, ...extra, encoding, payloadLength: undefined }));
    }
  }
}
// Appendix A vectors, as printed (JSON with the DareEnvelope wrapper).
for (const f of readdirSync(join(root, 'fixtures/envelope')).filter((n) => n.endsWith('.json.txt')).sort()) {
  add('envelope', `appendix-${f.replace('.json.txt', '')}`, readFileSync(join(root, 'fixtures/envelope', f)));
}

// JSON-B: the jsonbcd-21 examples, JSON-C, chunked items, envelope headers.
const examples = JSON.parse(readFileSync(join(root, 'fixtures/jsonb/jsonbcd-21-examples.json'), 'utf8'));
examples.cases.forEach((c, i) => add('jsonb', `jsonbcd-${String(i).padStart(2, '0')}`, Buffer.from(c.hex.replace(/\s+/g, ''), 'hex')));
const sample = { a: 1, b: [true, false, null, -5, 70000, 2 ** 40, 1.5, 'text', new Uint8Array([1, 2, 3])], c: { d: 'é', e: [] }, f: -(2n ** 70n) };
add('jsonb', 'sample-b', encodeJsonB(sample));
add('jsonb', 'sample-c', encodeJsonC(sample, { dictionary: ['a', 'b'], writeDictionary: true }));
add('jsonb', 'chunked', Buffer.concat([arrayStart(), stringChunkHeader(2, false), Buffer.from('ab'), stringChunkHeader(1, true), Buffer.from('c'),
  binaryChunkHeader(3, false), Buffer.from([1, 2, 3]), binaryChunkHeader(0, true), arrayEnd()]));
add('jsonb', 'json-text', '{"a": [1, 2.5e3, "x\\u00e9", true, null], "b": {}}');
add('jsonb', 'deep', '['.repeat(40) + ']'.repeat(40));
for (const [name, bytes] of (out.envelope ?? []).filter(([n]) => /-(jsonb|json)-short-known$/.test(n))) add('jsonb', `envelope-${name}`, bytes);

// UDF strings: digests, secrets, shares, nonces, public keys, and the udf-13 vectors.
add('udf', 'digest', contentDigest(Buffer.from('UDF Data Value'), 'text/plain'));
add('udf', 'digest-sha3', contentDigest(Buffer.from('UDF Data Value'), 'text/plain', { alg: 'sha3', bits: 200 }));
add('udf', 'secret', secretUdf(K.secret));
add('udf', 'nonce', nonceUdf(K.x25519.subarray(0, 16)));
add('udf', 'share', formatShare(3, 2, K.secret.subarray(0, 16)));
add('udf', 'shares', shareSecret({ quorum: 2, shares: 3 }).shares[0]);
add('udf', 'public-key', formatPublicKeySet(publicKeySet(ks25519)));
add('udf', 'public-key-448', formatPublicKeySet(publicKeySet(ks448)));
add('udf', 'typed', formatUdf(Uint8Array.of(0x90, 0x23, ...K.secret.subarray(0, 16))));
for (const f of readdirSync(join(root, 'fixtures/udf')).sort()) {
  const text = readFileSync(join(root, 'fixtures/udf', f), 'utf8');
  const found = [...new Set(text.match(/\b[A-Z2-7]{4}(?:-[A-Z2-7]{4}){3,}\b/g) ?? [])].slice(0, 3);
  found.forEach((u, i) => add('udf', `${f.replace('.json', '')}-${i}`, u));
}

// Key files: plain, sealed (cheap scrypt), the reference single-key form.
add('keyfile', 'plain-25519', await encodeKeyFile(ks25519));
add('keyfile', 'plain-448', await encodeKeyFile(ks448));
add('keyfile', 'sealed', await encodeKeyFile(ks25519, 'correct horse', { N: 16, r: 1, p: 1 }));
add('keyfile', 'reference', JSON.stringify({ PrivateKeyECDH: { crv: 'Ed25519', Private: Buffer.from(K.ed25519).toString('base64url') } }));

// Sequences: every type, every key mode, sessions (ExchangePosition), seals, an empty one, a torn tail.
const seqDir = mkdtempSync(join(tmpdir(), 'dare-seeds-'));
const seq = async (name, create, sessions, more = {}) => {
  const path = join(seqDir, `${name}.dares`);
  const reopen = { secret: create.secret, signer: create.signer };
  for (let s = 0; s < sessions.length; s++) {
    const w = s === 0 ? await SequenceWriter.create(path, create) : await SequenceWriter.open(path, reopen);
    for (const [payload, options] of sessions[s]) await w.append(Buffer.from(payload), options);
    if (more.seal) await w.seal();
    await w.close();
  }
  if (more.tear) truncateSync(path, readFileSync(path).length - more.tear);
  add('sequence', name, readFileSync(path));
};
const entries = (n, extra = {}) => Array.from({ length: n }, (_, i) => [i % 3 === 2 ? '' : `entry ${i}`, i === 0 ? { contentMeta: { contentType: 'text/plain', filename: `e${i}.txt` }, annotations: [Buffer.from('note')], ...extra } : extra]);
for (const type of ['List', 'Digest', 'Chain', 'Tree', 'Merkle']) await seq(`plain-${type}`, { type }, [entries(5), entries(3)]);
await seq('empty-Merkle', { type: 'Merkle' }, [[]]);
await seq('merkle-long', { type: 'Merkle' }, [entries(20)]);
await seq('secret-Merkle', { type: 'Merkle', secret: K.secret }, [entries(3), entries(2)]);
await seq('secret-List', { type: 'List', secret: K.secret }, [entries(3)]);
await seq('x25519-Chain', { type: 'Chain', recipients: [{ crv: 'X25519', publicKey: ks25519.encryption.publicKey }] }, [entries(3), entries(2)]);
await seq('x448-Tree', { type: 'Tree', recipients: [{ crv: 'X448', publicKey: ks448.encryption.publicKey }, { crv: 'X25519', publicKey: ks25519.encryption.publicKey }] }, [entries(4)]);
await seq('signed-Merkle', { type: 'Merkle', signer: ks25519.signature }, [entries(3), entries(1)], { seal: true });
await seq('signed448-x25519-Merkle', { type: 'Merkle', signer: ks448.signature, recipients: [{ crv: 'X25519', publicKey: ks25519.encryption.publicKey }] }, [entries(2), entries(2)], { seal: true });
await seq('signed-Chain', { type: 'Chain', signer: ks25519.signature, contentMeta: { contentType: 'application/x-log' } }, [entries(3)], { seal: true });
await seq('torn-Merkle', { type: 'Merkle', secret: K.secret }, [entries(4)], { tear: 9 });
rmSync(seqDir, { recursive: true, force: true });

// Mesh objects: the drafts' printed examples as printed, their inner payloads (indented, raw line
// breaks inside base64url), and objects and envelopes this implementation writes.
const mesh = await lib('mesh/index.js');
for (const f of readdirSync(join(root, 'fixtures/mesh/draft')).sort()) {
  const text = readFileSync(join(root, 'fixtures/mesh/draft', f), 'utf8');
  add('mesh', `draft-${f.replace('.txt', '')}`, text);
  const inner = [...text.matchAll(/"(ewog[A-Za-z0-9_\s-]+)"/g)].map((m) => Buffer.from(m[1].replace(/\s+/g, ''), 'base64url'));
  inner.slice(0, 2).forEach((b, i) => add('mesh', `draft-${f.replace('.txt', '')}-payload-${i}`, b));
}
const alice = await mesh.createProfile('ProfileUser', mesh.generateMeshSeed('MeshProfileAccount'), { AccountAddress: 'alice@example.com' });
const coffee = await mesh.createProfile('ProfileDevice', mesh.generateMeshSeed('MeshProfileDevice'), { Description: 'coffee pot' });
add('mesh', 'profile-user', mesh.encodeMeshObject(alice.profile));
add('mesh', 'profile-user-envelope', JSON.stringify(alice.envelope.$envelope));
add('mesh', 'key-data-private', mesh.encodeMeshObject(mesh.privateKeyDataOf(alice.keys.AccountEncryption)));
const stores = new Map([['MMM_Contact', mesh.privateKeyFromStandard('X448', K.x448)]]);
const activation = await mesh.activateDevice({ deviceEnvelope: coffee.envelope, deviceUdf: coffee.udf, account: { profile: alice.profile, envelope: alice.envelope, held: { keys: alice.keys, stores } }, roles: ['web'] });
add('mesh', 'cataloged-device', mesh.encodeMeshObject(activation.catalogedDevice));
add('mesh', 'connection-device-envelope', JSON.stringify(activation.catalogedDevice.EnvelopedConnectionDevice.$envelope));

// Key stores (lib/mesh/home/key-store.ts): a plain one with a device seed and an account's keys,
// the same sealed under 'correct horse' with cheap scrypt, and an empty one.
const keyStore = async (passphrase) => {
  const ks = await mesh.KeyStore.create(passphrase, { N: 16, r: 1, p: 1 });
  ks.setDeviceSeed(mesh.generateMeshSeed('MeshProfileDevice'));
  ks.putAccount({
    profileUdf: alice.udf, accountSeed: mesh.generateMeshSeed('MeshProfileAccount'),
    deviceKeys: { Encryption: alice.keys.AccountEncryption, Signature: alice.keys.AccountSignature, Authentication: alice.keys.AccountAuthentication },
    accountKeys: { AccountSignature: alice.keys.AccountSignature, AdministratorSignature: alice.keys.AdministratorSignature },
    storeKeys: stores,
  });
  return ks.encode();
};
add('keystore', 'plain', await keyStore());
add('keystore', 'sealed', await keyStore('correct horse'));
add('keystore', 'empty', (await mesh.KeyStore.create()).encode());

const only = process.argv.slice(2);
for (const [target, files] of Object.entries(out).filter(([t]) => only.length === 0 || only.includes(t))) {
  const dir = join(root, 'fixtures/fuzz', target);
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isFile())) rmSync(join(dir, f.name));
  for (const [name, bytes] of files) writeFileSync(join(dir, `${name}.seed`), bytes);
  process.stdout.write(`${target}: ${files.length} seeds\n`);
}
