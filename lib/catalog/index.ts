/**
 * Catalogs: persistent, optionally encrypted and signed sets of entries keyed by
 * identifier (draft-hallambaker-mesh-dare-12 §7.1; docs/FORMAT.md §11).
 * @module
 */
export { Catalog, CATALOG_CONTENT_TYPE } from './catalog.js';
export type { CatalogCreateOptions, CatalogOpenOptions, CatalogCopyOptions, CatalogEntryInfo, CatalogVersion, EntryOptions, CatalogChange } from './catalog.js';
export { JsonCatalog, JSON_VALUE_CODEC, JSON_CONTENT_TYPE } from './json-catalog.js';
export type { JsonCodec, JsonCatalogVersion } from './json-catalog.js';
export type { StoreKeys, StoreCreateOptions, StoreOpenOptions } from './store.js';
export { MAX_ID_LENGTH } from './meta.js';
