/**
 * The README's "Your account at a Mesh service" walk-through, run as written in one bash
 * script (its `meshd serve &` runs beside the later lines), with `mesh` and `meshd` the built
 * executables, in an empty HOME; the port 8443 is replaced by a free one, and the script waits
 * for meshd to listen after starting it. The second home reads the first home's password.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MESH_BIN } from './helpers/mesh.js';
import { MESHD_BIN } from './helpers/meshd.js';

const README = fileURLToPath(new URL('../README.md', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'meshd-readme-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function walkThrough(): string[] {
  const text = readFileSync(README, 'utf8');
  const at = text.indexOf('### Your account at a Mesh service');
  expect(at).toBeGreaterThan(0);
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(at));
  expect(block).not.toBeNull();
  return (block as RegExpExecArray)[1]!.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('README: Your account at a Mesh service', () => {
  it('runs as written: the second home reads what the first wrote, and back', async () => {
    const home = join(root, 'home');
    const bin = join(root, 'bin');
    mkdirSync(home);
    mkdirSync(bin);
    for (const [name, target] of [['mesh', MESH_BIN], ['meshd', MESHD_BIN]]) {
      writeFileSync(join(bin, name as string), `#!/bin/sh\nexec "${process.execPath}" "${target}" "$@"\n`);
      chmodSync(join(bin, name as string), 0o755);
    }
    const port = await freePort();
    const lines: string[] = ['set -e -o pipefail'];
    for (const line of walkThrough()) {
      lines.push(`echo "+++ ${line.replace(/[`"$\\]/g, '\\$&')}"`, line.replace(/8443/g, String(port)));
      if (line.startsWith('meshd serve')) lines.push(`for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null && break; sleep 0.1; done`);
    }
    lines.push('kill $!', 'wait $! || true');
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('MESH')) env[k] = v;
    Object.assign(env, { HOME: home, PATH: `${bin}:${process.env.PATH ?? ''}` });
    const r = spawnSync('bash', ['-c', lines.join('\n')], { cwd: home, env, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    // What a line printed: its section of stdout after the echoed line itself.
    const section = (prefix: string) => (r.stdout.split('+++ ').find((s) => s.startsWith(prefix)) ?? '').split('\n').slice(1).join('\n');
    const init = section('meshd init');
    const serviceUdf = /Service UDF=(\S+)/.exec(init)?.[1];
    expect(serviceUdf).toMatch(/^M/);
    expect(section('mesh account create')).toContain(`Service UDF=${serviceUdf}`);
    expect(section('mesh --home ./second password get')).toContain('Password=correct horse');
    expect(section('mesh --home ./second bookmark add')).toContain('https://example.org/');
  }, 150_000);
});
