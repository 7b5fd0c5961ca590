/**
 * Synchronising an account's catalogs with its service (docs/PROTOCOL.md §8; mesh brief §2.11,
 * §6 #7): Status, then per container
 * - the service's head against the one this device saw last: lower, or equal with another
 *   digest, is a rollback or a fork, refused (MERKLE_MISMATCH, exit 4) before anything changes;
 * - frames the device has not seen are downloaded and checked without the payload keys against
 *   the replica state at the seen head (lib/sequence replica check: index, chain and Merkle
 *   digests), so they must chain to the apex this device saw; then appended verbatim. A frame
 *   that does not follow is a changed store (exit 4);
 * - local frames after the seen head are pending. When the service moved too, they are
 *   rebased: their entries are read, the replica cut back to the seen head, the service's frames
 *   appended, the entries written again on top;
 * then every pending frame goes up in one Transact with the seen heads as expected heads. A
 * Conflict (another device got there first) runs the whole round again, at most 5 times.
 *
 * MMM_Device goes first: the devices it lists (each ConnectionDevice checked under the
 * account's AdministratorSignature key) are the signers the other catalogs' frames may carry.
 * @module
 */
import {
  DareError, appendFrames, base64urlDecode, base64urlEncode, checkFrames, cutSequence, isJsonObject, readFrames,
  readReplicaState, type JsonObject, type ReplicaState,
} from '../../index.js';
import type { MeshPublicKey } from '../keys/mesh-key.js';
import { localSigner } from '../keys/signer.js';
import type { StoreLabel } from '../labels.js';
import type { AccountContext } from '../home/account.js';
import { deviceSigners } from '../home/device-signers.js';
import { ServiceError } from '../service/protocol.js';
import type { DeviceCredential, MeshClient } from './client.js';
import { NO_HEAD, bindingJson, readBinding, type SeenHead, type ServiceBindingRecord } from './binding.js';

/** What one sync did, per container. */
export interface SyncReport {
  readonly downloaded: Record<string, number>;
  readonly uploaded: Record<string, number>;
  readonly rebased: string[];
  readonly rounds: number;
}

const MAX_ROUNDS = 5;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function tampered(label: string, why: string, cause?: unknown): DareError {
  return new DareError('MERKLE_MISMATCH', `the service's ${label} ${why}: refused (it rolled the account back, forked it or changed a stored frame)`, { cause });
}

/** The catalogs this device syncs: the account's, MMM_Device first. */
function containers(ctx: AccountContext): StoreLabel[] {
  const s = ctx.record.stores;
  return [...s.filter((l) => l === 'MMM_Device'), ...s.filter((l) => l !== 'MMM_Device')];
}

export async function deviceCredential(ctx: AccountContext, b: ServiceBindingRecord): Promise<DeviceCredential> {
  return { profileUdf: ctx.record.profileUdf, connection: b.connection, signer: localSigner(await ctx.deviceSigner()) };
}

/** Writes the binding (and the signers) back into the account record. */
async function saveRecord(ctx: AccountContext, b: ServiceBindingRecord, signers?: readonly MeshPublicKey[]): Promise<void> {
  ctx.record = { ...ctx.record, service: bindingJson(b), signers: signers ?? ctx.record.signers };
  const host = await ctx.home.hostCatalog();
  if (host === null) throw new TypeError('syncing needs the home open for writing');
  await host.putAccount(ctx.record);
}

/** The Signature keys of the devices MMM_Device lists, each ConnectionDevice under the admin key. */
async function signersOfDevices(ctx: AccountContext): Promise<MeshPublicKey[]> {
  const c = await ctx.openCatalog('MMM_Device');
  try {
    return await deviceSigners(ctx, c);
  } finally {
    await c.close();
  }
}

/** A pending change: an entry's value now, or its deletion. */
type Pending = Map<string, { value?: Uint8Array; contentType?: string }>;

/** The entries changed by the frames after `seen` (read before the replica is cut back). */
async function pendingEntries(ctx: AccountContext, label: StoreLabel, seen: SeenHead): Promise<Pending> {
  const out: Pending = new Map();
  const now = await ctx.openCatalog(label);
  const live = new Set(now.ids());
  try {
    for (const id of live) {
      const info = now.info(id);
      if (info !== undefined && info.index > seen.index) out.set(id, { value: await now.get(id), contentType: info.contentType });
    }
  } finally {
    await now.close();
  }
  return Object.assign(out, { live });
}

/** After the cut: the entries live at the seen head that the pending frames deleted. */
async function pendingDeletions(ctx: AccountContext, label: StoreLabel, pending: Pending & { live?: Set<string> }, seen: SeenHead): Promise<void> {
  if (seen.index < 1) return;
  const before = await ctx.openCatalog(label);
  try {
    for (const id of before.ids()) if (!pending.live?.has(id)) pending.set(id, {});
  } finally {
    await before.close();
  }
}

