/**
 * The transactions (docs/PROTOCOL.md §5; protocol-09 §10), each over the AccountStore
 * (lib/mesh/store/store.ts) after auth.ts has established who asks: Hello, BindAccount,
 * UnbindAccount, Status, Download (paged) and Transact (all or nothing: rights, expected heads,
 * every frame checked against the stored head state without the payload keys, then one atomic
 * store transact; mesh brief §6 #7).
 * @module
 */
import { DareError, base64urlDecode, base64urlEncode, isJsonObject, utf8, type JsonObject, type JsonValue } from '../../index.js';
import { storeLabel, type StoreLabel } from '../labels.js';
import type { AccountStore, ContainerAppend, ContainerHead, ContainerState } from '../store/store.js';
import { LIMITS, refuse } from './protocol.js';
import { servicePublicJson, type ServicePublic } from './identity.js';
import { checkRead, checkWrite } from './grant.js';
import type { Authenticated } from './auth.js';

/**
 * The keyless check of frames received against a container's state (lib/sequence replica
 * operations): the state after them, or a DareError for the first frame that does not follow.
 */
export type FrameChecker = (current: ContainerState, frames: readonly Uint8Array[]) => Promise<ContainerState>;

export interface HandlerContext {
  readonly store: AccountStore;
  readonly identity: ServicePublic;
  readonly checkFrames: FrameChecker;
}

/** A handler's answer: the response fields and the protocol status (201 unless said). */
export interface Answer {
  readonly fields: JsonObject;
  readonly status?: number;
  readonly description?: string;
  readonly error?: string;
}

function headJson(h: ContainerHead): JsonObject {
  return { Container: h.container, Index: h.index, Digest: base64urlEncode(h.apex) };
}

function label(v: JsonValue | undefined): StoreLabel {
  const l = typeof v === 'string' ? storeLabel(v) : undefined;
  if (l === undefined) refuse('BadRequest', `${JSON.stringify(String(v).slice(0, 40))} is not a store label`);
  return l;
}

function int(v: JsonValue | undefined, name: string, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) refuse('BadRequest', `${name} is not an integer of at least ${min}`);
  return v;
}

function list(v: JsonValue | undefined, name: string, max: number): JsonValue[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) refuse('BadRequest', `${name} is not a list`);
  if (v.length > max) refuse('TooLarge', `${name} has ${v.length} items, more than ${max}`);
  return v;
}

function bytesOf(v: JsonValue | undefined, name: string): Uint8Array {
  if (typeof v !== 'string') refuse('BadRequest', `${name} is not base64url`);
  try {
    return base64urlDecode(v);
  } catch (e) {
    refuse('BadRequest', `${name} is not base64url`, { cause: e });
  }
}

export function hello(ctx: HandlerContext): Answer {
  return {
    fields: {
      Version: { Major: 3, Minor: 0, Encodings: [{ ID: ['application/json'] }] },
      ConstraintsUpdate: { MaxEntries: LIMITS.maxFrames, BytesMax: LIMITS.maxRequestBytes },
      ConstraintsPost: { BytesMax: 32 << 10 },
      PolicyAccount: { Minimum: 1, Maximum: 64, InvalidCharacters: '@ /\\' },
      ...servicePublicJson(ctx.identity),
    },
  };
}

/** The canonical form of an address of this service's domain (brief §6 #12): lower case. */
export function serviceAddress(address: string, domain: string): string {
  const m = /^([a-z0-9._-]{1,64})@([^@\s]{1,253})$/.exec(address.toLowerCase());
  if (m === null) refuse('Refused', `${JSON.stringify(address.slice(0, 80))}: an address is 1 to 64 of a-z 0-9 . _ - then @domain`);
  if (m[2] !== domain.toLowerCase()) refuse('Refused', `${address.slice(0, 80)}: this service holds accounts of ${domain} only`);
  return `${m[1]}@${m[2]}`;
}

export async function bind(ctx: HandlerContext, a: Authenticated): Promise<Answer> {
  const p = a.profile as NonNullable<Authenticated['profile']>;
  const given = a.fields.AccountAddress;
  if (typeof given !== 'string') refuse('BadRequest', 'AccountAddress is missing');
  const address = serviceAddress(given, ctx.identity.domain);
  const fields = p.object as unknown as { AccountAddress?: string; ServiceUdf?: string };
  if (fields.ServiceUdf !== ctx.identity.serviceUdf) refuse('Refused', 'the profile does not name this service (ServiceUdf)');
  if (typeof fields.AccountAddress !== 'string' || fields.AccountAddress.toLowerCase() !== address) refuse('Refused', 'the profile\'s AccountAddress is not the address bound');
  try {
    await ctx.store.bind({
      profileUdf: p.udf, address, kind: 'user', status: 'active', profile: utf8(JSON.stringify(p.envelope.$envelope)), created: new Date().toISOString(),
    });
  } catch (e) {
    if (e instanceof DareError && e.code === 'CONFLICT') refuse('AccountRegistered', `${address} or its profile is bound already`, { cause: e });
    throw e;
  }
  return { fields: { Account: p.udf } };
}

export async function unbind(ctx: HandlerContext, a: Authenticated): Promise<Answer> {
  const udf = (a.account as NonNullable<Authenticated['account']>).profileUdf;
  if (!(await ctx.store.unbind(udf))) refuse('NotFound', 'the account is not bound');
  return { fields: {} };
}

function requested(a: Authenticated, field: string): StoreLabel[] | undefined {
  if (a.fields[field] === undefined) return undefined;
  return list(a.fields[field], field, LIMITS.maxContainers).map(label);
}

