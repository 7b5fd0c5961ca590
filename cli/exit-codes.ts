/**
 * Exit codes of the `dare` command, one per error class. Documented in README.md;
 * scripts may rely on them.
 * @module
 */
import type { DareErrorCode } from '../lib/index.js';

export const EXIT = {
  OK: 0,
  /** Failure not covered below: no such entry (NOT_FOUND), a conflicting entry or a file or mirror in use by another writer (CONFLICT), or a bug. */
  FAILURE: 1,
  /** Bad command line: unknown command, missing or invalid argument. */
  USAGE: 2,
  /** Input is malformed, truncated or over a limit. */
  BAD_INPUT: 3,
  /** Integrity or authentication failed: MAC, digest, signature, Merkle tree. */
  INTEGRITY: 4,
  /** No key could decrypt, or a key or passphrase is wrong. */
  NO_KEY: 5,
  /** Reading or writing a file failed, or an output exists. */
  IO: 6,
  /** A computed value differs from the one expected (`--expect`). */
  MISMATCH: 7,
  /** `mesh`, `meshd`: a Mesh service refused the request (not authorized, revoked, over its limits). */
  REFUSED: 8,
  /** `mesh`, `meshd`: a Mesh service (or the service's database) cannot be reached. */
  UNAVAILABLE: 9,
  /** The installation is broken (not built). */
  SOFTWARE: 70,
} as const;

export function exitCodeFor(code: DareErrorCode): number {
  switch (code) {
    case 'MALFORMED': case 'UDF_INVALID': case 'HEADER_MALFORMED': case 'TRUNCATED':
    case 'TRAILING_DATA': case 'LIMIT_EXCEEDED': case 'UNSUPPORTED_ALGORITHM': case 'SEQUENCE_ORDER':
      return EXIT.BAD_INPUT;
    case 'MAC_INVALID': case 'DIGEST_MISMATCH': case 'SIGNATURE_INVALID': case 'MERKLE_MISMATCH':
    case 'UNAUTHENTICATED':
      return EXIT.INTEGRITY;
    case 'NO_MATCHING_KEY': case 'KEY_INVALID': case 'PASSPHRASE_INVALID': case 'QUORUM_NOT_MET':
      return EXIT.NO_KEY;
    case 'OUTPUT_EXISTS': case 'IO':
      return EXIT.IO;
    case 'MISMATCH':
      return EXIT.MISMATCH;
    // No such entry (extract --file, delete, restore --entry), or a conflict (an entry under a
    // file, a mirror in use or created with other keys).
    case 'NOT_FOUND': case 'CONFLICT':
      return EXIT.FAILURE;
    case 'REFUSED':
      return EXIT.REFUSED;
    case 'UNAVAILABLE':
      return EXIT.UNAVAILABLE;
  }
}
