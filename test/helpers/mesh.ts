/**
 * Two ways to run `mesh` in the CLI tests (the pattern of test/helpers/dare.ts):
 * - {@link mesh}: in this process, through `run(argv, io)` (cli/mesh/cli.ts) with captured
 *   streams: the same parser, commands, exit codes and files as the executable.
 * - {@link meshProcess}: the real executable (bin/mesh.js over the built dist/) in a child
 *   process. `npm test` builds dist/ first.
 * Each gets MESH_HOME from `opts.env` (tests give every home a folder of its own).
 */
import { spawn } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { run } from '../../cli/mesh/cli.js';
import { noSignals, type Io } from '../../cli/io.js';

export const MESH_BIN = fileURLToPath(new URL('../../bin/mesh.js', import.meta.url));

export interface MeshResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface MeshOptions {
  input?: Uint8Array | string;
  env?: Record<string, string | undefined>;
}

function sink(into: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      into.push(Buffer.from(chunk));
      cb();
    },
  });
}

/** The environment of a test command: ours without the tester's Mesh settings, plus `env`. */
function environment(env: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const base: Record<string, string | undefined> = { ...process.env };
  delete base.MESH_HOME;
  delete base.MESH_PASSPHRASE;
  return { ...base, ...env };
}

/** Runs `mesh ARGS` in this process. */
export async function mesh(args: string[], opts: MeshOptions = {}): Promise<MeshResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const io: Io = {
    stdin: Readable.from(opts.input === undefined ? [] : [Buffer.from(opts.input)]),
    stdout: sink(out),
    stderr: sink(err),
    env: environment(opts.env),
    cwd: process.cwd(),
    stderrIsTTY: false,
    stdinIsTTY: false,
    signals: noSignals,
  };
  const code = await run(args, io);
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** Runs the real `mesh` executable in a child process. */
export function meshProcess(args: string[], opts: MeshOptions = {}): Promise<MeshResult> {
  return new Promise((resolve, reject) => {
    const env = Object.fromEntries(Object.entries(environment(opts.env)).filter((e): e is [string, string] => e[1] !== undefined));
    const child = spawn(process.execPath, [MESH_BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.end(opts.input ?? '');
  });
}

/** The value of `Key=` in Key=Value output. */
export function field(stdout: string, key: string): string | undefined {
  return stdout.split('\n').find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1);
}
