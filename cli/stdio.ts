/**
 * Where `-` means stdin or stdout, for every command in one table (issue 13 item 9). A `-`
 * anywhere else is a usage error naming the argument, never a file called "-" or an internal
 * token leaking into a path; stdin is read by one argument at most.
 * @module
 */
import { UsageError } from './errors.js';
import { STDIO_TOKEN } from './io.js';

interface Streams {
  /** Arguments that read stdin for `-`. */
  readonly in?: readonly string[];
  /** Arguments that write stdout for `-`. */
  readonly out?: readonly string[];
  /** Arguments whose handler says itself why `-` does not apply (a more precise message). */
  readonly own?: readonly string[];
}

/** Key arguments read stdin for `-` in every command (`-i -`, `--signer -`, `keygen --public -`). */
const KEY_ARGS = ['identity', 'encrypt', 'signer', 'sign', 'key', 'public', 'newKey', 'remove'];

/** By command path (as typed, subcommands after a space); a command not listed takes `-` for keys only. */
const STREAMS: Record<string, Streams> = {
  encode: { in: ['file'], out: ['output'] },
  decode: { in: ['file'], out: ['output'] },
  verify: { in: ['file'] },
  keygen: { out: ['output'] },
  inspect: { in: ['file'] },
  rekey: { in: ['file'], out: ['output'] },
  'hash udf': { in: ['file'] },
  'hash digest': { in: ['file'] },
  archive: { in: ['fromTar'], out: ['archive'], own: ['inputs'] },
  append: { in: ['fromTar'], own: ['archive', 'inputs'] },
  delete: { own: ['archive'] },
  index: { own: ['archive'] },
  list: { in: ['archive'] },
  extract: { in: ['archive'], out: ['toTar'] },
  copy: { in: ['archive'], out: ['output'] },
  checkpoint: { out: ['output'] },
  'log create': { own: ['log'] },
  'log append': { in: ['text', 'file'] },
  'log prove': { out: ['output'] },
  'log check-proof': { in: ['proof', 'entry'] },
};

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Checks every `-` of the parsed arguments `a` against the table. */
export function checkStdio(a: Record<string, unknown>, positionals: ReadonlySet<string>): void {
  const path = (a._ as unknown[] | undefined ?? []).map(String).join(' ');
  const s = STREAMS[path] ?? STREAMS[path.split(' ')[0] as string] ?? {};
  const readers: string[] = [];
  for (const [key, value] of Object.entries(a)) {
    if (key === '_' || key === '$0' || key.includes('-')) continue;
    const values = Array.isArray(value) ? value : [value];
    const n = values.filter((v) => v === STDIO_TOKEN).length;
    if (n === 0) continue;
    if (s.out?.includes(key) || s.own?.includes(key)) continue;
    if (s.in?.includes(key) || KEY_ARGS.includes(key)) {
      for (let i = 0; i < n; i++) readers.push(key);
      continue;
    }
    if (key.length === 1) continue; // an alias: reported under its long name
    throw new UsageError(`- (stdin/stdout) does not apply to ${optionName(key, positionals)} of dare ${path}: give a file name`);
  }
  const distinct = [...new Set(readers)];
  if (readers.length > 1) throw new UsageError(`stdin can be read once: - is given for ${distinct.map((k) => optionName(k, positionals)).join(' and ')}`);
}

function optionName(key: string, positionals: ReadonlySet<string>): string {
  // Positionals are named in capitals, as in usage lines; options with their dashes.
  const dashed = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return positionals.has(key) ? dashed.toUpperCase() : `--${dashed}`;
}

/** The positional names (camelCase) of a usage line such as "$0 extract <archive> [dest]". */
export function positionalNames(usageLine: string | undefined): Set<string> {
  return new Set([...(usageLine ?? '').matchAll(/[<[]([^>\]]+)[>\]]/g)].map((m) => camel((m[1] as string).replace(/\.\.$/, ''))));
}
