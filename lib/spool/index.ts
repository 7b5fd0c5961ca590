/**
 * Spools: persistent, optionally encrypted and signed lists of messages with a status
 * (draft-hallambaker-mesh-dare-12 §7.2; docs/FORMAT.md §11).
 * @module
 */
export { Spool, SPOOL_CONTENT_TYPE, SPOOL_STATUS, SPOOL_STATUSES } from './spool.js';
export type {
  SpoolCreateOptions, SpoolOpenOptions, SpoolCopyOptions, SpoolStatus, PostOptions, MarkOptions,
  SpoolMessageInfo, SpoolEvent, MessageFilter,
} from './spool.js';
