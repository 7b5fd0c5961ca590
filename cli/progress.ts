/**
 * Progress on stderr for long work, only when stderr is a terminal and neither
 * --quiet nor --json is given (USER-REQUESTS #8): what is done, of how much when the
 * total is known, the rate, and the time left (issue 13 item 12).
 * @module
 */
import type { Io } from './io.js';

export function size(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let x = n;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${x.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function duration(s: number): string {
  if (s < 60) return `${Math.ceil(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.ceil(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.ceil((s % 3600) / 60)} min`;
}

/** ", 40.1 MiB/s, 12 s left" for `bytes` of `total` done in `ms`; the time left only when the total is known. */
export function rateAndEta(bytes: number, total: number | undefined, ms: number): string {
  if (ms < 1 || bytes === 0) return '';
  const rate = (bytes * 1000) / ms;
  const left = total !== undefined && total > bytes ? `, ${duration((total - bytes) / rate)} left` : '';
  return `, ${size(rate)}/s${left}`;
}

export function progressEnabled(io: Io, a: { quiet?: boolean; json?: boolean }): boolean {
  return io.stderrIsTTY && !a.quiet && !a.json;
}

/** Passes `source` through, reporting the bytes seen every 200 ms (of `total`, when known, with the time left). */
export async function* withProgress(io: Io, source: AsyncIterable<Uint8Array>, label: string, enabled: boolean, total?: number): AsyncGenerator<Uint8Array> {
  if (!enabled) {
    yield* source;
    return;
  }
  let seen = 0;
  let last = 0;
  const started = Date.now();
  const show = () => {
    const pct = total ? ` (${Math.floor((100 * seen) / Math.max(total, 1))}%)` : '';
    io.stderr.write(`\r${label}: ${size(seen)}${total ? ' of ' + size(total) : ''}${pct}${rateAndEta(seen, total, Date.now() - started)}\x1b[K`);
  };
  try {
    for await (const c of source) {
      seen += c.length;
      const now = Date.now();
      if (now - last > 200) {
        last = now;
        show();
      }
      yield c;
    }
    show();
  } finally {
    io.stderr.write('\r\x1b[K');
  }
}
