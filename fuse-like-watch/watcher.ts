/**
 * Live mode: chokidar reports changes below SRC, the paths are collected and,
 * once no event has come for `settleMs` (at most 10 × settleMs after the first),
 * handed to {@link Mirror.sync} as one batch. Events are only hints: the batch
 * looks at each path as it is now, so a burst of events for one file is one
 * change, and an editor's "write a temporary file, rename it over the original"
 * ends as one put (or a rename, when the content moved). A batch also waits for
 * files modified less than `settleMs` ago (still being written) instead of
 * chokidar's awaitWriteFinish, which would delay additions past the deletions they
 * pair with and hide renames. Paths that could not be read are retried every
 * `retryMs`. When the queue is empty the journal is checkpointed (sealed).
 * @module
 */
import { join, relative, sep } from 'node:path';
import { watch } from 'chokidar';
import { Mirror, type MirrorEvent, type MirrorOptions } from './mirror.js';

export interface WatchOptions extends MirrorOptions {
  /** Retry paths that could not be read this often (default 30 s). */
  readonly retryMs?: number;
  /** Stops the watcher: pending changes are recorded, the journal sealed, the lock released. */
  readonly signal?: AbortSignal;
  /** Events of the watcher itself: 'ready' after the catch-up pass. */
  readonly onEvent?: (e: MirrorEvent | { event: 'ready'; files: number }) => void;
}

/** Catch-up, then follows SRC until `signal` aborts. Rejects on a fatal error (DEST unwritable). */
export async function watchFolder(src: string, dest: string, o: WatchOptions): Promise<void> {
  const mirror = await Mirror.open(src, dest, o);
  const settle = o.settleMs ?? 1000;
  const emit = o.onEvent ?? (() => undefined);
  const dirty = new Set<string>();
  let firstDirty = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopping = false;
  let fatal: unknown;
  let wake!: () => void;
  const stopped = new Promise<void>((r) => (wake = r));

  const schedule = () => {
    if (stopping || running || dirty.size === 0) return;
    clearTimeout(timer);
    const wait = Math.max(0, Math.min(settle, firstDirty + settle * 10 - Date.now()));
    timer = setTimeout(() => run([...dirty]), wait);
  };
  const mark = (rel: string) => {
    if (dirty.size === 0) firstDirty = Date.now();
    dirty.add(rel);
    schedule();
  };
  const run = (paths: string[] | undefined, after?: () => void) => {
    timer = undefined;
    for (const p of paths ?? []) dirty.delete(p);
    running = (async () => {
      const failedBefore = [...mirror.failed.keys()];
      const r = await mirror.sync(paths);
      // A path readable again: chokidar could not watch it before. Look at it once more after
      // chokidar has set up, for changes made between this pass and then.
      for (const p of failedBefore) {
        if (mirror.failed.has(p)) continue;
        watcher.add(join(mirror.src, ...p.split('/')));
        dirty.add(p);
      }
      for (const p of r.unstable) dirty.add(p);
      if (dirty.size === 0) await mirror.checkpoint();
      after?.();
    })()
      .catch((e: unknown) => {
        fatal = e;
        wake();
      })
      .finally(() => {
        running = undefined;
        // Left-over paths (still settling, or changed meanwhile) wait a full settle time.
        if (dirty.size) firstDirty = Date.now();
        schedule();
      });
  };

  // Permission errors are found and reported by the passes themselves.
  const relOf = (path: string) => relative(mirror.src, path).split(sep).join('/');
  const excluded = mirror.excluded;
  const watcher = watch(mirror.src, {
    ignoreInitial: true, followSymlinks: false, persistent: true, ignorePermissionErrors: true,
    // Excluded directories are not watched at all (node_modules, build output...).
    ignored: excluded && ((path: string) => {
      const rel = relOf(path);
      return rel !== '' && !rel.startsWith('..') && excluded(rel);
    }),
  });
  watcher.on('all', (_event, path) => {
    const rel = relOf(path);
    if (rel && !rel.startsWith('..')) mark(rel);
  });
  watcher.on('error', (e) => emit({ event: 'skip', reason: e instanceof Error ? e.message : String(e) }));
  const retry = setInterval(() => {
    for (const p of mirror.failed.keys()) mark(p);
  }, o.retryMs ?? 30_000);
  const onAbort = () => wake();
  o.signal?.addEventListener('abort', onAbort);
  try {
    await new Promise<void>((resolve, reject) => {
      watcher.once('ready', resolve);
      watcher.once('error', reject);
    });
    // Catch up with what changed while nobody watched; events meanwhile queue up.
    if (!o.signal?.aborted) run(undefined, () => emit({ event: 'ready', files: mirror.state.files.size }));
    else wake();
    await stopped;
  } finally {
    stopping = true;
    clearTimeout(timer);
    clearInterval(retry);
    o.signal?.removeEventListener('abort', onAbort);
    await running;
    await watcher.close();
    try {
      // Record what is pending (without waiting for it to settle) before leaving.
      if (fatal === undefined && dirty.size) await mirror.sync([...dirty], { noWait: true });
    } finally {
      await mirror.close();
    }
  }
  if (fatal !== undefined) throw fatal;
}

export interface OnceResult {
  readonly changes: number;
  /** Paths that could not be read, with the reason. */
  readonly failed: Map<string, string>;
  readonly files: number;
}

/**
 * One catch-up pass (`dare watch --once`, for cron): files still being written
 * are waited for (up to `maxWaitMs`, then taken as they are), the journal is
 * sealed, and the mirror closed.
 */
export async function syncOnce(src: string, dest: string, o: MirrorOptions & { maxWaitMs?: number }): Promise<OnceResult> {
  const mirror = await Mirror.open(src, dest, o);
  try {
    let r = await mirror.sync();
    let changes = r.changes;
    const deadline = Date.now() + (o.maxWaitMs ?? 30_000);
    while (r.unstable.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, o.settleMs ?? 1000));
      r = await mirror.sync(r.unstable);
      changes += r.changes;
    }
    // Still changing after the wait: record them as they are now.
    if (r.unstable.length) changes += (await mirror.sync(r.unstable, { noWait: true })).changes;
    await mirror.checkpoint();
    return { changes, failed: new Map(mirror.failed), files: mirror.state.files.size };
  } finally {
    await mirror.close();
  }
}
