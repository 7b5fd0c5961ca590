/**
 * Which {@link SymmetricBackend} the library uses. On Node (the only platform this
 * project ships for) the default is the OpenSSL backend of `lib/platform/node.ts`;
 * {@link setBackend} switches to the portable noble backend, for tests or for a
 * platform without OpenSSL. Functions that take an optional `backend` argument use
 * {@link getBackend} when it is omitted. (draft-hallambaker-mesh-cryptography-08 §3.)
 * @module
 */
import type { SymmetricBackend } from '../platform/backend.js';
import { nobleBackend } from './noble-backend.js';
import { nodeBackend } from '../platform/node.js';

/** The backends by name. */
export const BACKENDS: Readonly<Record<'node' | 'noble', SymmetricBackend>> = Object.freeze({
  node: nodeBackend,
  noble: nobleBackend,
});

let current: SymmetricBackend = nodeBackend;

/** The backend in use. */
export function getBackend(): SymmetricBackend {
  return current;
}

/**
 * Makes `backend` (an object or `'node'` / `'noble'`) the default and returns the
 * previous one, so that a caller can restore it.
 */
export function setBackend(backend: SymmetricBackend | 'node' | 'noble'): SymmetricBackend {
  const previous = current;
  if (backend === 'node' || backend === 'noble') current = BACKENDS[backend];
  else if (typeof backend === 'object' && backend !== null && typeof backend.hash === 'function') current = backend;
  else throw new TypeError('"backend" expected a SymmetricBackend, "node" or "noble"');
  return previous;
}
