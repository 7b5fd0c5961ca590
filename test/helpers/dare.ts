/**
 * Two ways to run `dare` in the CLI tests:
 * - {@link dare}: in this process, through `run(argv, io)` (cli/cli.ts) with captured
 *   streams: the same parser, commands, exit codes and files as the executable, without
 *   the ~0.3 s a Node process costs to start. Most tests use it.
 * - {@link dareProcess}: the real executable (bin/dare.js over the built dist/) in a child
 *   process, where a process proves more: signals, kill -9, pipes, inherited descriptors,
 *   stdin of a real process, the built bundle itself. `npm test` builds dist/ first.
 */
import { afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { run } from '../../cli/cli.js';
import { noSignals, type Io } from '../../cli/io.js';

export const DARE_BIN = fileURLToPath(new URL('../../bin/dare.js', import.meta.url));

/** The commands' state folder (a write-only host's backup manifests), not the tester's home. */
const STATE_HOME = mkdtempSync(join(tmpdir(), 'dare-state-'));
afterAll(() => rmSync(STATE_HOME, { recursive: true, force: true }));

export interface DareResult {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export interface DareOptions {
  input?: Uint8Array | string;
  cwd?: string;
  env?: Record<string, string>;
  /** In process: stderr is a terminal (progress is shown). */
  tty?: boolean;
}

function sink(into: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      into.push(Buffer.from(chunk));
      cb();
    },
  });
}

/** Runs `dare ARGS` in this process, as the executable would with these streams, environment and folder. */
export async function dare(args: string[], opts: DareOptions = {}): Promise<DareResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const io: Io = {
    stdin: Readable.from(opts.input === undefined ? [] : [Buffer.from(opts.input)]),
    stdout: sink(out),
    stderr: sink(err),
    env: { ...process.env, XDG_STATE_HOME: STATE_HOME, ...opts.env },
    cwd: opts.cwd ?? process.cwd(),
    stderrIsTTY: opts.tty === true,
    stdinIsTTY: false,
    signals: noSignals,
  };
  const code = await run(args, io);
  const stdoutBytes = Buffer.concat(out);
  return { code, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBytes };
}

/** Runs the real `dare` executable in a child process. */
export function dareProcess(args: string[], opts: DareOptions = {}): Promise<DareResult> {
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
