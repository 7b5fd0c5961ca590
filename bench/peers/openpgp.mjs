// The npm `openpgp` peer (OpenPGP.js), run by bench/run.mjs as a child process. Encrypts to a
// Curve25519 key and signs (like `dare encode -e -s`); decrypts and checks the signature (like
// `dare decode --signer`). Streams: Node file streams as web streams in and out. OpenPGP.js
// releases unauthenticated plaintext while streaming only with allowUnauthenticatedStream,
// so that is set (otherwise it buffers the whole file before writing a byte).
//   node openpgp.mjs setup DIR | encrypt DIR IN OUT | decrypt DIR IN OUT
import { createReadStream, createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { join } from 'node:path';

const openpgp = await import('openpgp');
const [op, dir, input, output] = process.argv.slice(2);
openpgp.config.allowUnauthenticatedStream = true;

const src = () => Readable.toWeb(createReadStream(input, { highWaterMark: 1 << 20 }));
const sink = () => Writable.toWeb(createWriteStream(output));
const keys = () => ({
  priv: openpgp.readPrivateKey({ armoredKey: readFileSync(join(dir, 'openpgp.key'), 'utf8') }),
  pub: openpgp.readKey({ armoredKey: readFileSync(join(dir, 'openpgp.pub'), 'utf8') }),
});

if (op === 'setup') {
  const { privateKey, publicKey } = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'bench', email: 'bench@example.org' }], format: 'armored' });
  writeFileSync(join(dir, 'openpgp.key'), privateKey);
  writeFileSync(join(dir, 'openpgp.pub'), publicKey);
} else if (op === 'encrypt') {
  const k = keys();
  const message = await openpgp.createMessage({ binary: src(), format: 'binary' });
  const out = await openpgp.encrypt({ message, encryptionKeys: await k.pub, signingKeys: await k.priv, format: 'binary' });
  await out.pipeTo(sink());
} else if (op === 'decrypt') {
  const k = keys();
  const message = await openpgp.readMessage({ binaryMessage: src() });
  const { data, signatures } = await openpgp.decrypt({ message, decryptionKeys: await k.priv, verificationKeys: await k.pub, format: 'binary' });
  await data.pipeTo(sink());
  await signatures[0].verified;
} else {
  throw new Error(`unknown operation ${op}`);
}
