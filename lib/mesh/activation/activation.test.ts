import { describe, expect, it } from 'vitest';
import { decodeEnvelopeBytes, encodeEnvelopeBytes, utf8 } from '../../index.js';
import { errorCode } from '../../internal/error-code.test-util.js';
import { generateMeshSeed, type MeshSuite } from '../keys/seed.js';
import { montgomeryU, privateKeyFromStandard, samePublicKey, type MeshPrivateKey } from '../keys/mesh-key.js';
import { keyDataOf, publicKeyOfKeyData } from '../keys/key-data.js';
import { keyIdentity, localPart, splitIdentity } from '../keys/identity.js';
import { localSigner, signWithKey, verifyWithKey } from '../keys/signer.js';
import { seal } from '../enveloped.js';
import type { MeshObject } from '../schema/index.js';
import { createProfile } from '../profiles/profile.js';
import { STORE_LABELS, type StoreLabel } from '../labels.js';
import { ROLES, parseRole, rightsOf, type Role } from './rights.js';
import { activateDevice, type AdministeredAccount } from './device.js';
import { acceptConnection } from './accept.js';

async function account(suite: MeshSuite = '448', address = 'alice@example.com') {
  const made = await createProfile('ProfileUser', generateMeshSeed('MeshProfileAccount'), { AccountAddress: address }, { suite });
  const crv = suite === '448' ? 'X448' : 'X25519';
  const stores = new Map<StoreLabel, MeshPrivateKey>();
  for (const l of STORE_LABELS) if (l !== 'MMM_Member') stores.set(l, privateKeyFromStandard(crv, crypto.getRandomValues(new Uint8Array(crv === 'X448' ? 56 : 32))));
  const administered: AdministeredAccount = { profile: made.profile, envelope: made.envelope, held: { keys: made.keys, stores } };
  return { ...made, administered };
}

async function device(suite: MeshSuite = '448') {
  return createProfile('ProfileDevice', generateMeshSeed('MeshProfileDevice'), { Description: 'watch' }, { suite });
}

describe('rights: the role table', () => {
  it('each role grants what the brief says, and the larger roles include the smaller', () => {
    const web = rightsOf(['web']);
    expect([...web.stores].sort()).toEqual(['MMM_Application', 'MMM_Bookmark', 'MMM_Contact', 'MMM_Credential', 'MMM_Inbound', 'MMM_Network', 'MMM_Outbound', 'MMM_Publication', 'MMM_Task']);
    expect([...rightsOf(['device']).stores].sort()).toEqual(['MMM_Application', 'MMM_Network']);
    expect([...rightsOf(['message']).keys].sort()).toEqual(['AccountAuthentication', 'AccountEncryption', 'AccountSignature']);
    const admin = rightsOf(['admin']);
    for (const r of ['device', 'message', 'web'] as Role[]) {
      for (const s of ROLES[r].stores) expect(admin.stores.has(s)).toBe(true);
      for (const k of ROLES[r].keys) expect(admin.keys.has(k)).toBe(true);
    }
    expect(admin.keys.has('AdministratorSignature') && !admin.keys.has('ProfileSignature') && admin.grant).toBe(true);
    expect(rightsOf(['super']).keys.has('ProfileSignature')).toBe(true);
    const t = rightsOf(['threshold']);
    expect(t.keys.size).toBe(0);
    expect([...t.servicedKeys].sort()).toEqual(['AccountAuthentication', 'AccountEncryption', 'AccountSignature']);
    expect(rightsOf(['threshold', 'web']).servicedKeys.size).toBe(0);
    expect(parseRole('WEB')).toBe('web');
  });

  it('an unknown role is MALFORMED', async () => {
    expect(await errorCode(() => parseRole('groupmember'))).toBe('MALFORMED');
  });
});

