/**
 * The client of a Mesh Service (docs/PROTOCOL.md; mesh brief §5 lib/mesh/client): Hello and
 * the check of the service's chain against the UDF the account pinned (or, creating an
 * account, the one the service shows, printed as `Service UDF=`), then signed requests and
 * responses accepted only when signed by that service's host key and bound to the request
 * (UniqueId = MakeID(RID, responseid)). A refusal is a ServiceError (REFUSED, exit 8; CONFLICT
 * for Conflict); no answer, or an answer that is not the protocol's, is UNAVAILABLE (exit 9);
 * an answer that fails its signature or binding is SIGNATURE_INVALID (exit 4).
 * @module
 */
import { DareError, fromUtf8, isJsonObject, type JsonObject, type JsonValue } from '../../index.js';
import type { EnvelopeJson } from '../schema/index.js';
import type { MeshSigner } from '../keys/signer.js';
import { responseId } from '../messages/ids.js';
import { ServiceError, TRANSACTIONS, type ErrorName, type RequestType, ERRORS } from '../service/protocol.js';
import { readEnvelope, signRequest, verifyEnvelope, type ReadEnvelope } from '../service/wire.js';
import { checkServiceChain, type CheckedService } from '../service/identity.js';
import { MAX_RESPONSE_BYTES, type Transport } from './transport.js';

/** What a connected device signs its requests with. */
export interface DeviceCredential {
  readonly profileUdf: string;
  /** The device's ConnectionDevice, signed by the account's AdministratorSignature key. */
  readonly connection: EnvelopeJson;
  /** The device's connection Signature key. */
  readonly signer: MeshSigner;
}

export interface ConnectOptions {
  readonly url: string;
  readonly transport: Transport;
  /** The service UDF the account pinned; absent only when an account is being created (TOFU). */
  readonly serviceUdf?: string;
}

export interface ConnectedService extends CheckedService {
  readonly url: string;
  readonly domain: string;
  /** Hello's answer (limits, version). */
  readonly hello: JsonObject;
}

function unavailable(url: string, why: string, cause?: unknown): DareError {
  return new DareError('UNAVAILABLE', `${url}: ${why}`, { cause });
}

export class MeshClient {
  readonly service: ConnectedService;
  private readonly transport: Transport;

  private constructor(service: ConnectedService, transport: Transport) {
    this.service = service;
    this.transport = transport;
  }

  /** Hello, and the service's chain checked (see the module comment). */
  static async connect(o: ConnectOptions): Promise<MeshClient> {
    const sent = await signRequest('HelloRequest', {}, undefined);
    const env = await post(o.transport, o.url, sent.bytes);
    const f = env.fields;
    const claimed = typeof f.ServiceUdf === 'string' ? f.ServiceUdf : '';
    const pinned = o.serviceUdf ?? claimed;
    let checked: CheckedService;
    try {
      checked = await checkServiceChain(
        { $envelope: f.EnvelopedProfileService } as EnvelopeJson, { $envelope: f.EnvelopedConnectionHost } as EnvelopeJson,
        { $envelope: f.EnvelopedProfileHost } as EnvelopeJson, pinned,
      );
    } catch (e) {
      throw new DareError('SIGNATURE_INVALID', `${o.url} is not the service ${pinned.slice(0, 24)}: ${(e as Error).message}`, { cause: e });
    }
    await accept(env, checked, sent.id, 'HelloRequest', o.url);
    const domain = typeof f.Domain === 'string' ? f.Domain.toLowerCase() : '';
    return new MeshClient({ ...checked, url: o.url, domain, hello: f }, o.transport);
  }

  /** Sends a signed request; the response's fields, or a ServiceError for a refusal. */
  async request(type: RequestType, fields: JsonObject, signer: MeshSigner): Promise<JsonObject> {
    const sent = await signRequest(type, fields, signer);
    const env = await post(this.transport, this.service.url, sent.bytes);
    await accept(env, this.service, sent.id, type, this.service.url);
    return env.fields;
  }

  async bind(address: string, profile: EnvelopeJson, profileSigner: MeshSigner): Promise<JsonObject> {
    return this.request('BindRequest', { AccountAddress: address, EnvelopedProfileAccount: profile.$envelope as JsonValue[] }, profileSigner);
  }

  async unbind(profileUdf: string, adminSigner: MeshSigner): Promise<void> {
    await this.request('UnbindRequest', { Account: profileUdf }, adminSigner);
  }

  private deviceFields(d: DeviceCredential): JsonObject {
    return { Account: d.profileUdf, EnvelopedConnectionDevice: d.connection.$envelope as JsonValue[] };
  }

  async status(d: DeviceCredential, catalogs?: readonly string[]): Promise<JsonObject> {
    return this.request('StatusRequest', { ...this.deviceFields(d), ...(catalogs ? { Catalogs: [...catalogs] } : {}) }, d.signer);
  }

  async download(d: DeviceCredential, select: readonly JsonObject[]): Promise<JsonObject> {
    return this.request('DownloadRequest', { ...this.deviceFields(d), Select: [...select] }, d.signer);
  }

  async transact(d: DeviceCredential, updates: readonly JsonObject[]): Promise<JsonObject> {
    return this.request('TransactRequest', { ...this.deviceFields(d), Updates: [...updates] }, d.signer);
  }
}

/** POSTs and reads the answer as a response envelope (or the unsigned MeshError). */
async function post(transport: Transport, url: string, body: Uint8Array): Promise<ReadEnvelope> {
  const answer = await transport(url, body);
  if (answer.body.length > MAX_RESPONSE_BYTES) throw unavailable(url, `the answer is over ${MAX_RESPONSE_BYTES} bytes`);
  try {
    return await readEnvelope(answer.body, 'response');
  } catch (e) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fromUtf8(answer.body));
    } catch {
      parsed = undefined;
    }
    const m = isJsonObject(parsed as JsonValue) ? (parsed as JsonObject).MeshError : undefined;
    if (isJsonObject(m as JsonValue)) {
      const err = (m as JsonObject).Error;
      const name = (typeof err === 'string' && err in ERRORS ? err : 'Refused') as ErrorName;
      throw new ServiceError(name, `${url}: ${String((m as JsonObject).StatusDescription ?? name).slice(0, 300)}`);
    }
    throw unavailable(url, `not a Mesh service answer (HTTP ${answer.status})`, e);
  }
}

/** Checks a response: the host's signature, bound to `rid`, of the response type; then its Status. */
async function accept(env: ReadEnvelope, service: CheckedService, rid: string, type: RequestType, url: string): Promise<void> {
  try {
    await verifyEnvelope(env, service.hostKey, 'response');
  } catch (e) {
    throw new DareError('SIGNATURE_INVALID', `${url}: the answer is not signed by the service's host key: ${(e as Error).message}`, { cause: e });
  }
  if (env.id !== responseId(rid)) throw new DareError('SIGNATURE_INVALID', `${url}: the answer is not bound to the request sent (UniqueId)`);
  const st = env.fields.Status;
  if (st !== 201) {
    const err = env.fields.Error;
    const name = (typeof err === 'string' && err in ERRORS ? err : 'Refused') as ErrorName;
    throw new ServiceError(name, `${url}: ${String(env.fields.StatusDescription ?? name).slice(0, 300)}`, { fields: env.fields });
  }
  if (env.type !== TRANSACTIONS[type].response) throw new DareError('SIGNATURE_INVALID', `${url}: a ${env.type.slice(0, 40)} answers a ${type}`);
}
