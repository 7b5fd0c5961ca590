// The npm `age-encryption` peer, run by bench/run.mjs as a child process (so its time and peak
// RSS are measured like any other command). Streams with the library's ReadableStream API.
//   node age-encryption.mjs setup DIR | encrypt DIR IN OUT | decrypt DIR IN OUT
import { createReadStream, createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { join } from 'node:path';

const age = await import('age-encryption');
const [op, dir, input, output] = process.argv.slice(2);

const src = () => Readable.toWeb(createReadStream(input, { highWaterMark: 1 << 20 }));
const sink = () => Writable.toWeb(createWriteStream(output));

if (op === 'setup') {
  const identity = await age.generateX25519Identity();
  writeFileSync(join(dir, 'age-node.identity'), identity);
  writeFileSync(join(dir, 'age-node.recipient'), await age.identityToRecipient(identity));
} else if (op === 'encrypt') {
  const e = new age.Encrypter();
  e.addRecipient(readFileSync(join(dir, 'age-node.recipient'), 'utf8'));
  await (await e.encrypt(src())).pipeTo(sink());
} else if (op === 'decrypt') {
  const d = new age.Decrypter();
  d.addIdentity(readFileSync(join(dir, 'age-node.identity'), 'utf8'));
  await (await d.decrypt(src())).pipeTo(sink());
} else {
  throw new Error(`unknown operation ${op}`);
}
