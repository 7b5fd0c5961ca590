/**
 * Stores (draft-hallambaker-mesh-dare-12 §7; docs/FORMAT.md §11): catalogs, persistent sets
 * of entries keyed by identifier, and spools, persistent lists of messages with a status;
 * both over one Merkle sequence with store metadata in each frame (store.ts, meta.ts),
 * optionally encrypted and signed.
 * @module
 */
export { Catalog, CATALOG_CONTENT_TYPE } from './catalog.js';
export type { CatalogCreateOptions, CatalogOpenOptions, CatalogCopyOptions, CatalogEntryInfo, CatalogVersion, EntryOptions, CatalogChange } from './catalog.js';
export { JsonCatalog, JSON_VALUE_CODEC, JSON_CONTENT_TYPE } from './json-catalog.js';
export type { JsonCodec, JsonCatalogVersion } from './json-catalog.js';
export type { StoreKeys, StoreCreateOptions, StoreOpenOptions } from './store.js';
export { MAX_ID_LENGTH } from './meta.js';
export { Spool, SPOOL_CONTENT_TYPE, SPOOL_STATUS, SPOOL_STATUSES } from './spool.js';
export type {
  SpoolCreateOptions, SpoolOpenOptions, SpoolCopyOptions, SpoolStatus, PostOptions, MarkOptions,
  SpoolMessageInfo, SpoolEvent, MessageFilter,
} from './spool.js';