async function reapply(ctx: AccountContext, label: StoreLabel, pending: Pending): Promise<void> {
  const c = await ctx.openCatalog(label, true);
  try {
    for (const [id, p] of pending) {
      if (p.value !== undefined) await c.put(id, p.value, { contentType: p.contentType });
      else if (c.has(id)) await c.delete(id);
    }
    await ctx.indexChanged(label, c);
  } finally {
    await c.close();
  }
}

/** Downloads and appends the service's frames after `base` (checked, verbatim). */
async function download(client: MeshClient, cred: DeviceCredential, label: StoreLabel, path: string, base: ReplicaState, target: number): Promise<ReplicaState> {
  let state = base;
  while (state.index < target) {
    const answer = await client.download(cred, [{ Container: label, IndexMin: state.index + 1, IndexMax: target }]);
    const u = Array.isArray(answer.Updates) ? answer.Updates[0] : undefined;
    if (!isJsonObject(u ?? null) || !Array.isArray((u as JsonObject).Envelopes)) throw tampered(label, 'answered a download without frames');
    const frames = ((u as JsonObject).Envelopes as string[]).map((f) => base64urlDecode(String(f)));
    if (frames.length === 0) throw tampered(label, `has no frame ${state.index + 1} though it said it holds ${target}`);
    let checked;
    try {
      checked = await checkFrames(state, frames);
    } catch (e) {
      throw tampered(label, `sent frames that do not chain to the head this device saw (${(e as Error).message})`, e);
    }
    state = await appendFrames(path, checked);
  }
  return state;
}

/** Cuts the replica back to frame `index` and appends this device's `own` frames again, verbatim. */
async function restore(path: string, index: number, own: readonly Uint8Array[]): Promise<void> {
  const state = await cutSequence(path, index);
  if (own.length > 0) await appendFrames(path, await checkFrames(state, [...own]));
}

/**
 * True when the service's frames after the seen head are this device's own pending frames
 * (an upload that landed but whose answer was lost): then nothing needs rebasing.
 */
async function landedAlready(client: MeshClient, cred: DeviceCredential, label: StoreLabel, path: string, seen: SeenHead, target: number): Promise<boolean> {
  let at = seen.index + 1;
  while (at <= target) {
    const answer = await client.download(cred, [{ Container: label, IndexMin: at, IndexMax: target }]);
    const u = Array.isArray(answer.Updates) ? answer.Updates[0] : undefined;
    const theirs = isJsonObject(u ?? null) && Array.isArray((u as JsonObject).Envelopes) ? ((u as JsonObject).Envelopes as string[]).map((f) => base64urlDecode(String(f))) : [];
    if (theirs.length === 0) return false;
    const mine = (await readFrames(path, at, { maxFrames: theirs.length, maxBytes: 1 << 30 })).frames;
    if (mine.length < theirs.length || theirs.some((f, i) => !sameBytes(f, mine[i] as Uint8Array))) return false;
    at += theirs.length;
  }
  return true;
}

interface Plan {
  readonly label: StoreLabel;
  readonly seen: SeenHead;
  readonly frames: Uint8Array[];
}

