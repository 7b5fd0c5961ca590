/**
 * Runs every vector of fixtures/mesh/vectors/*.json: the drafts' Mesh examples that
 * reproduce (mesh brief §4), as data. Each file names its `kind`; an unknown kind or an
 * empty fixture set fails.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { base64urlDecode, decodeEnvelopeBytes, encodeJson, utf8 } from '../index.js';
import { jsonValueEquals as jsonEquals } from '../encoding/value.js';
import { at, draftJson, MESH_FIXTURES } from './draft.test-util.js';
import { decodeMeshObject, fromJsonValue, toJsonValue, type ClassName, type EnvelopeJson, type MeshObject } from './schema/index.js';
import { envelopeId, responseId } from './messages/ids.js';
import { checkPinWitness, pinId, pinWitness, saltedPin } from './messages/pin.js';
import { connectionWitness } from './messages/witness.js';
import { deriveMeshPrivateKey, parseMeshSeed, type MeshCurve, type MeshSeedKind } from './keys/seed.js';
import { keyUdf, privateKeyFromStandard, samePublicKey } from './keys/mesh-key.js';
import { publicKeyOfKeyData } from './keys/key-data.js';
import { signWithKey } from './keys/signer.js';
import { sha512 } from '@noble/hashes/sha2.js';

type Vector = Record<string, unknown> & { source?: string };
interface Fixture { kind: string; source: string; vectors: Vector[] }

const dir = join(MESH_FIXTURES, 'vectors');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
  .map((f) => ({ file: f, ...(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Fixture) }));

const str = (v: Vector, k: string): string => {
  const x = v[k];
  if (typeof x !== 'string') throw new TypeError(`vector field ${k} missing`);
  return x;
};
const b64 = (v: Vector, k: string): Uint8Array => base64urlDecode(str(v, k));

/** The object an envelope in a printed example carries, read by the Mesh codec. */
function carried<C extends ClassName>(env: unknown, cls: C): MeshObject<C> {
  const e = (env as EnvelopeJson).$envelope ?? env;
  if (!Array.isArray(e) || typeof e[1] !== 'string') throw new TypeError('not an envelope');
  return decodeMeshObject(base64urlDecode(e[1]), cls) as unknown as MeshObject<C>;
}

