/**
 * `dare hash udf FILE` and `dare hash digest FILE`: fingerprints of files or stdin.
 * @module
 */
import type { Argv } from 'yargs';
import { checkContentDigestOfStream, contentDigestOfStream, contentTypeOf, digestStream, toHex, DareError } from '../../lib/index.js';
import type { HashAlgorithm } from '../../lib/index.js';
import { displayPath, isStdio, openInput, writeLine, type Io } from '../io.js';
import { UsageError } from '../errors.js';
import type { Command } from './index.js';

const DIGESTS: Record<string, HashAlgorithm> = { sha512: 'sha512', sha256: 'sha256', 'sha3-512': 'sha3-512', 'sha3-256': 'sha3-256' };

export function hashCommand(io: Io): Command {
  return {
    command: 'hash <command>',
    describe: 'Fingerprint files: UDF content digests and plain digests',
    builder: (y: Argv) =>
      y
        .command({
          command: 'udf <file>',
          describe: 'Print the UDF content digest of FILE (- for stdin)',
          builder: (b: Argv) =>
            b
              .positional('file', { type: 'string', describe: 'file to fingerprint, - for stdin', demandOption: true })
              .option('cty', { type: 'string', describe: 'content type (default: from the file extension)' })
              .option('alg', { choices: ['sha2', 'sha3'] as const, default: 'sha2' as const, describe: 'digest algorithm' })
              .option('bits', { type: 'number', default: 140, describe: 'precision: 100 to 440 in steps of 20' })
              .option('expect', { type: 'string', describe: 'exit 0 if the digest matches this UDF, 7 if not' })
              .option('quiet', { alias: 'q', type: 'boolean', describe: 'no note of the content type on stderr' })
              .example('dare hash udf notes.txt', 'MB5S-... (text/plain, SHA-2-512, 140 bits)')
              .example('dare hash udf release.tar --expect MDDK-7N6A-727A-JZNO-STRX-XKS7-DJAF', 'check a download')
              .example('cat data | dare hash udf - --cty application/json', 'fingerprint stdin'),
          handler: async (a: { file: string; cty?: string; alg: 'sha2' | 'sha3'; bits: number; expect?: string; json?: boolean; quiet?: boolean }) => {
            const cty = a.cty ?? (isStdio(a.file) ? 'application/octet-stream' : contentTypeOf(a.file));
            const name = displayPath(a.file);
            const input = await openInput(io, a.file);
            if (a.expect !== undefined) {
              const { matches, actual } = await checkContentDigestOfStream(input, cty, a.expect);
              if (a.json) writeLine(io.stdout, JSON.stringify({ file: name, contentType: cty, udf: actual, expected: a.expect, matches }));
              if (!matches) throw new DareError('MISMATCH', `${name}: digest ${actual} does not match ${a.expect} (content type ${cty})`);
              return;
            }
            const bits = checkBits(a.bits);
            const udf = await contentDigestOfStream(input, cty, { alg: a.alg, bits });
            writeLine(io.stdout, a.json ? JSON.stringify({ file: name, contentType: cty, alg: a.alg, bits, udf }) : udf);
            // The UDF depends on the content type: say which one it was, where a script reading stdout does not see it.
            if (!a.json && !a.quiet) io.stderr.write(`dare: note: ${name}: content type ${cty}${a.cty ? '' : isStdio(a.file) ? ' (stdin; --cty to change)' : ' (from the name; --cty to change)'}\n`);
          },
        })
        .command({
          command: 'digest <file>',
          describe: 'Print the hex digest of FILE (- for stdin)',
          builder: (b: Argv) =>
            b
              .positional('file', { type: 'string', describe: 'file to digest, - for stdin', demandOption: true })
              .option('alg', { choices: Object.keys(DIGESTS), default: 'sha512', describe: 'digest algorithm' })
              .example('dare hash digest big.iso --alg sha256', 'same as sha256sum'),
          handler: async (a: { file: string; alg: string; json?: boolean }) => {
            const digest = toHex(await digestStream(await openInput(io, a.file), DIGESTS[a.alg] as HashAlgorithm));
            writeLine(io.stdout, a.json ? JSON.stringify({ file: displayPath(a.file), alg: a.alg, digest }) : digest);
          },
        })
        .demandCommand(1, 'hash needs a subcommand: udf or digest'),
    handler: () => undefined,
  };
}

function checkBits(bits: number): number {
  if (!Number.isSafeInteger(bits) || bits % 20 !== 0 || bits < 100 || bits > 440) {
    throw new UsageError(`--bits must be 100 to 440 in steps of 20, got ${bits}`);
  }
  return bits;
}
