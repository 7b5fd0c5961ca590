/**
 * Contact cards and calendar entries: the catalog entries that carry a signed object
 * (schema-08 §10.3, §10.4; mesh brief §1.4; docs/MESH.md §8.4).
 *
 * - A **card** is a Contact (ContactPerson) in an envelope signed by the account's
 *   AccountSignature key under `mesh/ContactPerson/v1`. It anchors the account
 *   (Anchors [{Udf: profile UDF, Validation: "Self"}]) and carries the signed ProfileUser in
 *   a NetworkAddress (EnvelopedProfileAccount), so anyone can check it without a service:
 *   the profile must be valid under the anchor's UDF, and the card signed by that profile's
 *   AccountSignature key. The account's own card is its CatalogedContact with Self = true.
 * - A **calendar entry** is a CatalogedTask whose EnvelopedTask is the Task signed by the
 *   AccountSignature key, checked against the account's profile when it is read.
 * A card or task that fails its checks is SIGNATURE_INVALID (exit 4).
 * @module
 */
import { DareError, isJsonObject, type JsonValue } from '../../index.js';
import { fromJsonValue, parseMeshJson, type AnyMeshObject, type EnvelopeJson, type MeshObject } from '../schema/index.js';
import { open, peek, seal } from '../enveloped.js';
import { openProfile } from '../profiles/profile.js';
import { publicKeyOfKeyData } from '../keys/key-data.js';
import { localSigner } from '../keys/signer.js';
import { MAX_ENTRY_BYTES, type AccountContext } from './account.js';
import { newEntryId } from './entries.js';

/** The Contact classes a card may hold. */
const CARD_CLASSES = ['ContactPerson', 'ContactOrganization', 'ContactGroup'] as const;
type CardClass = (typeof CARD_CLASSES)[number];
export type Card = AnyMeshObject<CardClass>;

export interface SelfCardInput {
  readonly name: string;
  readonly emails?: readonly string[];
}

/** The account's own card, signed by its AccountSignature key. */
export async function makeSelfCard(ctx: AccountContext, input: SelfCardInput): Promise<{ card: MeshObject<'ContactPerson'>; envelope: EnvelopeJson<'ContactPerson'> }> {
  const address = typeof ctx.record.service?.Address === 'string' ? ctx.record.service.Address : undefined;
  const mesh: MeshObject<'NetworkAddress'> = { $type: 'NetworkAddress', EnvelopedProfileAccount: ctx.record.envelope, Protocols: [{ $type: 'NetworkProtocol', Protocol: 'mmm' }] };
  if (address !== undefined) mesh.Address = address;
  const card: MeshObject<'ContactPerson'> = {
    $type: 'ContactPerson',
    Id: ctx.record.profileUdf,
    Anchors: [{ $type: 'Anchor', Udf: ctx.record.profileUdf, Validation: 'Self' }],
    CommonNames: [{ $type: 'PersonName', FullName: input.name }],
    NetworkAddresses: [mesh, ...(input.emails ?? []).map((e): MeshObject<'NetworkAddress'> => ({
      $type: 'NetworkAddress', Address: e, Protocols: [{ $type: 'NetworkProtocol', Protocol: 'smtp' }],
    }))],
  };
  const envelope = await seal(card, { signer: localSigner(await ctx.accountKey('AccountSignature')) });
  return { card, envelope };
}

/** The CatalogedContact of a card: the card's content, with the signed card as its source. */
export function catalogedCard(id: string, card: Card, envelope: EnvelopeJson | undefined, self: boolean): MeshObject<'CatalogedContact'> {
  const contact = { ...card } as Card;
  if (envelope !== undefined) contact.Sources = [{ $type: 'TaggedSource', Validation: self ? 'Self' : 'Signed', EnvelopedSource: envelope as EnvelopeJson<CardClass> }];
  const entry: MeshObject<'CatalogedContact'> = { $type: 'CatalogedContact', Key: id, Contact: contact };
  if (self) entry.Self = true;
  return entry;
}

