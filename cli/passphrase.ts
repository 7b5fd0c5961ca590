/**
 * Passphrases for key files, never from argv (USER-REQUESTS #1). One source per
 * command: a prompt on the terminal (`--passphrase`), a file (`--passphrase-file F`),
 * an open file descriptor (`--passphrase-fd N`, e.g. `3< pass.txt`), or the output of a
 * command (`--passphrase-command CMD`, run by /bin/sh); else the DARE_PASSPHRASE
 * environment variable. Files, descriptors and commands give their first line.
 * @module
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fstat, read, type Stats } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { DareError } from '../lib/index.js';
import { ioError, type Io } from './io.js';
import { UsageError } from './errors.js';

export interface PassphraseArgs {
  passphrase?: boolean;
  passphraseFile?: string;
  passphraseFd?: number;
  passphraseCommand?: string;
}

/** The hint for a protected key file and no passphrase source. */
export const PASSPHRASE_HINT = 'give --passphrase (terminal), --passphrase-file F, --passphrase-fd N, --passphrase-command CMD or DARE_PASSPHRASE';

/**
 * Environment variables of ours that hold secrets: never passed on to a child process
 * (--passphrase-command), which gets the rest of our environment.
 */
export const SECRET_ENVIRONMENT: readonly string[] = ['DARE_PASSPHRASE', 'MESH_PASSPHRASE'];

/** `env` without SECRET_ENVIRONMENT. */
export function childEnvironment(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !SECRET_ENVIRONMENT.includes(k)) out[k] = v;
  return out;
}

/** Longest passphrase line read from a file, descriptor or command. */
const MAX_LINE = 64 << 10;

/** Reads a line from the terminal without echoing it (also `mesh password add`'s prompt). */
export async function prompt(io: Io, question: string): Promise<string> {
  const input = io.stdin as NodeJS.ReadStream;
  if (!input.isTTY) throw new UsageError('--passphrase needs a terminal; in scripts use --passphrase-file F, --passphrase-fd N, --passphrase-command CMD or DARE_PASSPHRASE');
  const rl = createInterface({ input, output: io.stderr, terminal: true });
  const muted = rl as unknown as { _writeToOutput: (s: string) => void };
  io.stderr.write(question);
  muted._writeToOutput = () => undefined;
  try {
    return await new Promise<string>((resolve) => rl.question('', resolve));
  } finally {
    rl.close();
    io.stderr.write('\n');
  }
}

/** The first line of `text` (without its line ending); PASSPHRASE_INVALID when empty. */
function firstLine(text: string, from: string): string {
  const line = text.split(/\r?\n/)[0] ?? '';
  if (!line) throw new DareError('PASSPHRASE_INVALID', `${from}: the passphrase is empty`);
  return line;
}

/** Index of the first line ending in `b`, or -1. */
function lineEnd(b: Buffer): number {
  return b.indexOf(0x0a);
}

/**
 * Checks that `fd` was handed to us (as `3< pass.txt` does) and is something a
 * passphrase can come from. Node itself holds descriptors from 3 up (its event loop's
 * epoll and eventfd, and pipes whose write end it holds too); reading one of those would hang
 * or break the process, so on Linux (where /proc/self/fd tells) they count as not open.
 */
