/**
 * What the PostgreSQL store accepts, checked before any SQL, the same way as the embedded
 * driver (lib/mesh/store/embedded.ts; both pass test/store-conformance.test-util.ts's "hostile
 * input"): canonical profile UDF text (UDF_INVALID otherwise), canonical addresses (the domain
 * in lower case), store labels as container names (MALFORMED otherwise, `mmm_access` is
 * `MMM_Access`), sane read bounds, and appends whose frames give the next head.
 * @module
 */
import { DareError } from '../../lib/index.js';
import { canonicalAddress, checkProfileUdf, storeLabel } from '../../lib/mesh/index.js';
import type { AccountEntry, ContainerAppend, ReadLimits } from '../../lib/mesh/index.js';

export { canonicalAddress, checkProfileUdf };

/** The store label `name` stands for; MALFORMED when it is none. */
export function containerLabel(name: unknown): string {
  const label = typeof name === 'string' ? storeLabel(name) : undefined;
  if (label === undefined) throw new DareError('MALFORMED', `not a store label: ${JSON.stringify(typeof name === 'string' ? name.slice(0, 64) : name)}`);
  return label;
}

/** The entry as stored: checked, its address canonical. */
export function checkedEntry(entry: AccountEntry): AccountEntry {
  checkProfileUdf(entry.profileUdf);
  const address = canonicalAddress(entry.address);
  if (entry.kind !== 'user' && entry.kind !== 'group') throw new DareError('MALFORMED', `account kind ${String(entry.kind)} is neither user nor group`);
  if (entry.status !== 'active' && entry.status !== 'hold') throw new DareError('MALFORMED', `account status ${String(entry.status)} is neither active nor hold`);
  if (!(entry.profile instanceof Uint8Array)) throw new DareError('MALFORMED', 'the account profile must be bytes');
  if (typeof entry.created !== 'string') throw new DareError('MALFORMED', 'the account creation time must be text');
  return { ...entry, address };
}

export function checkRead(from: number, limits: ReadLimits): void {
  if (!Number.isSafeInteger(from) || from < 0) throw new DareError('MALFORMED', 'a read starts at a non-negative frame index');
  if (!Number.isSafeInteger(limits?.maxFrames) || limits.maxFrames < 1 || !Number.isSafeInteger(limits.maxBytes) || limits.maxBytes < 1) {
    throw new DareError('MALFORMED', 'read limits must be positive integers');
  }
}

/**
 * The appends with their containers as labels, checked: a request id of 1 to 512 characters,
 * each container once, integer heads, and as many frames as the head moves (at least one).
 * The frames' cryptography is the service's check (lib/sequence replica operations), not this.
 */
export function checkedAppends(requestId: string, appends: readonly ContainerAppend[]): ContainerAppend[] {
  if (typeof requestId !== 'string' || requestId.length === 0 || requestId.length > 512) throw new DareError('MALFORMED', 'a request id has 1 to 512 characters');
  if (!Array.isArray(appends)) throw new DareError('MALFORMED', 'a Transact takes a list of appends');
  const seen = new Set<string>();
  return appends.map((a) => {
    const container = containerLabel(a?.container);
    if (seen.has(container)) throw new DareError('MALFORMED', 'a Transact names a container twice');
    seen.add(container);
    if (!Array.isArray(a.frames) || !a.frames.every((f: unknown) => f instanceof Uint8Array)) throw new DareError('MALFORMED', `${container}: frames must be byte arrays`);
    const from = a.expected?.index;
    const to = a.next?.index;
    if (!Number.isSafeInteger(from) || from < -1 || !Number.isSafeInteger(to) || a.frames.length === 0 || to - from !== a.frames.length
      || !(a.expected.apex instanceof Uint8Array) || !(a.next.apex instanceof Uint8Array) || !(a.next.frontier instanceof Uint8Array)) {
      throw new DareError('MALFORMED', `${container}: the next state does not follow from the expected head and the frames`);
    }
    return { container, frames: a.frames, expected: { ...a.expected, container }, next: { ...a.next, container } };
  });
}
