/**
 * The options and frame records of a store (store.ts): its keys, how it is created and
 * opened, and what opening and reading it give.
 * @module
 */
import type { DecryptionKey, RecipientKey, VerificationKey } from '../keys/types.js';
import type { SigningKeyLike } from '../keys/identity.js';
import type { StoreMeta } from './meta.js';

/** Keys of a store. */
export interface StoreKeys {
  /**
   * Encrypt new frames to these public keys. At create they are recorded in the policy
   * (frame 0); at open they replace the policy's keys for the frames this session writes
   * (re-keying: a new key exchange, old frames keep theirs).
   */
  recipients?: readonly RecipientKey[];
  /** A shared secret (32 bytes recommended): encrypts new frames and decrypts. */
  secret?: Uint8Array;
  /** Private keys that decrypt frames encrypted to recipients. */
  keys?: readonly DecryptionKey[];
  /** Signs the apex when the store is sealed, and at close after changes: a private key or a signer. */
  signer?: SigningKeyLike;
  /**
   * Sign the apex in the trailer of every data frame written (needs `signer`): the file then
   * always ends with a signed frame, even when a process is killed between an append and the
   * seal, so readers that require a trusted last signature never find an unsigned tail of
   * their own writer's.
   */
  signFrames?: boolean;
  /**
   * Seal (sign the apex in a meta frame) at close after changes, when there is a signer
   * (default true). A replica whose frames other copies fetch may leave it to an explicit
   * seal(), or sign its frames (`signFrames`).
   */
  sealOnClose?: boolean;
}

export interface StoreCreateOptions extends StoreKeys {
  /** Content type of frame 0 (default: the store kind's, e.g. application/mmm-catalog). */
  contentType?: string;
  /** Largest payload `get` reads back (default 64 MiB; LIMIT_EXCEEDED beyond). */
  maxValueBytes?: number;
}

export interface StoreOpenOptions extends StoreCreateOptions {
  /** Require the last frame to carry a valid signature over the apex by one of these. */
  trustedSigners?: readonly VerificationKey[];
  /** Open without writing: no torn tail is cut, mutations throw TypeError. */
  readOnly?: boolean;
}

/** One data frame met while opening. */
export interface StoreFrame {
  readonly index: number;
  readonly position: number;
  readonly meta: StoreMeta;
  /** Payload length as carried (ciphertext when encrypted). */
  readonly carried: number;
}

/** A data frame read back. */
export interface ReadFrame {
  readonly index: number;
  readonly meta: StoreMeta;
  readonly payload: Uint8Array;
}

const DEFAULT_MAX_VALUE = 64 << 20;

/** The largest payload read back: `n`, checked, or the default. */
export function checkMax(n: number | undefined): number {
  if (n === undefined) return DEFAULT_MAX_VALUE;
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('"maxValueBytes" must be a non-negative integer');
  return n;
}

/** One frame to write in a batch. */
export interface BatchFrame {
  readonly meta: StoreMeta;
  readonly payload: Uint8Array;
}