async function checkGivenFd(fd: number, what: string): Promise<void> {
  const notOpen = () => new DareError('IO', `${what}: no such open file descriptor (open it in the shell, e.g. --passphrase-fd ${fd} ${fd}< pass.txt)`);
  let link: string | undefined;
  try {
    link = await readlink(`/proc/self/fd/${fd}`);
  } catch (e) {
    // A missing entry where /proc works: not open. No /proc (not Linux): the fstat below decides.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && (await readdir('/proc/self/fd').then(() => true, () => false))) throw notOpen();
  }
  if (link !== undefined) {
    if (link.startsWith('anon_inode:')) throw notOpen();
    if (link.startsWith('pipe:')) {
      // Node's own pipes: this process holds their write end too. (A pipe given as
      // `7<&0` shares its read end with stdin, which is fine.)
      for (const other of await readdir('/proc/self/fd')) {
        if ((await readlink(`/proc/self/fd/${other}`).catch(() => '')) !== link) continue;
        const info = await readFile(`/proc/self/fdinfo/${other}`, 'utf8').catch(() => '');
        const flags = /^flags:\s*([0-7]+)/m.exec(info);
        const access = flags ? parseInt(flags[1] as string, 8) & 3 : 0;
        // Its own write end, or (for `fd` itself) a descriptor not open for reading.
        if (other === String(fd) ? access === 1 : access !== 0) throw notOpen();
      }
    }
  }
  const st = await new Promise<Stats>((resolve, reject) => fstat(fd, (e, s) => (e ? reject(e) : resolve(s))))
    .catch((e: NodeJS.ErrnoException) => {
      throw e.code === 'EBADF' ? notOpen() : ioError(e, what);
    });
  if (!(st.isFile() || st.isFIFO() || st.isSocket() || st.isCharacterDevice())) throw notOpen();
}

/**
 * Reads up to the first line feed from descriptor `fd`, then stops: a pipe that stays
 * open does not hang us. The descriptor is left open (the process ends soon after).
 */
async function readFdLine(fd: number): Promise<string> {
  const what = `--passphrase-fd ${fd}`;
  await checkGivenFd(fd, what);
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let n = 0;
    const done = (e?: unknown) => {
      if (e !== undefined) {
        const notReadable = (e as NodeJS.ErrnoException).code === 'EBADF';
        reject(e instanceof DareError ? e : notReadable ? new DareError('IO', `${what}: not open for reading`, { cause: e }) : ioError(e, what));
        return;
      }
      try {
        resolve(firstLine(Buffer.concat(parts).toString('utf8'), what));
      } catch (err) {
        reject(err);
      }
    };
    const step = () => {
      const buf = Buffer.alloc(4096);
      read(fd, buf, 0, buf.length, null, (e, got) => {
        if (e) {
          if (e.code === 'EAGAIN') {
            setTimeout(step, 10);
            return;
          }
          done(e);
          return;
        }
        if (got === 0) {
          done();
          return;
        }
        const piece = buf.subarray(0, got);
        parts.push(piece);
        n += got;
        if (lineEnd(piece) >= 0) done();
        else if (n > MAX_LINE) done(new DareError('PASSPHRASE_INVALID', `${what}: no line ending within ${MAX_LINE} bytes`));
        else step();
      });
    };
    step();
  });
}

/**
 * Runs `command` with /bin/sh and resolves to the first line of its standard output.
 * Its standard input is closed, its standard output is ours only to read (nothing of it
 * reaches our stdout), its standard error goes to ours, and its environment is ours without
 * the secrets (SECRET_ENVIRONMENT: DARE_PASSPHRASE). A non-zero exit, a signal or a
 * failure to start is PASSPHRASE_INVALID (exit 5).
 */
