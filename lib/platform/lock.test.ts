import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDareError } from '../errors.js';
import { SequenceWriter } from '../sequence/writer.js';
import { ArchiveWriter } from '../archive/writer.js';
import { acquireLock } from './lock.js';
import { errorCode } from '../internal/error-code.test-util.js';

const dir = mkdtempSync(join(tmpdir(), 'dare-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = () => join(dir, `s${n++}.dare`);

function code(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return isDareError(e) ? e.code : String(e);
  }
}


/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('writer locks', () => {
  it('one writer per sequence: a second open is CONFLICT until the first closes; no lock file is left', async () => {
    const path = file();
    const w = await SequenceWriter.create(path);
    expect(existsSync(`${path}.lock`)).toBe(true);
    expect(await errorCode(SequenceWriter.open(path))).toBe('CONFLICT');
    await w.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
    const w2 = await SequenceWriter.open(path);
    await w2.append(Uint8Array.of(1, 2, 3));
    expect(await errorCode(SequenceWriter.open(path))).toBe('CONFLICT');
    await w2.close();
    await (await SequenceWriter.open(path)).close();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('a failed open releases the lock (a file that is not a sequence)', async () => {
    const path = file();
    writeFileSync(path, 'not a sequence');
    expect(await errorCode(SequenceWriter.open(path))).not.toBe('ok');
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('takes over the lock of a process that is gone, or a torn lock file; never a live one or another host\'s', () => {
    const lock = join(dir, 'x.lock');
    writeFileSync(lock, JSON.stringify({ pid: deadPid(), host: hostname(), started: 'then' }));
    const l = acquireLock(lock, 'x');
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    expect(code(() => acquireLock(lock, 'x'))).toBe('CONFLICT');
    l.release();
    l.release();
    expect(existsSync(lock)).toBe(false);
    // A lock that does not parse is being written by another writer for a while, then torn.
    writeFileSync(lock, '{"pid": 12');
    expect(() => acquireLock(lock, 'x')).toThrow(/is being written by another process/);
    utimesSync(lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    acquireLock(lock, 'x').release();
    writeFileSync(lock, JSON.stringify({ pid: 1, host: 'elsewhere.example', started: 'now' }));
    expect(() => acquireLock(lock, 'x')).toThrow(/in use by process 1 on elsewhere\.example \(if it is not running there, remove .*x\.lock\)/);
    expect(existsSync(lock)).toBe(true);
    rmSync(lock);
  });

  it('a stale lock whose takeover was left half done by a process that died: still taken over, nothing left behind', () => {
    const sub = mkdtempSync(join(dir, 'takeover-'));
    const lock = join(sub, 'y.lock');
    const stale = JSON.stringify({ pid: deadPid(), host: hostname(), started: 'then', token: 'a' }) + '\n';
    writeFileSync(lock, stale);
    // The takeover lock of exactly that content, held by another dead process.
    const h = createHash('sha256').update('y.lock').update('\0').update(stale).digest('hex').slice(0, 32);
    writeFileSync(join(sub, `.${h}.lock-takeover`), JSON.stringify({ pid: deadPid(), host: hostname(), started: 'then', token: 'b' }) + '\n');
    const l = acquireLock(lock, 'y');
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: process.pid });
    expect(readdirSync(sub)).toEqual(['y.lock']);
    l.release();
    expect(readdirSync(sub)).toEqual([]);
  });

  it('a lock held by another live process on this host is CONFLICT, named with its pid', async () => {
    const lock = join(dir, 'live.lock');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    try {
      writeFileSync(lock, JSON.stringify({ pid: child.pid, host: hostname(), started: 'now' }));
      expect(() => acquireLock(lock, 'live')).toThrow(new RegExp(`in use by process ${child.pid} `));
    } finally {
      child.kill();
      rmSync(lock, { force: true });
    }
  });

  it('an archive session holds the lock from open to finish and to abort (after cutting back)', async () => {
    const path = file();
    const w = await ArchiveWriter.create(path);
    expect(await errorCode(ArchiveWriter.open(path))).toBe('CONFLICT');
    await w.add({ path: 'a', kind: 'file', size: 1, mode: 0o644, modified: new Date().toISOString() }, Uint8Array.of(7));
    await w.finish();
    expect(existsSync(`${path}.lock`)).toBe(false);
    const a = await ArchiveWriter.open(path);
    expect(await errorCode(ArchiveWriter.open(path))).toBe('CONFLICT');
    expect(await errorCode(SequenceWriter.open(path))).toBe('CONFLICT');
    await a.abort();
    expect(existsSync(`${path}.lock`)).toBe(false);
    const b = await ArchiveWriter.open(path);
    await b.finish();
  });
});