/** One round: Status, download and rebase, then the upload plan. */
async function round(ctx: AccountContext, client: MeshClient, cred: DeviceCredential, b: ServiceBindingRecord, report: SyncReport): Promise<{ binding: ServiceBindingRecord; plan: Plan[] }> {
  const status = await client.status(cred);
  const remote = new Map<string, SeenHead>();
  for (const h of Array.isArray(status.ContainerStatus) ? status.ContainerStatus : []) {
    if (isJsonObject(h) && typeof h.Container === 'string' && typeof h.Index === 'number' && typeof h.Digest === 'string') {
      remote.set(h.Container, { index: h.Index, apex: base64urlDecode(h.Digest) });
    }
  }
  const heads = new Map(b.heads);
  const plan: Plan[] = [];
  for (const label of containers(ctx)) {
    const seen = heads.get(label) ?? NO_HEAD;
    const r = remote.get(label) ?? NO_HEAD;
    if (r.index < seen.index) throw tampered(label, `is at frame ${r.index}, behind frame ${seen.index} this device saw`);
    if (r.index === seen.index && !sameBytes(r.apex, seen.apex)) throw tampered(label, `has another frame ${r.index} than this device saw`);
    const path = ctx.catalogPath(label);
    let local = (await readReplicaState(path)).state;
    if (r.index > seen.index && local.index >= r.index && await landedAlready(client, cred, label, path, seen, r.index)) {
      // Our own frames, acknowledged or not: the service's head is a prefix of the replica.
      // The check of the replica's chain was made when they were written here.
      const upto = (await readFrames(path, seen.index + 1, { maxFrames: r.index - seen.index, maxBytes: 1 << 30 })).frames.length;
      if (upto === r.index - seen.index) heads.set(label, { index: r.index, apex: r.apex.slice() });
    } else if (r.index > seen.index) {
      const pending = local.index > seen.index ? await pendingEntries(ctx, label, seen) : undefined;
      // This device's frames past the seen head, kept to put back verbatim if the download fails.
      const own = pending === undefined ? [] : (await readFrames(path, seen.index + 1, { maxFrames: local.index - seen.index, maxBytes: 1 << 30 })).frames;
      if (pending !== undefined) local = await cutSequence(path, seen.index);
      if (local.index !== seen.index || !sameBytes(local.apex, seen.apex)) {
        throw new DareError('MERKLE_MISMATCH', `${path}: the local ${label} does not end at the head last seen at the service`);
      }
      if (pending !== undefined) await pendingDeletions(ctx, label, pending, seen);
      const record = ctx.record;
      try {
        local = await download(client, cred, label, path, local, r.index);
        if (label === 'MMM_Device') {
          const signers = await signersOfDevices(ctx);
          ctx.record = { ...ctx.record, signers };
        }
        // The downloaded tail must be signed by one of the account's devices (opening to write checks it).
        await (await ctx.openCatalog(label, true)).close();
      } catch (e) {
        // Frames that fail a check are not kept: the replica goes back to the head it had.
        ctx.record = record;
        await restore(path, seen.index, own);
        throw e;
      }
      report.downloaded[label] = (report.downloaded[label] ?? 0) + (r.index - seen.index);
      heads.set(label, { index: local.index, apex: local.apex.slice() });
      if (pending !== undefined && pending.size > 0) {
        await reapply(ctx, label, pending);
        report.rebased.push(label);
      }
      local = (await readReplicaState(path)).state;
    }
    const seenNow = heads.get(label) ?? NO_HEAD;
    if (local.index > seenNow.index) {
      const frames: Uint8Array[] = [];
      let from = seenNow.index + 1;
      while (from <= local.index) {
        const page = await readFrames(path, from, { maxFrames: 1024, maxBytes: 1 << 20 });
        frames.push(...page.frames);
        from += page.frames.length;
        if (page.frames.length === 0) break;
      }
      plan.push({ label, seen: seenNow, frames });
    }
  }
  const binding = { ...b, heads };
  await saveRecord(ctx, binding);
  return { binding, plan };
}

/** Syncs the account (see the module comment); the home must be open for writing. */
export async function syncAccount(ctx: AccountContext, client: MeshClient): Promise<SyncReport> {
  let b = readBinding(ctx.record);
  if (b === undefined) throw new DareError('NOT_FOUND', `account ${ctx.record.name} is not bound to a service`);
  const cred = await deviceCredential(ctx, b);
  const report: SyncReport = { downloaded: {}, uploaded: {}, rebased: [], rounds: 0 };
  for (let n = 1; n <= MAX_ROUNDS; n++) {
    (report as { rounds: number }).rounds = n;
    const r = await round(ctx, client, cred, b, report);
    b = r.binding;
    if (r.plan.length === 0) return report;
    let answer: JsonObject;
    try {
      answer = await client.transact(cred, r.plan.map((p) => ({
        Container: p.label, Index: p.seen.index, Digest: base64urlEncode(p.seen.apex), Envelopes: p.frames.map((f) => base64urlEncode(f)),
      })));
    } catch (e) {
      if (e instanceof ServiceError && e.error === 'Conflict') continue;
      throw e;
    }
    const heads = new Map(b.heads);
    for (const [i, p] of r.plan.entries()) {
      const entry = Array.isArray(answer.Entries) ? answer.Entries[i] : undefined;
      const e = isJsonObject(entry ?? null) ? entry as JsonObject : {};
      if (e.Result !== 'Accept' || typeof e.Index !== 'number' || typeof e.Digest !== 'string') throw new DareError('UNAVAILABLE', `the service did not accept ${p.label}`);
      const local = (await readReplicaState(ctx.catalogPath(p.label))).state;
      const apex = base64urlDecode(e.Digest);
      if (e.Index !== local.index || !sameBytes(apex, local.apex)) throw tampered(p.label, 'acknowledged a head other than the frames sent');
      heads.set(p.label, { index: e.Index, apex });
      report.uploaded[p.label] = p.frames.length;
    }
    b = { ...b, heads };
    await saveRecord(ctx, b);
    return report;
  }
  throw new DareError('CONFLICT', `the account kept changing at the service: gave up after ${MAX_ROUNDS} rounds`);
}