const runners: Record<string, (v: Vector) => Promise<void> | void> = {
  'make-id': (v) => {
    expect(envelopeId(str(v, 'id'))).toBe(str(v, 'envelopeId'));
    if (v.responseId !== undefined) expect(responseId(str(v, 'id'))).toBe(str(v, 'responseId'));
  },
  pin: (v) => {
    const salted = saltedPin(str(v, 'pin'), str(v, 'action'));
    expect(salted).toBe(str(v, 'saltedPin'));
    if (v.pinIdNotReproduced !== undefined) {
      expect(pinId(salted, str(v, 'account'))).not.toBe(str(v, 'pinIdNotReproduced'));
      return;
    }
    expect(pinId(salted, str(v, 'account'))).toBe(str(v, 'pinId'));
    const [nonce, digest, witness] = [b64(v, 'clientNonce'), b64(v, 'payloadDigest'), b64(v, 'pinWitness')];
    expect(pinWitness(salted, str(v, 'account'), nonce, digest)).toEqual(witness);
    expect(checkPinWitness(witness, salted, str(v, 'account'), nonce, digest)).toBe(true);
    const wrong = witness.slice();
    wrong[63] = (wrong[63] as number) ^ 1;
    expect(checkPinWitness(wrong, salted, str(v, 'account'), nonce, digest)).toBe(false);
    expect(checkPinWitness(witness, salted, 'mallet@example.com', nonce, digest)).toBe(false);
    // The printed RequestConnection carries the same values.
    const rc = fromJsonValue(draftJson('draft/protocol-8.1.4-request-connection.txt'), 'RequestConnection') as MeshObject<'RequestConnection'>;
    expect(rc.PinWitness).toEqual(witness);
    expect(rc.ClientNonce).toEqual(nonce);
    expect(rc.PinId).toBe(str(v, 'pinId'));
  },
  'connection-witness': (v) => {
    const a = v.accountProfile as { file: string; path: string[]; udf: string };
    const account = carried(at(draftJson(a.file), a.path), 'ProfileUser');
    const accountKey = publicKeyOfKeyData(account.ProfileSignature);
    expect(keyUdf(accountKey)).toBe(a.udf);
    const ack = fromJsonValue(draftJson((v.acknowledgement as { file: string }).file), 'AcknowledgeConnection') as MeshObject<'AcknowledgeConnection'>;
    const request = carried(ack.EnvelopedRequestConnection, 'RequestConnection');
    const device = carried(request.AuthenticatedData, 'ProfileDevice');
    const deviceKey = publicKeyOfKeyData(device.ProfileSignature);
    expect(keyUdf(deviceKey)).toBe(str(v, 'deviceUdf'));
    const w = connectionWitness(accountKey, ack.ServerNonce as Uint8Array, deviceKey, request.ClientNonce as Uint8Array);
    expect(w).toBe(str(v, 'witness'));
    expect(ack.Witness).toBe(w);
    expect(ack.MessageId).toBe(w);
  },
  'device-preconfiguration': (v) => {
    const record = fromJsonValue(draftJson(str(v, 'file')), 'DevicePreconfiguration') as MeshObject<'DevicePreconfiguration'>;
    const pk = record.PrivateKey as MeshObject<'PrivateKeyUDF'>;
    expect(pk.$type).toBe('PrivateKeyUDF');
    expect(pk.PrivateValue).toBe(str(v, 'seed'));
    expect(pk.KeyType).toBe(str(v, 'seedKind'));
    const seed = parseMeshSeed(pk.PrivateValue as string, str(v, 'seedKind') as MeshSeedKind);
    const profile = carried(record.EnvelopedProfileDevice, 'ProfileDevice') as Record<string, unknown>;
    for (const k of v.keys as { field: string; name: string; crv: MeshCurve; udf: string }[]) {
      const derived = privateKeyFromStandard(k.crv, deriveMeshPrivateKey(seed, k.name, k.crv));
      const printed = publicKeyOfKeyData(profile[k.field] as MeshObject<'KeyData'>, k.field);
      expect(keyUdf(derived.publicKey), k.name).toBe(k.udf);
      expect(samePublicKey(derived.publicKey, printed), k.name).toBe(true);
      expect(derived.publicKey.public, k.name).toEqual(printed.public);
      if (k.field === 'ProfileSignature') {
        // The printed self-signature (the reference's: Ed448, empty context, over the PayloadDigest) is
        // deterministic: the derived 56-byte key, SHAKE256-expanded, gives it byte for byte.
        const env = (record.EnvelopedProfileDevice as EnvelopeJson).$envelope;
        const trailer = env[2] as { PayloadDigest: string; signatures: { signature: string }[] };
        const digest = base64urlDecode(trailer.PayloadDigest);
        expect(digest).toEqual(sha512(base64urlDecode(env[1] as string)));
        expect(signWithKey(derived, digest, new Uint8Array(0))).toEqual(base64urlDecode((trailer.signatures[0] as { signature: string }).signature));
      }
    }
  },
  profile: async (v) => {
    let value = draftJson(str(v, 'file'));
    if (v.path !== undefined) value = at(value, v.path as (string | number)[]);
    const cls = str(v, 'class') as 'ProfileUser' | 'ProfileDevice';
    const profile = v.signed ? carried(value, cls) : (fromJsonValue(value, cls) as MeshObject<typeof cls>);
    expect(profile.$type).toBe(cls);
    const key = publicKeyOfKeyData(profile.ProfileSignature, 'ProfileSignature', 'Ed448');
    expect(keyUdf(key)).toBe(str(v, 'profileUdf'));
    if (!v.signed) return;
    // The reference's signature: Ed448, empty context, over the PayloadDigest (covers the payload only).
    const bytes = utf8(encodeJson(value));
    const { result } = await decodeEnvelopeBytes(bytes, { trustedSigners: [{ crv: 'Ed448', publicKey: key.public }] });
    expect(result.signatures.some((s) => s.trusted && s.status === 'valid')).toBe(true);
    const tampered = JSON.parse(encodeJson(value)) as unknown[];
    tampered[1] = (tampered[1] as string).replace(/^e/, 'f');
    await expect(decodeEnvelopeBytes(utf8(JSON.stringify(tampered)), { trustedSigners: [{ crv: 'Ed448', publicKey: key.public }] })).rejects.toThrow(/digest/);
  },
  object: (v) => {
    const value = draftJson(str(v, 'file'));
    const o = fromJsonValue(value, str(v, 'class') as ClassName);
    expect(o.$type).toBe(str(v, 'class'));
    expect(jsonEquals(toJsonValue(o), value)).toBe(true);
    expect(toJsonValue(decodeMeshObject(encodeJson(toJsonValue(o)), str(v, 'class') as ClassName))).toEqual(toJsonValue(o));
  },
};

describe('fixtures/mesh vectors', () => {
  it('has fixtures of known kinds', () => {
    expect(fixtures.length).toBeGreaterThan(0);
    for (const f of fixtures) {
      expect(Object.keys(runners), f.file).toContain(f.kind);
      expect(f.vectors.length, f.file).toBeGreaterThan(0);
    }
  });
  for (const f of fixtures) {
    describe(`${f.file} (${f.kind})`, () => {
      f.vectors.forEach((v, i) => {
        it(`${i}: ${v.source ?? String(v.file ?? '')}`, async () => {
          await runners[f.kind]?.(v);
        });
      });
    });
  }
});
