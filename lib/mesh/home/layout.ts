/**
 * The files of a Mesh home (`$MESH_HOME`, default `~/.mesh`; the mesh brief §5 "Device-side
 * files"; docs/MESH.md §8):
 *
 *   home.lock                          held by the one process that changes the home
 *   host.dcat                          a DARE catalog (plaintext): this device's signed
 *                                      profile and the accounts on it (host.ts)
 *   keys.json                          the key store (key-store.ts): seeds and private keys,
 *                                      sealed under a passphrase or mode 0600
 *   accounts/<ProfileUdf>/MMM_<Label>.dcat   an account's catalogs, one key each: the files a
 *                                      Mesh service keeps byte for byte (the next issue)
 *
 * Paths are joined with `/`: the home is a POSIX folder (the lock is POSIX too).
 * @module
 */
import type { StoreLabel } from '../labels.js';

export const HOME_LOCK = 'home.lock';
export const HOST_CATALOG = 'host.dcat';
export const KEY_STORE = 'keys.json';
export const ACCOUNTS = 'accounts';
export const CATALOG_SUFFIX = '.dcat';

/** `a/b`, without doubling a slash. */
export function joinPath(dir: string, ...names: string[]): string {
  let out = dir;
  for (const n of names) out = out.endsWith('/') ? out + n : `${out}/${n}`;
  return out;
}

export function accountsDir(home: string): string {
  return joinPath(home, ACCOUNTS);
}

/** The folder of an account: named by its profile UDF, without dashes. */
export function accountDir(home: string, profileUdf: string): string {
  return joinPath(home, ACCOUNTS, profileUdf.replace(/-/g, ''));
}

export function catalogFile(label: StoreLabel): string {
  return label + CATALOG_SUFFIX;
}

export function catalogPath(home: string, profileUdf: string, label: StoreLabel): string {
  return joinPath(accountDir(home, profileUdf), catalogFile(label));
}
