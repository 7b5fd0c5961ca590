/**
 * Runs the real `dare` executable (bin/dare.js over the built dist/) in a child
 * process, so CLI tests exercise argument parsing, streams and exit codes exactly
 * as a user sees them. `npm test` builds dist/ before running the tests.
 */
import { afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DARE_BIN = fileURLToPath(new URL('../../bin/dare.js', import.meta.url));

/** The children's state folder (a write-only host's backup manifests), not the tester's home. */
const STATE_HOME = mkdtempSync(join(tmpdir(), 'dare-state-'));
afterAll(() => rmSync(STATE_HOME, { recursive: true, force: true }));

export interface DareResult {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export function dare(args: string[], opts: { input?: Uint8Array | string; cwd?: string; env?: Record<string, string> } = {}): Promise<DareResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DARE_BIN, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, XDG_STATE_HOME: STATE_HOME, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({ code: code ?? -1, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBytes });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** A fresh temporary directory, removed by the returned cleanup function. */
export function tempDir(prefix = 'dare-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
