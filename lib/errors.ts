/**
 * The one error hierarchy of the library. Bad data (anything read from a file, a
 * stream or a user string) raises a {@link DareError} with a stable `code`; tests
 * and callers branch on the code, never on message text. Programmer misuse (a
 * wrong argument type or length) raises TypeError or RangeError instead.
 * @module
 */

/** Stable error codes. Adding one is an API change; renaming one is a breaking change. */
export type DareErrorCode =
  /** Input is not well-formed (syntax, bad tag, bad character, wrong length). */
  | 'MALFORMED'
  /** A UDF string or binary value is invalid (type, length, character, check). */
  | 'UDF_INVALID'
  /** An envelope or frame header is not well-formed or misses a required field. */
  | 'HEADER_MALFORMED'
  /** Input ended before a complete item was read. */
  | 'TRUNCATED'
  /** Bytes follow where the format says the input ends. */
  | 'TRAILING_DATA'
  /** A length, count or depth goes past an explicit limit of the reader. */
  | 'LIMIT_EXCEEDED'
  /** An algorithm identifier is unknown or not supported here. */
  | 'UNSUPPORTED_ALGORITHM'
  /** Key material is malformed or of the wrong kind. */
  | 'KEY_INVALID'
  /** None of the available keys can decrypt. */
  | 'NO_MATCHING_KEY'
  /** A MAC or AEAD tag does not verify. */
  | 'MAC_INVALID'
  /** A digest does not match the data. */
  | 'DIGEST_MISMATCH'
  /** A signature does not verify, or no trusted key signed. */
  | 'SIGNATURE_INVALID'
  /** A Merkle tree or chain digest, or an inclusion proof, does not verify. */
  | 'MERKLE_MISMATCH'
  /** Ciphertext carries no authentication and the caller did not allow that. */
  | 'UNAUTHENTICATED'
  /** Fewer Shamir shares than the quorum, or inconsistent shares. */
  | 'QUORUM_NOT_MET'
  /** A private key file could not be decrypted with the passphrase given. */
  | 'PASSPHRASE_INVALID'
  /** A computed value does not equal the value the caller expected. */
  | 'MISMATCH'
  /** Frames of a sequence are out of order or inconsistent. */
  | 'SEQUENCE_ORDER'
  /** An output already exists and overwriting was not allowed. */
  | 'OUTPUT_EXISTS'
  /** An operating-system level read or write failed. */
  | 'IO'
  /** A catalog entry or spool message with that identifier does not exist. */
  | 'NOT_FOUND'
  /** The operation conflicts with the current state (e.g. adding an identifier that exists). */
  | 'CONFLICT'
  /** A Mesh service refused the request: not authorized, revoked, over a limit it enforces (exit 8). */
  | 'REFUSED'
  /** A Mesh service or its database cannot be reached, or answered in a way that is not the protocol (exit 9). */
  | 'UNAVAILABLE';

export const DARE_ERROR_CODES: readonly DareErrorCode[] = [
  'MALFORMED', 'UDF_INVALID', 'HEADER_MALFORMED', 'TRUNCATED', 'TRAILING_DATA', 'LIMIT_EXCEEDED',
  'UNSUPPORTED_ALGORITHM', 'KEY_INVALID', 'NO_MATCHING_KEY', 'MAC_INVALID', 'DIGEST_MISMATCH',
  'SIGNATURE_INVALID', 'MERKLE_MISMATCH', 'UNAUTHENTICATED', 'QUORUM_NOT_MET', 'PASSPHRASE_INVALID',
  'MISMATCH', 'SEQUENCE_ORDER', 'OUTPUT_EXISTS', 'IO', 'NOT_FOUND', 'CONFLICT', 'REFUSED', 'UNAVAILABLE',
];

/**
 * An error caused by the data, not by the caller. Messages are lower case with
 * no trailing period; each layer may wrap with a prefix and keep the `cause`.
 */
export class DareError extends Error {
  readonly code: DareErrorCode;
  constructor(code: DareErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DareError';
    this.code = code;
  }
}

/** True when `e` is a DareError, optionally with the given code. */
export function isDareError(e: unknown, code?: DareErrorCode): e is DareError {
  return e instanceof DareError && (code === undefined || e.code === code);
}
