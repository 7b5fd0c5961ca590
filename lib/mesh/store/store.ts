/**
 * The Mesh Service's persistence, as one interface (mesh brief §5 "Service persistence";
 * issue 15 "Store", issue 19 "Driver"): accounts, each account's containers (catalogs and
 * spools as DARE sequences, frames kept as their exact bytes), the atomic Transact with
 * expected heads, and the replay cache. The protocol code (lib/mesh/service) sees only this;
 * the embedded driver (files under `meshd --root DIR`) and the PostgreSQL driver implement it
 * and pass one conformance suite.
 *
 * The store never checks a frame's cryptography: the service does that (lib/sequence replica
 * operations) before it calls {@link AccountStore.transact}, and hands over the state the
 * next check needs (`frontier`), which the store keeps beside the head, opaque.
 * @module
 */

/** Where a container stands: what a client states in a Transact and Status reports. */
export interface ContainerHead {
  /** The store label, written `MMM_…` (lib/mesh/labels.ts). */
  readonly container: string;
  /** Index of the last frame (0 when only frame 0 is there); -1 when the container does not exist. */
  readonly index: number;
  /** The apex after the last frame (the Merkle TreeDigest); empty when the container does not exist. */
  readonly apex: Uint8Array;
}

/** A head and what checking the next frame against it needs. */
export interface ContainerState extends ContainerHead {
  /** Opaque to the store: the replica state of lib/sequence (the Merkle frontier), as bytes. */
  readonly frontier: Uint8Array;
}

export type AccountKind = 'user' | 'group';
export type AccountStatus = 'active' | 'hold';

/** An account bound to this service (brief §5: accounts.dcat). */
export interface AccountEntry {
  /** UDF of the account's profile: the key of everything the account has here. */
  readonly profileUdf: string;
  /** The canonical account address (lower-case domain), unique among bound accounts. */
  readonly address: string;
  readonly kind: AccountKind;
  readonly status: AccountStatus;
  /** The EnvelopedProfileAccount exactly as the client sent it. */
  readonly profile: Uint8Array;
  /** When it was bound, ISO 8601. */
  readonly created: string;
}

/** Frames to append to one container, checked by the service against `expected`. */
export interface ContainerAppend {
  readonly container: string;
  /** The head the client built its frames on; a mismatch is a Conflict for this container. */
  readonly expected: ContainerHead;
  /** Whole frames, exactly as carried: stored and returned byte for byte. */
  readonly frames: readonly Uint8Array[];
  /** The state after the last of `frames` (computed by the service's check). */
  readonly next: ContainerState;
}

/** The result of a Transact: all of it, or nothing and why. */
export type TransactOutcome =
  | { readonly accepted: true; readonly heads: readonly ContainerHead[] }
  /** Nothing was written; `conflicts` holds the current head of each container whose expected head did not match. */
  | { readonly accepted: false; readonly conflicts: readonly ContainerHead[] };

/** Bounds of one page of Download. */
export interface ReadLimits {
  /** At most this many frames. */
  readonly maxFrames: number;
  /** At most this many bytes of frames (at least one frame is returned when any is there). */
  readonly maxBytes: number;
}

/** One page of frames of a container. */
export interface FramePage {
  /** Frames from the index asked for, in order, exactly as stored. */
  readonly frames: readonly Uint8Array[];
  /** The container's head when the page was read. */
  readonly head: ContainerHead;
  /** The index to ask for next when the page stopped before the head; absent at the end. */
  readonly next?: number;
}

export interface StoreStatus {
  /** `embedded` or `postgres`. */
  readonly driver: string;
  readonly accounts: number;
}

/**
 * The service's store. Every method may throw a DareError: `CONFLICT` for an address or
 * profile already bound, `NOT_FOUND` for an unknown account, `UNAVAILABLE` when the backing
 * database cannot be reached (the front end answers "service unavailable" and retries).
 */
export interface AccountStore {
  /** Binds a new account; CONFLICT when its address or profile UDF is bound already. */
  bind(entry: AccountEntry): Promise<void>;
  /** Removes the account and all its containers; false when it was not bound. */
  unbind(profileUdf: string): Promise<boolean>;
  account(profileUdf: string): Promise<AccountEntry | undefined>;
  accountByAddress(address: string): Promise<AccountEntry | undefined>;
  /** Every bound account (export, status). */
  accounts(): AsyncIterable<AccountEntry>;
  /** The state of the named containers (all the account has when absent); a missing one has index -1. */
  heads(profileUdf: string, containers?: readonly string[]): Promise<readonly ContainerState[]>;
  /** Frames of a container from index `from` on, within `limits`. */
  read(profileUdf: string, container: string, from: number, limits: ReadLimits): Promise<FramePage>;
  /**
   * Appends to every container named, all or nothing: each `expected` head must be the
   * container's current one, else nothing is written and the outcome lists the conflicts.
   * A `requestId` seen before (a client's retry) returns the first outcome without writing again.
   * Durable when it returns: a kill -9 afterwards loses nothing of it.
   */
  transact(profileUdf: string, requestId: string, appends: readonly ContainerAppend[]): Promise<TransactOutcome>;
  /**
   * The replay cache: records `id` until `until` (ms since the epoch) and returns true, or
   * returns false when `id` is recorded and has not expired (a replayed request).
   * `owner` (the authenticated account) names whose share of a bounded cache the id takes:
   * a store that bounds its cache gives each owner a bounded share, so one account filling
   * its share (UNAVAILABLE for it alone) does not lock the others out.
   */
  remember(id: string, until: number, owner?: string): Promise<boolean>;
  status(): Promise<StoreStatus>;
  close(): Promise<void>;
}