describe('activation: the administrator connects a device, the device checks the whole chain', () => {
  for (const suite of ['448', '25519'] as const) {
    for (const role of ['device', 'message', 'web', 'admin', 'super'] as Role[]) {
      it(`${suite}, role ${role}: combined keys recomputed, rights granted as the table says`, async () => {
        const alice = await account(suite);
        const dev = await device(suite);
        const a = await activateDevice({ deviceEnvelope: dev.envelope, deviceUdf: dev.udf, account: alice.administered, roles: [role] });
        const got = await acceptConnection(a.catalogedDevice, { udf: dev.udf, keys: dev.keys }, alice.udf);
        const rights = rightsOf([role]);
        expect(Object.keys(got.account.keys).sort()).toEqual([...rights.keys].sort());
        expect([...got.account.stores.keys()].sort()).toEqual([...rights.stores].sort());
        for (const [label, k] of got.account.stores) expect(samePublicKey(k.publicKey, (alice.administered.held.stores.get(label) as MeshPrivateKey).publicKey)).toBe(true);
        // The device key is neither the base key nor the contribution.
        expect(samePublicKey(got.deviceKeys.Signature.publicKey, dev.keys.Signature.publicKey)).toBe(false);
        const sig = signWithKey(got.deviceKeys.Signature, utf8('m'), utf8('mesh/test/v1'));
        expect(verifyWithKey(publicKeyOfKeyData(a.connectionDevice.Signature), utf8('m'), sig, utf8('mesh/test/v1'))).toBe(true);
        // Senders encrypt to the certified Encryption key; the device opens with the combined key, or with its parts held apart.
        const enc = publicKeyOfKeyData(a.connectionDevice.Encryption);
        const env = await encodeEnvelopeBytes(utf8('to the device'), { recipients: [{ crv: enc.crv as 'X448', publicKey: montgomeryU(enc) }] });
        expect((await decodeEnvelopeBytes(env, { keys: [keyIdentity(got.deviceKeys.Encryption)] })).payload).toEqual(utf8('to the device'));
        // The base key alone does not open it.
        expect(await errorCode(decodeEnvelopeBytes(env, { keys: [keyIdentity(dev.keys.Encryption)] }))).toBe('NO_MATCHING_KEY');
      });
    }
  }

  it('a device can keep base and activation apart: the split identity opens what is sent to it', async () => {
    const alice = await account();
    const dev = await device();
    const a = await activateDevice({ deviceEnvelope: dev.envelope, deviceUdf: dev.udf, account: alice.administered, roles: ['web'] });
    const got = await acceptConnection(a.catalogedDevice, { udf: dev.udf, keys: dev.keys }, alice.udf);
    const enc = publicKeyOfKeyData(a.connectionDevice.Encryption);
    const { privateKeyFromScalar } = await import('../keys/mesh-key.js');
    const { splitScalar } = await import('../../crypto/index.js');
    const parts = splitScalar('X448', got.deviceKeys.Encryption.scalar, 2).map((s) => privateKeyFromScalar('X448', s));
    const env = await encodeEnvelopeBytes(utf8('x'), { recipients: [{ crv: 'X448', publicKey: montgomeryU(enc) }] });
    const id = splitIdentity(enc, parts.map(localPart));
    expect((await decodeEnvelopeBytes(env, { keys: [id] })).payload).toEqual(utf8('x'));
  });

  it('the administrator refuses a device profile that is not the pinned one, and roles it cannot grant', async () => {
    const alice = await account();
    const dev = await device();
    const other = await device();
    expect(await errorCode(activateDevice({ deviceEnvelope: dev.envelope, deviceUdf: other.udf, account: alice.administered, roles: ['web'] }))).toBe('SIGNATURE_INVALID');
    expect(await errorCode(activateDevice({ deviceEnvelope: dev.envelope, deviceUdf: dev.udf, account: alice.administered, roles: ['threshold'] }))).toBe('CONFLICT');
    const noAdmin = { ...alice.administered, held: { ...alice.administered.held, keys: { AccountEncryption: alice.keys.AccountEncryption } } };
    expect(await errorCode(activateDevice({ deviceEnvelope: dev.envelope, deviceUdf: dev.udf, account: noAdmin, roles: ['device'] }))).toBe('NO_MATCHING_KEY');
    const noProfileKey = { ...alice.administered, held: { ...alice.administered.held, keys: { ...alice.keys, ProfileSignature: undefined } } };
    expect(await errorCode(activateDevice({ deviceEnvelope: dev.envelope, deviceUdf: dev.udf, account: noProfileKey, roles: ['super'] }))).toBe('NO_MATCHING_KEY');
  });

  describe('attacks on the device side', () => {
    async function setup() {
      const alice = await account();
      const mallory = await account('448', 'mallory@example.com');
      const dev = await device();
      const a = await activateDevice({ deviceEnvelope: dev.envelope, deviceUdf: dev.udf, account: alice.administered, roles: ['web'] });
      const self = { udf: dev.udf, keys: dev.keys };
      return { alice, mallory, dev, a, self };
    }

    it('an entry made by another account (every signature valid, but not the pinned account)', async () => {
      const { alice, mallory, dev, self } = await setup();
      const m = await activateDevice({ deviceEnvelope: dev.envelope, deviceUdf: dev.udf, account: mallory.administered, roles: ['web'] });
      expect(await errorCode(acceptConnection(m.catalogedDevice, self, alice.udf))).toBe('SIGNATURE_INVALID');
    });

    it('the pinned profile with another account\'s connection, activation or account grant', async () => {
      const { alice, mallory, dev, a, self } = await setup();
      const m = await activateDevice({ deviceEnvelope: dev.envelope, deviceUdf: dev.udf, account: mallory.administered, roles: ['web'] });
      for (const f of ['EnvelopedConnectionDevice', 'EnvelopedActivationDevice', 'EnvelopedActivationAccount', 'EnvelopedConnectionAddress'] as const) {
        const forged = { ...a.catalogedDevice, [f]: m.catalogedDevice[f] };
        // Mallory's grant is also encrypted to another key: it does not even open.
        const want = f === 'EnvelopedActivationAccount' ? 'NO_MATCHING_KEY' : 'SIGNATURE_INVALID';
        expect(await errorCode(acceptConnection(forged, self, alice.udf)), f).toBe(want);
      }
      // Encrypted to this device's key (which a service sees in the connection) but signed by Mallory.
      const grant = await seal(m.activationAccount, { signer: localSigner(mallory.keys.AdministratorSignature), recipients: [a.deviceKeys.Encryption] });
      expect(await errorCode(acceptConnection({ ...a.catalogedDevice, EnvelopedActivationAccount: grant }, self, alice.udf))).toBe('SIGNATURE_INVALID');
    });

    it('a connection certifying keys that are not base + activation (a substituted key)', async () => {
      const { alice, a, self } = await setup();
      const rogue = privateKeyFromStandard('X448', crypto.getRandomValues(new Uint8Array(56)));
      const signer = localSigner(alice.keys.AdministratorSignature);
      const bad: MeshObject<'ConnectionDevice'> = { ...a.connectionDevice, Encryption: keyDataOf(rogue.publicKey) };
      const forged = { ...a.catalogedDevice, EnvelopedConnectionDevice: await seal(bad, { signer }) };
      expect(await errorCode(acceptConnection(forged, self, alice.udf))).toBe('KEY_INVALID');
    });

    it('a grant of a key that is not the account\'s, an entry for another device, another device\'s profile', async () => {
      const { alice, dev, a, self } = await setup();
      const signer = localSigner(alice.keys.AdministratorSignature);
      const rogue = privateKeyFromStandard('X448', crypto.getRandomValues(new Uint8Array(56)));
      const { privateKeyDataOf } = await import('../keys/key-data.js');
      const grant: MeshObject<'ActivationAccount'> = { ...a.activationAccount, AccountEncryption: privateKeyDataOf(rogue) };
      const forged = { ...a.catalogedDevice, EnvelopedActivationAccount: await seal(grant, { signer, recipients: [a.deviceKeys.Encryption] }) };
      expect(await errorCode(acceptConnection(forged, self, alice.udf))).toBe('KEY_INVALID');
      const other = await device();
      expect(await errorCode(acceptConnection({ ...a.catalogedDevice, DeviceUdf: other.udf }, self, alice.udf))).toBe('MISMATCH');
      expect(await errorCode(acceptConnection({ ...a.catalogedDevice, EnvelopedProfileDevice: other.envelope }, self, alice.udf))).toBe('SIGNATURE_INVALID');
      // The entry is for this device, but this is another device with its own keys.
      expect(await errorCode(acceptConnection(a.catalogedDevice, { udf: other.udf, keys: other.keys }, alice.udf))).toBe('MISMATCH');
      expect(dev.udf).not.toBe(other.udf);
    });

    it('an activation another device cannot open (encrypted to this device only)', async () => {
      const { alice, a } = await setup();
      const other = await device();
      const wrongKeys = { udf: JSON.parse(JSON.stringify(a.catalogedDevice.DeviceUdf)) as string, keys: other.keys };
      expect(['MISMATCH', 'NO_MATCHING_KEY']).toContain(await errorCode(acceptConnection(a.catalogedDevice, wrongKeys, alice.udf)));
    });
  });
});