export interface CheckedCard {
  readonly id: string;
  readonly card: Card;
  /** The signed card as read; undefined for an unsigned contact. */
  readonly envelope?: EnvelopeJson;
  /** The UDF of the account the card is checked against (its anchor). */
  readonly profileUdf?: string;
}

/**
 * Reads a contact file: a signed card (an envelope in JSON, checked as the module comment
 * says: exit 4 when it fails) or an unsigned tagged Contact object (kept as unverified).
 */
export async function readCard(bytes: Uint8Array): Promise<CheckedCard> {
  const v = parseMeshJson(bytes, { maxBytes: MAX_ENTRY_BYTES });
  if (!Array.isArray(v)) {
    if (!isJsonObject(v)) throw new DareError('MALFORMED', 'a contact file holds a signed card ([header, payload, trailer]) or a tagged contact ({"ContactPerson": {...}})');
    const card = fromJsonValue(v as JsonValue, [...CARD_CLASSES]) as Card;
    if (card.Sources !== undefined) throw new DareError('MALFORMED', 'an unsigned contact cannot carry Sources');
    return { id: newEntryId(), card };
  }
  const envelope: EnvelopeJson = { $envelope: v };
  const claimed = await peek(envelope, [...CARD_CLASSES]) as Card;
  const anchor = claimed.Anchors?.find((a) => a.Udf !== undefined)?.Udf;
  const profileEnv = claimed.NetworkAddresses?.find((n) => n.EnvelopedProfileAccount !== undefined)?.EnvelopedProfileAccount;
  if (anchor === undefined || profileEnv === undefined) throw new DareError('MALFORMED', 'the card names no account (an Anchor and the EnvelopedProfileAccount it anchors) to check its signature against');
  const { profile, udf } = await openProfile(profileEnv, 'ProfileUser', anchor);
  const signer = publicKeyOfKeyData((profile as MeshObject<'ProfileUser'>).AccountSignature, 'the card account\'s AccountSignature', ['Ed25519', 'Ed448']);
  const { object } = await open(envelope, { expect: [...CARD_CLASSES], signers: [signer] });
  return { id: udf, card: object as Card, envelope, profileUdf: udf };
}

export interface TaskInput {
  readonly title: string;
  readonly start: Date;
  readonly finish?: Date;
  readonly location?: string;
}

/** A calendar entry: the Task signed by the account's AccountSignature key. */
export async function makeTask(ctx: AccountContext, input: TaskInput): Promise<MeshObject<'CatalogedTask'>> {
  if (input.finish !== undefined && input.finish.getTime() < input.start.getTime()) throw new DareError('MALFORMED', 'the finish is before the start');
  const key = newEntryId();
  const task: MeshObject<'Task'> = { $type: 'Task', Key: key, Title: input.title, Start: input.start };
  if (input.finish !== undefined) task.Finish = input.finish;
  if (input.location !== undefined) task.Location = input.location;
  const envelope = await seal(task, { signer: localSigner(await ctx.accountKey('AccountSignature')) });
  return { $type: 'CatalogedTask', Key: key, Title: input.title, EnvelopedTask: envelope };
}

/** The Task of a calendar entry, checked against the account's AccountSignature key. */
export async function readTask(ctx: AccountContext, entry: MeshObject<'CatalogedTask'>): Promise<MeshObject<'Task'>> {
  if (entry.EnvelopedTask === undefined) throw new DareError('MALFORMED', `calendar entry ${entry.Key ?? ''} holds no task`);
  const signer = publicKeyOfKeyData((await ctx.profile()).AccountSignature, 'AccountSignature', ['Ed25519', 'Ed448']);
  const { object } = await open(entry.EnvelopedTask, { expect: 'Task', signers: [signer], limits: { maxBytes: MAX_ENTRY_BYTES } });
  const task = object as MeshObject<'Task'>;
  if (task.Key !== entry.Key) throw new DareError('SIGNATURE_INVALID', `calendar entry ${entry.Key ?? ''} holds the signed task ${task.Key ?? ''}`);
  return task;
}
