/**
 * SIGINT, SIGTERM and SIGHUP while a command writes temporary files (decode output, extracted
 * files, a new archive): the temporaries are removed, then the process dies of the signal as a
 * shell expects (issue 13 item 5). The handlers are held only while a temporary exists, so
 * commands that handle signals themselves (`log append -`, `watch`) are not affected.
 * @module
 */
import { observeTemporaries, removeTemporariesSync } from '../lib/index.js';
import type { Io, Signal } from './io.js';

const SIGNALS: readonly Signal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Watches the library's temporaries for the duration of one command; returns the function that stops. */
export function guardTemporaries(io: Io): () => void {
  let held: (() => void)[] = [];
  const release = () => {
    for (const off of held) off();
    held = [];
  };
  const onSignal = (signal: Signal) => {
    removeTemporariesSync();
    release();
    io.signals.raise(signal);
  };
  observeTemporaries((count) => {
    if (count > 0 && held.length === 0) held = SIGNALS.map((s) => io.signals.on(s, onSignal));
    else if (count === 0) release();
  });
  return () => {
    observeTemporaries(undefined);
    release();
  };
}
