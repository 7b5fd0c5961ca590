/**
 * DARE Archives (draft-hallambaker-mesh-dare-12 §7.3; docs/FORMAT.md §9).
 * @module
 */
export { ArchiveWriter } from './writer.js';
export type { ArchiveKeys, ArchiveCreateOptions, ArchiveOpenOptions, ArchiveWriteOnlyOptions, ArchiveSummary, ContentSource } from './writer.js';
export { BackupManifest } from './manifest.js';
export type { ArchiveState } from './manifest.js';
export { ArchiveReader } from './reader.js';
export type { ArchiveReadOptions, HistoryItem } from './reader.js';
export { addPath } from './walk.js';
export type { AddPathOptions } from './walk.js';
export { extractArchive } from './extract.js';
export type { ExtractOptions, ExtractReport } from './extract.js';
export { addTar, archiveToTar } from './tar.js';
export type { TarImportOptions, TarImportReport } from './tar.js';
export { copyArchive } from './copy.js';
export type { CopyOptions, CopyReport } from './copy.js';
export { ARCHIVE_TYPE, SEAL_TYPE as ARCHIVE_SEAL_TYPE, checkEntryPath } from './format.js';
export type { EntryKind, EntryMeta, IndexEntry } from './format.js';
