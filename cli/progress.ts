/**
 * Progress on stderr for long work, only when stderr is a terminal and neither
 * --quiet nor --json is given (USER-REQUESTS #8).
 * @module
 */
import type { Io } from './io.js';

function size(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let x = n;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${x.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function progressEnabled(io: Io, a: { quiet?: boolean; json?: boolean }): boolean {
  return io.stderrIsTTY && !a.quiet && !a.json;
}

/** Passes `source` through, reporting the bytes seen every 200 ms. */
export async function* withProgress(io: Io, source: AsyncIterable<Uint8Array>, label: string, enabled: boolean, total?: number): AsyncGenerator<Uint8Array> {
  if (!enabled) {
    yield* source;
    return;
  }
  let seen = 0;
  let last = 0;
  const show = () => {
    const pct = total ? ` (${Math.floor((100 * seen) / Math.max(total, 1))}%)` : '';
    io.stderr.write(`\r${label}: ${size(seen)}${total ? ' of ' + size(total) : ''}${pct}\x1b[K`);
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