export async function status(ctx: HandlerContext, a: Authenticated): Promise<Answer> {
  const account = a.account as NonNullable<Authenticated['account']>;
  const rights = a.rights as NonNullable<Authenticated['rights']>;
  const asked = requested(a, 'Catalogs');
  asked?.forEach((l) => checkRead(rights, l));
  const heads = await ctx.store.heads(account.profileUdf, asked);
  const visible = heads.filter((h) => rights.stores.has(h.container as StoreLabel));
  return {
    fields: {
      EnvelopedProfileAccount: JSON.parse(new TextDecoder().decode(account.profile)) as JsonValue,
      ContainerStatus: visible.map(headJson),
    },
  };
}

export async function download(ctx: HandlerContext, a: Authenticated): Promise<Answer> {
  const account = a.account as NonNullable<Authenticated['account']>;
  const rights = a.rights as NonNullable<Authenticated['rights']>;
  const selects = list(a.fields.Select, 'Select', LIMITS.maxContainers);
  let budget = LIMITS.maxPageBytes;
  const updates: JsonObject[] = [];
  for (const s of selects) {
    if (!isJsonObject(s)) refuse('BadRequest', 'a Select is not an object');
    const container = label(s.Container);
    checkRead(rights, container);
    const from = int(s.IndexMin ?? 0, 'IndexMin', 0);
    const max = s.IndexMax === undefined ? undefined : int(s.IndexMax, 'IndexMax', from);
    const maxFrames = max === undefined ? LIMITS.maxFrames : Math.min(LIMITS.maxFrames, max - from + 1);
    const page = budget > 0
      ? await ctx.store.read(account.profileUdf, container, from, { maxFrames, maxBytes: budget })
      : { frames: [], head: (await ctx.store.heads(account.profileUdf, [container]))[0] as ContainerHead, next: from };
    for (const f of page.frames) budget -= f.length;
    const u: JsonObject = { ...headJson(page.head), IndexMin: from, Envelopes: page.frames.map((f) => base64urlEncode(f)) };
    const next = page.next ?? (page.frames.length === 0 && from <= page.head.index ? from : undefined);
    if (next !== undefined && (max === undefined || next <= max)) u.Next = next;
    updates.push(u);
  }
  return { fields: { Updates: updates } };
}

/** One container's update of a TransactRequest, read. */
interface Update {
  readonly container: StoreLabel;
  readonly expected: ContainerHead;
  readonly frames: Uint8Array[];
}

function readUpdates(a: Authenticated): Update[] {
  const raw = list(a.fields.Updates, 'Updates', LIMITS.maxContainers);
  if (raw.length === 0) refuse('BadRequest', 'Updates is empty');
  const seen = new Set<string>();
  return raw.map((u, i) => {
    if (!isJsonObject(u)) refuse('BadRequest', `Updates[${i}] is not an object`);
    const container = label(u.Container);
    if (seen.has(container)) refuse('BadRequest', `${container} is named twice`);
    seen.add(container);
    const index = int(u.Index, `Updates[${i}].Index`, -1);
    const apex = bytesOf(u.Digest ?? '', `Updates[${i}].Digest`);
    const frames = list(u.Envelopes, `Updates[${i}].Envelopes`, LIMITS.maxFrames).map((f, j) => bytesOf(f, `Updates[${i}].Envelopes[${j}]`));
    if (frames.length === 0) refuse('BadRequest', `Updates[${i}] carries no frames`);
    return { container, expected: { container, index, apex }, frames };
  });
}

function sameHead(a: ContainerHead, b: ContainerHead): boolean {
  return a.index === b.index && a.apex.length === b.apex.length && a.apex.every((x, i) => x === b.apex[i]);
}

function conflictAnswer(updates: readonly Update[], current: readonly ContainerHead[]): Answer {
  const byName = new Map(current.map((h) => [h.container, h]));
  return {
    status: 409, error: 'Conflict', description: 'a container moved on: download, rebase and retry',
    fields: {
      Entries: updates.map((u, i) => {
        const now = byName.get(u.container);
        const moved = now !== undefined && !sameHead(now, u.expected);
        return { IndexRequest: i, ...headJson(now ?? u.expected), Result: moved ? 'Conflict' : 'Accept' };
      }),
    },
  };
}

export async function transact(ctx: HandlerContext, a: Authenticated): Promise<Answer> {
  const account = a.account as NonNullable<Authenticated['account']>;
  const rights = a.rights as NonNullable<Authenticated['rights']>;
  const updates = readUpdates(a);
  updates.forEach((u) => checkWrite(rights, u.container));
  const states = await ctx.store.heads(account.profileUdf, updates.map((u) => u.container));
  const byName = new Map(states.map((s) => [s.container, s]));
  const current = updates.map((u) => byName.get(u.container) ?? { container: u.container, index: -1, apex: new Uint8Array(0), frontier: new Uint8Array(0) });
  if (updates.some((u, i) => !sameHead(u.expected, current[i] as ContainerHead))) return conflictAnswer(updates, current);
  const appends: ContainerAppend[] = [];
  for (const [i, u] of updates.entries()) {
    let next: ContainerState;
    try {
      next = await ctx.checkFrames(current[i] as ContainerState, u.frames);
    } catch (e) {
      refuse('BadFrame', `${u.container}: a frame does not follow the stored head: ${(e as Error).message}`, { cause: e });
    }
    appends.push({ container: u.container, expected: u.expected, frames: u.frames, next: { ...next, container: u.container } });
  }
  const outcome = await ctx.store.transact(account.profileUdf, a.rid, appends);
  if (!outcome.accepted) return conflictAnswer(updates, outcome.conflicts);
  const heads = new Map(outcome.heads.map((h) => [h.container, h]));
  return {
    fields: {
      Entries: updates.map((u, i) => ({ IndexRequest: i, ...headJson(heads.get(u.container) as ContainerHead), Result: 'Accept' })),
    },
  };
}
