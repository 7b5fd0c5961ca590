/**
 * `dare key nonce|secret|share|recover|earl`: random values and secret sharing
 * (udf-13 §4.1, §4.5, §6).
 * @module
 */
import type { Argv } from 'yargs';
import { generateEarl, generateNonce, generateSecret, parsePlainSecret, recoverSecret, shareSecret, formatPlainSecret } from '../../lib/index.js';
import { writeLine, type Io } from '../io.js';
import { UsageError } from '../errors.js';
import type { Command } from './index.js';

type Json = { json?: boolean };

export function keyCommand(io: Io): Command {
  const print = (json: boolean | undefined, text: string, obj: object) => writeLine(io.stdout, json ? JSON.stringify(obj) : text);
  return {
    command: 'key <command>',
    describe: 'Make nonces, secrets, Shamir shares and EARLs',
    builder: (y: Argv) =>
      y
        .command({
          command: 'nonce',
          describe: 'Print a random nonce UDF (type N)',
          builder: (b: Argv) => b.option('bits', { type: 'number', default: 128, describe: 'random bits: 64 to 512, a multiple of 8' }).example('dare key nonce', 'NDxx-...'),
          handler: (a: Json & { bits: number }) => {
            const nonce = misuseToUsage(() => generateNonce(a.bits));
            print(a.json, nonce, { nonce });
          },
        })
        .command({
          command: 'secret',
          describe: 'Print a random encryption/authentication secret UDF (type E), usable with --key',
          builder: (b: Argv) => b.option('bits', { type: 'number', default: 128, describe: 'key bits: 128 to 512, a multiple of 8' }).example('dare key secret --bits 256', 'EBxx-...'),
          handler: (a: Json & { bits: number }) => {
            const secret = misuseToUsage(() => generateSecret(a.bits));
            print(a.json, secret, { secret });
          },
        })
        .command({
          command: 'share',
          describe: 'Split a secret into Shamir shares: prints the secret, then one share per line',
          builder: (b: Argv) =>
            b
              .option('secret', { type: 'string', describe: 'the secret to split (base32, e.g. from `dare key secret`); default: a fresh one' })
              .option('shares', { type: 'number', default: 3, describe: 'number of shares, 2 to 16' })
              .option('quorum', { type: 'number', default: 2, describe: 'shares needed to recover, 2 to shares' })
              .option('bits', { type: 'number', default: 128, describe: 'size of a fresh secret in bits (multiple of 8, up to 512)' })
              .example('dare key share --shares 5 --quorum 3', 'a fresh 128-bit secret in 5 shares, any 3 recover it')
              .example('dare key share --secret "$(dare key secret)"', 'split an existing secret'),
          handler: (a: Json & { secret?: string; shares: number; quorum: number; bits: number }) => {
            if (a.quorum > a.shares) throw new UsageError(`--quorum ${a.quorum} is larger than --shares ${a.shares}`);
            const secret = a.secret === undefined ? undefined : parsePlainSecret(a.secret);
            const r = misuseToUsage(() => shareSecret({ secret, shares: a.shares, quorum: a.quorum, bits: a.bits }));
            if (a.json) writeLine(io.stdout, JSON.stringify({ secret: r.secret, quorum: a.quorum, shares: r.shares }));
            else for (const line of [r.secret, ...r.shares]) writeLine(io.stdout, line);
          },
        })
        .command({
          command: 'recover <shares..>',
          describe: 'Recover a secret from Shamir shares (at least the quorum)',
          builder: (b: Argv) =>
            b.positional('shares', { type: 'string', array: true, demandOption: true, describe: 'share UDFs (S...)' }).example('dare key recover SAQM-... SAQR-...', 'prints the secret'),
          handler: (a: Json & { shares: string[] }) => {
            const secret = formatPlainSecret(recoverSecret(a.shares.map(String)));
            print(a.json, secret, { secret });
          },
        })
        .command({
          command: 'earl [domain]',
          describe: 'Print a fresh Encrypted Authenticated Resource Locator (udf://DOMAIN/KEY)',
          builder: (b: Argv) => b.positional('domain', { type: 'string', default: 'example.com', describe: 'the service domain' }).example('dare key earl example.net', 'udf://example.net/EB...'),
          handler: (a: Json & { domain: string }) => {
            const e = misuseToUsage(() => generateEarl(a.domain));
            print(a.json, e.uri, { uri: e.uri, domain: e.domain, key: e.key, identifier: e.identifier });
          },
        })
        .demandCommand(1, 'key needs a subcommand: nonce, secret, share, recover or earl'),
    handler: () => undefined,
  };
}

/** Out-of-range numbers from the command line surface as RangeError/TypeError in lib: a usage error here. */
function misuseToUsage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) throw new UsageError(e.message);
    throw e;
  }
}
