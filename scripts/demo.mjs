#!/usr/bin/env node
// The main job on bundled sample data: every step is a real `dare` command,
// printed before it runs, on fixtures/sample/ in a scratch folder.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync, statSync, readFileSync, writeFileSync, existsSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'dare.js');
const work = mkdtempSync(join(tmpdir(), 'dare-demo-'));
// A copy of fixtures/sample, so that the commands below show short relative paths.
const sample = join(work, 'sample');
cpSync(join(root, 'fixtures', 'sample'), sample, { recursive: true });

function dare(args, input) {
  process.stdout.write(`\n$ dare ${args.map((a) => (a.includes(' ') ? JSON.stringify(a) : a)).join(' ')}\n`);
  const r = spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8', cwd: work });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  if (r.status !== 0) {
    console.error(`demo: step failed with exit code ${r.status}`);
    process.exit(1);
  }
  return r.stdout.trim();
}

function expectFailure(args, code) {
  process.stdout.write(`\n$ dare ${args.join(' ')}   # expected to fail with exit code ${code}\n`);
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: work });
  process.stdout.write(r.stderr);
  if (r.status !== code) {
    console.error(`demo: expected exit code ${code}, got ${r.status}`);
    process.exit(1);
  }
}

function files(dir) {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}

try {
  console.log('# 1. Fingerprint every sample file (UDF content digests, udf-13 §5.1)');
  for (const f of files(sample)) dare(['hash', 'udf', relative(work, f)]);
  const letter = relative(work, join(sample, 'docs', 'letter.txt'));
  const udf = dare(['hash', 'udf', letter, '--bits', '200']);
  dare(['hash', 'udf', letter, '--expect', udf]);

  console.log('\n# 2. A secret, split into 5 Shamir shares of which any 3 recover it');
  const lines = dare(['key', 'share', '--shares', '5', '--quorum', '3']).split('\n');
  const recovered = dare(['key', 'recover', lines[5], lines[2], lines[3]]);
  if (recovered !== lines[0]) throw new Error('recovered secret differs');

  console.log('\n# 3. Key sets for Alice and Bob; Alice encrypts a file to Bob and signs it');
  dare(['keygen', '-o', 'alice.key']);
  dare(['keygen', '-o', 'bob.key']);
  dare(['keygen', '--public', 'alice.key', '-o', 'alice.pub']);
  dare(['keygen', '--public', 'bob.key', '-o', 'bob.pub']);
  dare(['encode', letter, '-e', 'bob.pub', '-s', 'alice.key', '-o', 'letter.dare']);
  dare(['verify', 'letter.dare', '--signer', 'alice.pub']);
  dare(['decode', 'letter.dare', '-i', 'bob.key', '--signer', 'alice.pub', '-o', 'letter.txt']);
  dare(['hash', 'udf', 'letter.txt', '--bits', '200', '--expect', udf]);

  console.log('\n# 4. One flipped byte: decoding fails (exit 4) and writes nothing');
  const bytes = readFileSync(join(work, 'letter.dare'));
  bytes[bytes.length >> 1] ^= 1;
  writeFileSync(join(work, 'bad.dare'), bytes);
  expectFailure(['decode', 'bad.dare', '-i', 'bob.key', '-o', 'bad.txt'], 4);
  if (existsSync(join(work, 'bad.txt'))) throw new Error('a tampered envelope left output behind');

  console.log('\n# 5. The sample folder into an archive encrypted to Bob and signed by Alice, and back');
  dare(['archive', 'sample.dare', 'sample', '-e', 'bob.pub', '-s', 'alice.key']);
  dare(['list', 'sample.dare', '-i', 'bob.key']);
  dare(['verify', 'sample.dare', '--signer', 'alice.pub']);
  dare(['extract', 'sample.dare', 'restored', '-i', 'bob.key', '--signer', 'alice.pub']);
  for (const f of files(sample)) {
    const back = join(work, 'restored', 'sample', relative(sample, f));
    if (!readFileSync(f).equals(readFileSync(back))) throw new Error(`${back} differs from ${f}`);
  }
  console.log('(every restored file equals its original)');
  dare(['extract', 'sample.dare', 'one', '--file', 'sample/docs/letter.txt', '-i', 'bob.key', '--signer', 'alice.pub', '--json']);

  console.log('\n# 6. An encrypted log signed by Alice, and an inclusion proof anyone can check');
  dare(['log', 'create', 'audit.dlog', '-e', 'alice.pub', '--sign', 'alice.key']);
  dare(['log', 'append', 'audit.dlog', '-', '--sign', 'alice.key'], 'demo started\narchive written\narchive restored\n');
  dare(['log', 'show', 'audit.dlog', '-i', 'alice.key']);
  dare(['log', 'verify', 'audit.dlog', '-i', 'alice.key', '--signer', 'alice.pub']);
  dare(['log', 'prove', 'audit.dlog', '2', '-o', 'entry2.proof']);
  dare(['log', 'check-proof', 'entry2.proof', '--signer', 'alice.pub']);
  console.log('\ndemo: all steps passed');
} finally {
  rmSync(work, { recursive: true, force: true });
}
