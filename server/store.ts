/**
 * The store meshd serves from: the embedded driver under `--root` (lib/mesh/store/embedded.ts,
 * the default of mesh brief §5). The PostgreSQL driver (server/store/postgres.ts) implements the
 * same AccountStore interface.
 * @module
 */
import { openEmbeddedStore, type AccountStore } from '../lib/mesh/index.js';

export function openStore(root: string): Promise<AccountStore> {
  return openEmbeddedStore(root);
}
