import { describe, expect, it } from 'vitest';
import { base64urlDecode, base64urlEncode, decodeJson, encodeEnvelopeBytes, encodeJson } from '../../index.js';
import { errorCode } from '../../internal/error-code.test-util.js';
import { at, draftJson } from '../draft.test-util.js';
import type { JsonValue as JsonValueLike } from '../../index.js';
import type { EnvelopeJson } from '../schema/index.js';
import { generateMeshSeed, parseMeshSeed } from '../keys/seed.js';
import { keyUdf } from '../keys/mesh-key.js';
import { coreSigner, localSigner } from '../keys/signer.js';
import { decodeMeshObject, encodeMeshObject, meshObject } from '../schema/index.js';
import { seal, open } from '../enveloped.js';
import { createProfile, openProfile, profileUdf, type ProfileClass } from './profile.js';

const ZAAQ = 'ZAAQ-AO3M-SYLX-X7ET-MZHC-BURC-V2OE-ZWUX-ZWPF-KAL4-6C3G-6IPV-2D76-MT4N';

function envArray(env: EnvelopeJson): JsonValueLike[] {
  return JSON.parse(encodeJson(env.$envelope as never)) as JsonValueLike[];
}

describe('profiles: create from a seed, self-sign, open against the expected UDF', () => {
  it('the schema §9.2 seed gives the printed ProfileDevice: same object, and in the reference layout the same payload bytes', async () => {
    const made = await createProfile('ProfileDevice', parseMeshSeed(ZAAQ), {});
    expect(made.udf).toBe('MC6H-2IFS-4OXA-U2YQ-QZ6Y-RZWX-JC3Q');
    const printed = base64urlDecode(at(draftJson('draft/schema-9.2-device-preconfiguration.txt'), ['DevicePreconfiguration', 'EnvelopedProfileDevice', 1]) as string);
    expect(decodeMeshObject(printed, 'ProfileDevice')).toEqual(made.profile);
    expect(new TextDecoder().decode(encodeMeshObject(made.profile, { layout: 'reference' }))).toBe(new TextDecoder().decode(printed));
  });

  const cases: [ProfileClass, Parameters<typeof generateMeshSeed>[0], object][] = [
    ['ProfileDevice', 'MeshProfileDevice', { Description: 'coffee pot' }],
    ['ProfileHost', 'MeshProfileDevice', {}],
    ['ProfileUser', 'MeshProfileAccount', { AccountAddress: 'alice@example.com', ServiceUdf: 'MBBY-E4VA-CMWF-52T7-ESLA-PGNT-CNNX' }],
    ['ProfileGroup', 'MeshProfileAccount', { AccountAddress: 'groupw@example.com' }],
    ['ProfileService', 'MeshProfileService', {}],
  ];
  for (const [cls, kind, fields] of cases) {
    it(`${cls}: opens with its own UDF, is refused under another`, async () => {
      const made = await createProfile(cls, generateMeshSeed(kind), fields as never);
      expect(profileUdf(made.profile)).toBe(made.udf);
      const opened = await openProfile(made.envelope, cls, made.udf);
      expect(opened.legacy).toBe(false);
      expect(opened.profile).toEqual(made.profile);
      const other = await createProfile(cls, generateMeshSeed(kind), fields as never);
      expect(await errorCode(openProfile(made.envelope, cls, other.udf))).toBe('SIGNATURE_INVALID');
      expect(await errorCode(openProfile(made.envelope, cls, made.udf.slice(0, 14)))).toBe('SIGNATURE_INVALID');
    });
  }

  it('ProfileUser keys: every account key is derived, none equal', async () => {
    const made = await createProfile('ProfileUser', generateMeshSeed('MeshProfileAccount'), { AccountAddress: 'a@example.com' });
    const udfs = Object.values(made.keys).map((k) => keyUdf(k.publicKey));
    expect(new Set(udfs).size).toBe(6);
    expect(made.keys.AccountEncryption.crv).toBe('X448');
    expect(made.keys.AdministratorSignature.crv).toBe('Ed448');
    const u25519 = await createProfile('ProfileUser', generateMeshSeed('MeshProfileAccount'), {}, { suite: '25519' });
    expect(u25519.keys.AccountEncryption.crv).toBe('X25519');
    expect(await openProfile(u25519.envelope, 'ProfileUser', u25519.udf)).toBeTruthy();
  });

  it('refuses a profile carrying the victim\'s key but signed by another', async () => {
    const victim = await createProfile('ProfileUser', generateMeshSeed('MeshProfileAccount'), { AccountAddress: 'alice@example.com' });
    const mallory = await createProfile('ProfileUser', generateMeshSeed('MeshProfileAccount'), {});
    const forged = await seal({ ...victim.profile, AccountAddress: 'mallory@example.com' }, { signer: localSigner(mallory.keys.ProfileSignature) });
    expect(await errorCode(openProfile(forged, 'ProfileUser', victim.udf))).toBe('SIGNATURE_INVALID');
  });

  it('refuses a changed payload, a class other than the expected one, and a signature made for another type', async () => {
    const made = await createProfile('ProfileDevice', generateMeshSeed('MeshProfileDevice'), {});
    const arr = envArray(made.envelope);
    const changed = JSON.parse(new TextDecoder().decode(base64urlDecode(arr[1] as string))) as { ProfileDevice: Record<string, unknown> };
    changed.ProfileDevice.Description = 'changed';
    const tampered = { $envelope: [arr[0], base64urlEncode(new TextEncoder().encode(JSON.stringify(changed))), arr[2]] } as EnvelopeJson;
    expect(['DIGEST_MISMATCH', 'SIGNATURE_INVALID']).toContain(await errorCode(openProfile(tampered, 'ProfileDevice', made.udf)));
    // The same bytes expected as a host profile: not a ProfileHost.
    expect(await errorCode(openProfile(made.envelope, 'ProfileHost', made.udf))).toBe('MALFORMED');
    // A ProfileDevice payload signed for the purpose of ProfileHost (a class the caller would accept) does not open.
    const relabelled = await encodeEnvelopeBytes(base64urlDecode(arr[1] as string), {
      encoding: 'json', signers: [coreSigner(localSigner(made.keys.ProfileSignature))], purpose: 'mesh/ProfileHost/v1',
      contentMeta: { contentType: 'application/mmm/object', other: { UniqueId: made.udf, MessageType: 'ProfileDevice' } },
    });
    const env = { $envelope: decodeJson(new TextDecoder().decode(relabelled)) } as EnvelopeJson;
    expect(await errorCode(openProfile(env, 'ProfileDevice', made.udf))).toBe('SIGNATURE_INVALID');
    // Signed as a ProfileDevice, expected as an account profile.
    expect(await errorCode(open(made.envelope, { expect: 'ProfileUser', signers: [made.keys.ProfileSignature.publicKey] }))).toBe('SIGNATURE_INVALID');
  });

  it('metadata that disagrees with the signed payload is refused', async () => {
    const made = await createProfile('ProfileDevice', generateMeshSeed('MeshProfileDevice'), {});
    const arr = envArray(made.envelope);
    const header = arr[0] as { ContentMetaData: string };
    const meta = JSON.parse(new TextDecoder().decode(base64urlDecode(header.ContentMetaData))) as Record<string, string>;
    for (const [k, v] of [['MessageType', 'ProfileHost'], ['UniqueId', 'MA6J-3TFO-COXV-TPNF-COAF-DLZO-L7OZ'], ['cty', 'text/plain']]) {
      const h = { ...header, ContentMetaData: base64urlEncode(new TextEncoder().encode(JSON.stringify({ ...meta, [k as string]: v }))) };
      expect(await errorCode(openProfile({ $envelope: [h, arr[1], arr[2]] } as EnvelopeJson, 'ProfileDevice', made.udf)), k).toBe('SIGNATURE_INVALID');
    }
    const h = { ...header, EnvelopeId: 'MA6J-3TFO-COXV-TPNF-COAF-DLZO-L7OZ' };
    expect(await errorCode(openProfile({ $envelope: [h, arr[1], arr[2]] } as EnvelopeJson, 'ProfileDevice', made.udf))).toBe('SIGNATURE_INVALID');
  });

  it('the drafts\' printed profiles open only when legacy signatures are accepted, and say so', async () => {
    const env = { $envelope: at(draftJson('draft/protocol-9.1.2-connect-response.txt'), ['ConnectResponse', 'EnvelopedProfileAccount']) } as EnvelopeJson;
    expect(await errorCode(openProfile(env, 'ProfileUser', 'MC44-IZC3-IWZT-VCVZ-L2AG-HI4E-LOV2'))).toBe('SIGNATURE_INVALID');
    const opened = await openProfile(env, ['ProfileUser', 'ProfileGroup'], 'MC44-IZC3-IWZT-VCVZ-L2AG-HI4E-LOV2', { acceptLegacy: true });
    expect(opened.legacy).toBe(true);
    expect(opened.profile.$type).toBe('ProfileUser');
  });

  it('a signed object opens only against the signer expected', async () => {
    const admin = await createProfile('ProfileUser', generateMeshSeed('MeshProfileAccount'), {});
    const entry = meshObject('CatalogedBookmark', { Uri: 'https://example.com', Title: 'x' });
    const env = await seal(entry, { signer: localSigner(admin.keys.AccountSignature) });
    expect((await open(env, { expect: 'CatalogedBookmark', signers: [admin.keys.AccountSignature.publicKey] })).object.Uri).toBe('https://example.com');
    expect(await errorCode(open(env, { expect: 'CatalogedBookmark', signers: [admin.keys.AdministratorSignature.publicKey] }))).toBe('SIGNATURE_INVALID');
    expect(await errorCode(open(env, { expect: 'CatalogedCredential', signers: [admin.keys.AccountSignature.publicKey] }))).toBe('SIGNATURE_INVALID');
  });
});
