/**
 * The README's "Your personal Mesh" walk-through, run exactly as written: each line of its
 * code block through bash, with `mesh` the built executable, in an empty HOME. Create an
 * account, add and read back a password, a bookmark, a contact and a calendar entry, escrow
 * 3 of 5, wipe the home, recover with 3 shares and the export, read every entry again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MESH_BIN, field } from './helpers/mesh.js';

const README = fileURLToPath(new URL('../README.md', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'mesh-readme-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The lines of the first ```sh block after the heading. */
function walkThrough(): string[] {
  const text = readFileSync(README, 'utf8');
  const at = text.indexOf('## Your personal Mesh');
  expect(at).toBeGreaterThan(0);
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(at));
  expect(block).not.toBeNull();
  return (block as RegExpExecArray)[1]!.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
}

describe('README: Your personal Mesh', () => {
  it('runs as written, and every entry is readable after the recovery', () => {
    const home = join(root, 'home');
    const bin = join(root, 'bin');
    mkdirSync(home);
    mkdirSync(bin);
    writeFileSync(join(bin, 'mesh'), `#!/bin/sh\nexec "${process.execPath}" "${MESH_BIN}" "$@"\n`);
    chmodSync(join(bin, 'mesh'), 0o755);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('MESH_')) env[k] = v;
    Object.assign(env, { HOME: home, PATH: `${bin}:${process.env.PATH ?? ''}` });
    const outputs: { line: string; stdout: string }[] = [];
    for (const line of walkThrough()) {
      const r = spawnSync('bash', ['-o', 'pipefail', '-c', line], { cwd: home, env, encoding: 'utf8' });
      expect(r.status, `${line}\n${r.stderr}`).toBe(0);
      outputs.push({ line, stdout: r.stdout });
      if (line.startsWith('rm -rf ~/.mesh')) expect(existsSync(join(home, '.mesh'))).toBe(false);
    }
    const out = (prefix: string, nth = 0) => outputs.filter((o) => o.line.startsWith(prefix))[nth]?.stdout ?? '';
    const udf = field(out('mesh account create'), 'Profile UDF');
    expect(udf).toMatch(/^M/);
    expect(readFileSync(join(home, 'shares.txt'), 'utf8').trim().split('\n')).toHaveLength(5);
    expect(field(out('head -n 3 shares.txt | mesh account recover'), 'Profile UDF')).toBe(udf);
    expect(field(out('mesh password get', 0), 'Password')).toBe('correct horse');
    expect(out('mesh password get', 1)).toBe('Service=ftp.example.com\nUsername=alice1\nPassword=correct horse\n');
    expect(out('mesh bookmark list')).toBe('https://example.com/  Example\n');
    expect(out('mesh contact list')).toMatch(new RegExp(`^${udf}  self  Alice Example  alice@example.com\n$`));
    expect(out('mesh calendar list')).toMatch(/^N\S+ {2}2027-01-05T\d\d:00:00Z {2}Dentist\n$/);
  }, 120_000);
});
