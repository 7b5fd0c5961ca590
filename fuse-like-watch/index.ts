/**
 * Watched-folder encryption (docs/FORMAT.md §12): keeps an encrypted, signed,
 * journaled mirror of a plaintext folder, and restores it as of any entry or time.
 * @module
 */
export { Mirror } from './mirror.js';
export type { MirrorEvent, MirrorOptions, PassResult } from './mirror.js';
export { watchFolder, syncOnce } from './watcher.js';
export type { WatchOptions, OnceResult } from './watcher.js';
export { restoreMirror, stateAt } from './restore.js';
export type { RestoreOptions, RestoreResult, PointOptions } from './restore.js';
export { mirrorStatus, mirrorHistory } from './status.js';
export type { MirrorStatus, StatusOptions, HistoryLine } from './status.js';
export type { MirrorKeys } from './journal.js';
export { JOURNAL_FILE } from './journal.js';
export { objectName, objectPath } from './objects.js';
export { checkPath, FolderState } from './entries.js';
export { excluder } from './exclude.js';
export type { Excluder } from './exclude.js';
export type { Entry, FileRecord, Checkpoint } from './entries.js';
