/**
 * What a mirror leaves out (`dare watch --exclude`; docs/FORMAT.md §12): glob patterns over
 * paths relative to SRC, as in .gitignore. A pattern without a slash matches a name at any
 * depth (`node_modules`, `*.tmp`); one with a slash matches from SRC (`build/out`, `/cache`,
 * `logs/**\/*.gz`). A path is excluded when it or a directory above it matches, so an
 * excluded directory is neither walked nor watched. Matching is picomatch's, with dot files
 * included.
 * @module
 */
import picomatch from 'picomatch';

/** True when a relative path (with `/`) is left out. */
export type Excluder = (rel: string) => boolean;

const MAX_PATTERNS = 1000;

/** The predicate for `patterns`, or undefined when there are none. RangeError for an empty or over-long pattern. */
export function excluder(patterns: readonly string[] | undefined): Excluder | undefined {
  if (!patterns?.length) return undefined;
  if (patterns.length > MAX_PATTERNS) throw new RangeError(`at most ${MAX_PATTERNS} exclude patterns`);
  const anchored: string[] = [];
  const names: string[] = [];
  for (const raw of patterns) {
    if (typeof raw !== 'string' || raw.trim() === '' || raw.length > 4096) throw new RangeError(`bad exclude pattern ${JSON.stringify(raw)}`);
    const p = raw.replace(/\/+$/, '');
    if (p.includes('/')) anchored.push(p.replace(/^\/+/, ''));
    else names.push(p);
  }
  const byPath = anchored.length ? picomatch(anchored, { dot: true }) : undefined;
  const byName = names.length ? picomatch(names, { dot: true }) : undefined;
  return (rel: string) => {
    const parts = rel.split('/');
    for (let i = 1; i <= parts.length; i++) {
      if (byName?.(parts[i - 1] as string)) return true;
      if (byPath?.(parts.slice(0, i).join('/'))) return true;
    }
    return false;
  };
}
