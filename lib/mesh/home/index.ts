/**
 * The Mesh home (docs/MESH.md §8): this device's state in `$MESH_HOME`: the host catalog, the
 * key store, accounts and their catalogs, escrow and recovery, export and import.
 * @module
 */
export { MeshHome, selectAccount } from './home.js';
export type { HomeOptions } from './home.js';
export { HostCatalog } from './host.js';
export type { AccountRecord, DeviceRecord } from './host.js';
export { KeyStore, KEY_STORE_SCRYPT, MAX_KEY_STORE_SCRYPT, MAX_KEY_STORE_BYTES, MAX_KEY_STORE_ACCOUNTS } from './key-store.js';
export type { AccountSecrets, KeyStoreAccount, KeyStoreScrypt, KeyStoreDecodeOptions, DeviceKeyField } from './key-store.js';
export {
  AccountContext, createAccount, deleteAccount, installAccount, checkAccountName, catalogSecret, HOME_CATALOGS, ACCOUNT_STORES, MAX_ENTRY_BYTES,
} from './account.js';
export type { ServiceBinding, StagedAccount, CreateAccountOptions, CreatedAccount, AccountMaterial } from './account.js';
export { CREDENTIALS, BOOKMARKS, TASKS, NETWORKS, CONTACTS, getEntry, listEntries, listIds, putEntry, deleteEntry, resolveId, newEntryId } from './entries.js';
export type { EntryKind } from './entries.js';
export { makeSelfCard, catalogedCard, readCard, makeTask, readTask } from './cards.js';
export type { Card, CheckedCard, SelfCardInput, TaskInput } from './cards.js';
export {
  escrowAccount, openRecoveryRecord, recoverAccount, parseShareList, checkEscrowParameters, RECOVERY_CONTENT_TYPE, MASTER_SECRET_BYTES,
  MAX_RECORD_BYTES,
} from './escrow.js';
export type { Escrow, RecoveryContent } from './escrow.js';
export { exportAccount, importAccount, EXPORT_MANIFEST } from './transfer.js';
export type { ExportReport, ImportReport } from './transfer.js';
export { HOME_LOCK, HOST_CATALOG, KEY_STORE, accountDir, catalogPath } from './layout.js';
