/**
 * What the CLI adds to yargs' parsing, for every command at once: `--` ends the options,
 * an option that takes a value never silently gets none, and a usage error names what
 * is missing or suggests what was meant (issue 13 items 1 and 12).
 * @module
 */
import type { Argv } from 'yargs';
import { UsageError } from './errors.js';
import { STDIO_TOKEN } from './io.js';

/**
 * Arguments after `--` are passed to yargs with this prefix, so that one starting with `-`
 * is not read as an option (yargs re-parses positionals as `--name value`); the middleware
 * takes it off again before any check or handler sees the value.
 */
const ESCAPE = '\u2010arg:';

/** Drops the first `--` and marks every argument after it as positional. */
export function escapeAfterDoubleDash(argv: string[]): string[] {
  const at = argv.indexOf('--');
  if (at < 0) return argv;
  return [...argv.slice(0, at), ...argv.slice(at + 1).map((a) => (a === STDIO_TOKEN ? a : ESCAPE + a))];
}

function unescape(v: unknown): unknown {
  if (typeof v === 'string') return v.startsWith(ESCAPE) ? v.slice(ESCAPE.length) : v;
  if (Array.isArray(v)) return v.map(unescape);
  return v;
}

/** Takes the `--` marks off every parsed value. */
export function unescapePositionals(a: Record<string, unknown>): void {
  for (const k of Object.keys(a)) a[k] = unescape(a[k]);
}

interface ParserOptions {
  string: string[];
  array: string[];
  number: string[];
  boolean: string[];
  alias: Record<string, string[]>;
}

/**
 * `dare encode f -e` or `-o -q`: yargs gives the option an empty value (or none) and goes
 * on; a value is required instead. A value starting with `-` is taken only after `=`
 * (`--cty=-x`), as getopt does for optional arguments; negative numbers stay values.
 */
export function checkOptionValues(raw: readonly string[], y: Argv): void {
  const o = (y as unknown as { getOptions(): ParserOptions }).getOptions();
  const takesValue = new Set([...o.string, ...o.array, ...o.number].filter((k) => !o.boolean.includes(k)));
  for (let i = 0; i < raw.length; i++) {
    const t = raw[i] as string;
    if (t.startsWith(ESCAPE)) break;
    const m = /^(?:--([^=]+)|-([A-Za-z]))$/.exec(t);
    const name = m?.[1] ?? m?.[2];
    if (name === undefined || !takesValue.has(name)) continue;
    const next = raw[i + 1];
    const missing = next === undefined || next.startsWith(ESCAPE) || (next.startsWith('-') && !/^-\d/.test(next));
    if (missing) throw new UsageError(`${t} needs a value`);
  }
}

/** Levenshtein distance, for suggestions of mistyped option names. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0] as number;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j] as number;
      d[j] = Math.min((d[j] as number) + 1, (d[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length] as number;
}

/** The option of `known` closest to `name`, when it is close enough to be a typo. */
export function suggestOption(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    if (k.length < 2) continue;
    const dist = distance(name, k);
    if (dist < bestD || (dist === bestD && best !== undefined && k.startsWith(name))) {
      best = k;
      bestD = dist;
    }
  }
  const limit = Math.max(1, Math.floor(name.length / 3));
  return best !== undefined && (bestD <= limit || best.startsWith(name)) ? best : undefined;
}

interface UsageInstance {
  getUsage(): [string, string][];
  getDescriptions(): Record<string, string | undefined>;
}

/** Turns yargs' validation messages into ones that name what was missing or meant. */
export function describeUsageFailure(msg: string | undefined, usage: unknown, raw: readonly string[]): string {
  const text = msg ?? 'bad command line';
  const u = usage as UsageInstance | undefined;
  const line = u?.getUsage?.()[0]?.[0]?.replace(/^\$0/, 'dare');
  const missing = /^Not enough non-option arguments: got (\d+), need at least (\d+)/.exec(text);
  if (missing && line) {
    const demanded = [...line.matchAll(/<([^>]+)>/g)].map((m) => (m[1] as string).replace(/\.\.$/, ''));
    const names = demanded.slice(Number(missing[1])).map((n) => n.toUpperCase());
    if (names.length) return `missing ${names.join(' and ')} (usage: ${line})`;
  }
  const unknown = /^Unknown arguments?: (.+)$/.exec(text);
  if (unknown && u) {
    const known = Object.keys(u.getDescriptions());
    const parts = (unknown[1] as string).split(', ').map((name) => {
      if (raw.includes(name) || raw.includes('\u2010arg:' + name)) return `unexpected argument ${JSON.stringify(name)}${line ? ` (usage: ${line})` : ''}`;
      const dashed = name.length === 1 ? `-${name}` : `--${name}`;
      const hint = suggestOption(name, known);
      return `unknown option ${dashed}${hint ? ` (did you mean --${hint}?)` : ''}`;
    });
    return parts.join('; ');
  }
  const command = /^Did you mean (.+)\?$/.exec(text);
  if (command) {
    const given = raw.find((a) => !a.startsWith('-'));
    return `unknown command ${given ? JSON.stringify(given) : ''} (did you mean ${command[1]}?)`.replace('command  (', 'command (');
  }
  const following = /^Not enough arguments following: (.+)$/.exec(text);
  if (following) return `${(following[1] as string).length === 1 ? '-' : '--'}${following[1]} needs a value`;
  return text;
}
