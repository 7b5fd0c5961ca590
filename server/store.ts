/**
 * The store meshd serves from: the embedded driver under `--root` (lib/mesh/store/embedded.ts,
 * the default of mesh brief §5). The PostgreSQL driver (server/store/postgres.ts) implements the
 * same AccountStore interface.
 * @module
 */
import { DareError } from '../lib/index.js';
import type { AccountStore } from '../lib/mesh/index.js';

export async function openStore(root: string): Promise<AccountStore> {
  // TODO(service): a static import once lib/mesh/store/embedded.ts lands on main.
  const mesh = (await import('../lib/mesh/index.js')) as unknown as { openEmbeddedStore?: (root: string) => Promise<AccountStore> };
  if (mesh.openEmbeddedStore === undefined) throw new DareError('UNAVAILABLE', 'this build has no embedded store');
  return mesh.openEmbeddedStore(root);
}
