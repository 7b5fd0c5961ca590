/**
 * What a signing watcher trusts (issue 12, findings 3 and 4), through the built CLI: every
 * commit is signed, so a kill -9 and a restart need nothing more; an entry someone else
 * appended to the journal (anyone with the mirror's public key can) stops the next signed
 * run (exit 4) until --adopt; a journal encrypted to other keys is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeKeyFile, formatPublicKeySet, generateKeySet, publicKeySet } from '../lib/index.js';
import { SequenceWriter } from '../lib/sequence/writer.js';
import { DARE_BIN, dare, tempDir } from '../test/helpers/dare.js';
import { encodeEntry } from './entries.js';
import { JOURNAL_FILE } from './journal.js';

const { dir, cleanup } = tempDir('dare-watch-trust-');
afterAll(cleanup);
const p = (...n: string[]) => join(dir, ...n);
const me = generateKeySet();

beforeAll(async () => {
  writeFileSync(p('me.key'), await encodeKeyFile(me), { mode: 0o600 });
  writeFileSync(p('me.pub'), formatPublicKeySet(publicKeySet(me)) + '\n');
  const other = generateKeySet();
  writeFileSync(p('other.key'), await encodeKeyFile(other), { mode: 0o600 });
});

function files(src: string, n: number): void {
  for (let d = 0; d < 5; d++) {
    mkdirSync(join(src, `d${d}`), { recursive: true });
    for (let f = 0; f < n / 5; f++) writeFileSync(join(src, `d${d}`, `f${f}.txt`), `dir ${d} file ${f}\n`.repeat(30));
  }
}

const signed = ['-i', p('me.key'), '--sign', p('me.key')];

describe('dare watch --sign', () => {
  it('kill -9 in the middle of a catch-up: the restart goes on without --adopt (every commit was signed)', async () => {
    const src = p('kill-src');
    const dest = p('kill-dest');
    files(src, 300);
    const child = spawn(process.execPath, [DARE_BIN, 'watch', src, dest, ...signed, '--settle', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let puts = 0;
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        puts += d.toString().split('\n').filter((l) => l.includes('"event":"put"')).length;
        if (puts >= 100) resolve();
      });
      child.on('close', () => reject(new Error('the watcher ended before 100 puts')));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    const again = await dare(['watch', src, dest, ...signed, '--once', '--settle', '0']);
    expect(again.code, again.stderr).toBe(0);
    const out = await dare(['restore', dest, p('kill-out'), '-i', p('me.key'), '--signer', p('me.pub')]);
    expect(out.code, out.stderr).toBe(0);
    expect(readFileSync(p('kill-out', 'd4', 'f59.txt'), 'utf8')).toBe('dir 4 file 59\n'.repeat(30));
  });

  it('an entry someone else appended to the journal: the next signed run exits 4 naming it; --adopt goes on', async () => {
    const src = p('forged-src');
    const dest = p('forged-dest');
    files(src, 10);
    expect((await dare(['watch', src, dest, ...signed, '--once', '--settle', '0'])).code).toBe(0);
    // Anyone who can write DEST and knows the public key can append an entry encrypted to it.
    const w = await SequenceWriter.open(join(dest, JOURNAL_FILE));
    const { index } = await w.append(encodeEntry({ op: 'delete', path: 'd0/f0.txt', time: new Date().toISOString() }));
    await w.close();
    const before = readFileSync(join(dest, JOURNAL_FILE));
    const next = await dare(['watch', src, dest, ...signed, '--once', '--settle', '0']);
    expect(next.code).toBe(4);
    expect(next.stderr).toMatch(new RegExp(`frame ${index} was not written by this session and the last signature by a trusted key is on frame ${index - 1}`));
    expect(next.stderr).toMatch(/dare: hint: review it with `dare status .* -i KEY --log`/);
    expect(readFileSync(join(dest, JOURNAL_FILE)).equals(before)).toBe(true);
    const adopted = await dare(['watch', src, dest, ...signed, '--once', '--settle', '0', '--adopt']);
    expect(adopted.code, adopted.stderr).toBe(0);
    // The catch-up puts back what the forged entry deleted.
    const out = await dare(['restore', dest, p('forged-out'), '-i', p('me.key'), '--signer', p('me.pub')]);
    expect(out.code, out.stderr).toBe(0);
    expect(readFileSync(p('forged-out', 'd0', 'f0.txt'), 'utf8')).toBe('dir 0 file 0\n'.repeat(30));
  });

  it('a journal replaced by one encrypted to another key is refused', async () => {
    const src = p('swap-src');
    files(src, 5);
    expect((await dare(['watch', src, p('swap-dest'), ...signed, '--once', '--settle', '0'])).code).toBe(0);
    expect((await dare(['watch', src, p('swap-other'), '-i', p('other.key'), '--sign', p('other.key'), '--once', '--settle', '0'])).code).toBe(0);
    copyFileSync(p('swap-other', JOURNAL_FILE), p('swap-dest', JOURNAL_FILE));
    const r = await dare(['watch', src, p('swap-dest'), ...signed, '--once', '--settle', '0']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/the key given does not open the journal|encrypted to other keys/);
  });
});