function runPassphraseCommand(io: Io, command: string): Promise<string> {
  const what = '--passphrase-command';
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnvironment(io.env) });
    } catch (e) {
      reject(new DareError('PASSPHRASE_INVALID', `${what}: could not start /bin/sh: ${(e as Error).message}`, { cause: e }));
      return;
    }
    const out: Buffer[] = [];
    let n = 0;
    let tooLong = false;
    child.stdout.on('data', (d: Buffer) => {
      if (n <= MAX_LINE) out.push(d);
      n += d.length;
      if (n > MAX_LINE && lineEnd(Buffer.concat(out)) < 0 && !tooLong) {
        tooLong = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (d: Buffer) => io.stderr.write(d));
    child.on('error', (e) => reject(new DareError('PASSPHRASE_INVALID', `${what}: could not run it: ${e.message}`, { cause: e })));
    child.on('close', (code, signal) => {
      if (tooLong) return reject(new DareError('PASSPHRASE_INVALID', `${what}: no line ending within ${MAX_LINE} bytes of its output`));
      if (signal) return reject(new DareError('PASSPHRASE_INVALID', `${what}: the command was killed by ${signal}`));
      if (code !== 0) return reject(new DareError('PASSPHRASE_INVALID', `${what}: the command failed (exit status ${code}); no passphrase`));
      try {
        resolve(firstLine(Buffer.concat(out).toString('utf8'), what));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** Passphrases read once per command line: a descriptor can be read only once, a command runs once. */
const once = new WeakMap<PassphraseArgs, Promise<string>>();

function memo(a: PassphraseArgs, get: () => Promise<string>): () => Promise<string> {
  return () => {
    let p = once.get(a);
    if (p === undefined) {
      p = get();
      once.set(a, p);
    }
    return p;
  };
}

/** Which explicit sources were named; more than one is a usage error. */
function explicitSources(a: PassphraseArgs): string[] {
  const named: string[] = [];
  if (a.passphrase) named.push('--passphrase');
  if (a.passphraseFile !== undefined) named.push('--passphrase-file');
  if (a.passphraseFd !== undefined) named.push('--passphrase-fd');
  if (a.passphraseCommand !== undefined) named.push('--passphrase-command');
  return named;
}

/**
 * A function that yields the passphrase when it is needed (so unprotected key
 * files never prompt and commands never run), or undefined when no source was named.
 * `envName` is the environment variable read last (`mesh` reads MESH_PASSPHRASE).
 */
export function passphraseSource(io: Io, a: PassphraseArgs, confirm = false, envName = 'DARE_PASSPHRASE'): (() => Promise<string>) | undefined {
  const named = explicitSources(a);
  if (named.length > 1) throw new UsageError(`give one passphrase source, not ${named.join(' and ')}`);
  if (a.passphraseFile !== undefined) {
    const file = a.passphraseFile;
    return memo(a, async () => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        throw ioError(e, file);
      }
      return firstLine(text, file);
    });
  }
  if (a.passphraseFd !== undefined) {
    const fd = a.passphraseFd;
    if (!Number.isSafeInteger(fd) || fd < 0) throw new UsageError('--passphrase-fd expects a file descriptor number (3 or above)');
    if (fd <= 2) throw new UsageError(`--passphrase-fd ${fd} is a standard stream; use 3 or above (e.g. --passphrase-fd 3 3< pass.txt), or --passphrase-file /dev/stdin`);
    return memo(a, () => readFdLine(fd));
  }
  if (a.passphraseCommand !== undefined) {
    const command = a.passphraseCommand;
    if (!command.trim()) throw new UsageError('--passphrase-command is empty');
    return memo(a, () => runPassphraseCommand(io, command));
  }
  if (a.passphrase) {
    return async () => {
      const p = await prompt(io, 'Passphrase: ');
      if (confirm && (await prompt(io, 'Passphrase again: ')) !== p) throw new UsageError('the passphrases do not match');
      if (!p) throw new UsageError('empty passphrase');
      return p;
    };
  }
  const env = io.env[envName];
  if (env !== undefined && env !== '') return async () => env;
  return undefined;
}

export const passphraseOptions = {
  passphrase: { type: 'boolean', describe: 'prompt for the key file passphrase on the terminal' },
  'passphrase-file': { type: 'string', describe: 'read the passphrase from the first line of this file' },
  'passphrase-fd': { type: 'number', describe: 'read the passphrase from the first line of this open file descriptor (e.g. --passphrase-fd 3 3< pass.txt)' },
  'passphrase-command': {
    type: 'string',
    describe: 'run this command with /bin/sh and use the first line of its output as the passphrase (e.g. "pass show dare/alice"); non-zero exit fails with exit 5',
  },
} as const;
