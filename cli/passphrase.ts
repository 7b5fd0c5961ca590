/**
 * Passphrases for key files, never from argv (USER-REQUESTS #1): a prompt on the
 * terminal (`--passphrase`), a file (`--passphrase-file F`, first line), or the
 * DARE_PASSPHRASE environment variable, in that order of preference.
 * @module
 */
import { createInterface } from 'node:readline';
import { readFile } from 'node:fs/promises';
import { DareError } from '../lib/index.js';
import { ioError, type Io } from './io.js';
import { UsageError } from './errors.js';

export interface PassphraseArgs {
  passphrase?: boolean;
  passphraseFile?: string;
}

/** Reads a line from the terminal without echoing it. */
async function prompt(io: Io, question: string): Promise<string> {
  const input = io.stdin as NodeJS.ReadStream;
  if (!input.isTTY) throw new UsageError('--passphrase needs a terminal; use --passphrase-file F or DARE_PASSPHRASE in scripts');
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

/**
 * A function that yields the passphrase when it is needed (so unprotected key
 * files never prompt), or undefined when no source was named.
 */
export function passphraseSource(io: Io, a: PassphraseArgs, confirm = false): (() => Promise<string>) | undefined {
  if (a.passphraseFile !== undefined) {
    const file = a.passphraseFile;
    return async () => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        throw ioError(e, file);
      }
      const line = text.split(/\r?\n/)[0] ?? '';
      if (!line) throw new DareError('PASSPHRASE_INVALID', `${file}: the passphrase file is empty`);
      return line;
    };
  }
  if (a.passphrase) {
    return async () => {
      const p = await prompt(io, 'Passphrase: ');
      if (confirm && (await prompt(io, 'Passphrase again: ')) !== p) throw new UsageError('the passphrases do not match');
      if (!p) throw new UsageError('empty passphrase');
      return p;
    };
  }
  const env = io.env.DARE_PASSPHRASE;
  if (env !== undefined && env !== '') return async () => env;
  return undefined;
}

export const passphraseOptions = {
  passphrase: { type: 'boolean', describe: 'prompt for the key file passphrase on the terminal' },
  'passphrase-file': { type: 'string', describe: 'read the passphrase from the first line of this file' },
} as const;
