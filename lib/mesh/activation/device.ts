/**
 * Connecting a device to an account, administrator side (draft-hallambaker-mesh-schema-08
 * §3.2.1, §8.2.2.2; mesh-cryptography-08 §4.5.1, §5; mesh brief §1.3, §2.2 step 5):
 *
 * 1. The device's profile is opened against the UDF the administrator pinned (from the
 *    witness or the PIN flow) before any contribution is chosen: the contribution is fresh
 *    and drawn only after an authenticated device key is seen (no rogue key,
 *    threshold-06 §7.2).
 * 2. An activation seed (MeshActivationDevice) derives the contribution m of each key; the
 *    device key is the key combination law's sum: Encryption, Signature and Authentication
 *    each = base key + contribution (Edwards or signed Montgomery addition).
 * 3. ConnectionDevice {Subject = device UDF, Authority = account UDF, Account, the three
 *    combined public keys} and its stripped copy ConnectionAddress are signed by the
 *    account's AdministratorSignature key; ActivationDevice {ActivationKey = the seed,
 *    AccountUdf} is signed by it and encrypted to the device's base Encryption key;
 *    ActivationAccount (the rights of the roles) is signed by it and encrypted to the
 *    combined Encryption key.
 * 4. CatalogedDevice holds all of them, with the account's and the device's profiles.
 * @module
 */
import { DareError } from '../../index.js';
import type { EnvelopeJson, MeshObject } from '../schema/index.js';
import { keyDataOf, publicKeyOfKeyData } from '../keys/key-data.js';
import { combinePublicKeys, keyUdf, type MeshPrivateKey, type MeshPublicKey } from '../keys/mesh-key.js';
import { generateMeshSeed, type MeshSeed, type MeshSuite } from '../keys/seed.js';
import { localSigner, type MeshSigner } from '../keys/signer.js';
import { seal } from '../enveloped.js';
import { openProfile, profileUdf } from '../profiles/profile.js';
import { deriveScheduledKeys } from '../profiles/key-schedule.js';
import { buildActivationAccount, type AccountKeys } from './account.js';
import { rightsOf, type Role } from './rights.js';

/** The account side of a connection: its signed profile and what this administrator holds. */
export interface AdministeredAccount {
  readonly profile: MeshObject<'ProfileUser'>;
  readonly envelope: EnvelopeJson<'ProfileUser'>;
  /** The account keys and store keys this device holds; AdministratorSignature is required. */
  readonly held: AccountKeys;
}

export interface ActivateDeviceInput {
  /** The device's signed profile, as it arrived (RequestConnection.AuthenticatedData). */
  readonly deviceEnvelope: EnvelopeJson;
  /** The device UDF the administrator pinned (compared with the witness, a PIN, or a QR code). */
  readonly deviceUdf: string;
  readonly account: AdministeredAccount;
  readonly roles: readonly Role[];
  /** The activation seed (default: a fresh one). */
  readonly activationSeed?: MeshSeed;
  readonly created?: Date;
}

export interface DeviceActivation {
  readonly catalogedDevice: MeshObject<'CatalogedDevice'>;
  readonly connectionDevice: MeshObject<'ConnectionDevice'>;
  readonly connectionAddress: MeshObject<'ConnectionAddress'>;
  readonly activationDevice: MeshObject<'ActivationDevice'>;
  readonly activationAccount: MeshObject<'ActivationAccount'>;
  /** The device's combined public keys. */
  readonly deviceKeys: { readonly Encryption: MeshPublicKey; readonly Signature: MeshPublicKey; readonly Authentication: MeshPublicKey };
}

const FIELDS = ['Encryption', 'Signature', 'Authentication'] as const;

function suiteOf(k: MeshPublicKey): MeshSuite {
  return k.crv === 'X448' || k.crv === 'Ed448' ? '448' : '25519';
}

/** The stripped connection the service reads (Account, Subject, Authority, Authentication). */
export function stripConnection(c: MeshObject<'ConnectionDevice'>): MeshObject<'ConnectionAddress'> {
  return { $type: 'ConnectionAddress', Subject: c.Subject, Authority: c.Authority, Account: c.Account, Authentication: c.Authentication };
}

/** Builds, signs and encrypts everything a device needs to join the account (module comment). */
export async function activateDevice(input: ActivateDeviceInput): Promise<DeviceActivation> {
  const { account } = input;
  const admin = account.held.keys.AdministratorSignature;
  if (admin === undefined) throw new DareError('NO_MATCHING_KEY', 'connecting a device needs the AdministratorSignature key');
  const accountUdf = profileUdf(account.profile);
  const adminPublic = publicKeyOfKeyData(account.profile.AdministratorSignature, 'AdministratorSignature');
  if (keyUdf(adminPublic) !== keyUdf(admin.publicKey)) throw new DareError('KEY_INVALID', 'the administrator key held is not the account\'s AdministratorSignature');
  const rights = rightsOf(input.roles);
  const activationAccount = buildActivationAccount(rights, account.held);

  const { profile: device } = await openProfile(input.deviceEnvelope, ['ProfileDevice', 'ProfileHost'], input.deviceUdf);
  const deviceUdf = profileUdf(device);
  const base = {
    Encryption: publicKeyOfKeyData(device.Encryption, 'device Encryption', ['X25519', 'X448']),
    Signature: publicKeyOfKeyData(device.Signature, 'device Signature', ['Ed25519', 'Ed448']),
    Authentication: publicKeyOfKeyData(device.Authentication, 'device Authentication', ['X25519', 'X448']),
  };
  const suite = suiteOf(base.Encryption);
  if (suiteOf(base.Signature) !== suite || suiteOf(base.Authentication) !== suite) throw new DareError('KEY_INVALID', 'device keys are on different curve families');

  const seed = input.activationSeed ?? generateMeshSeed('MeshActivationDevice');
  const contribution = deriveScheduledKeys(device.$type === 'ProfileHost' ? 'ActivationHost' : 'ActivationDevice', seed, suite);
  const combined = {} as Record<(typeof FIELDS)[number], MeshPublicKey>;
  for (const f of FIELDS) combined[f] = combinePublicKeys(base[f].crv, [base[f], (contribution[f] as MeshPrivateKey).publicKey]);

  const connectionDevice: MeshObject<'ConnectionDevice'> = {
    $type: 'ConnectionDevice', Subject: deviceUdf, Authority: accountUdf, Authentication: keyDataOf(combined.Authentication),
    Account: account.profile.AccountAddress, Signature: keyDataOf(combined.Signature), Encryption: keyDataOf(combined.Encryption),
  };
  const connectionAddress = stripConnection(connectionDevice);
  const activationDevice: MeshObject<'ActivationDevice'> = { $type: 'ActivationDevice', ActivationKey: seed.udf, AccountUdf: accountUdf };

  const signer: MeshSigner = localSigner(admin);
  const created = input.created;
  const catalogedDevice: MeshObject<'CatalogedDevice'> = {
    $type: 'CatalogedDevice',
    Udf: keyUdf(combined.Signature),
    DeviceUdf: deviceUdf,
    SignatureUdf: keyUdf(admin.publicKey),
    EnvelopedProfileUser: account.envelope,
    EnvelopedProfileDevice: input.deviceEnvelope as EnvelopeJson<'ProfileDevice'>,
    EnvelopedConnectionAddress: await seal(connectionAddress, { signer, created }),
    EnvelopedConnectionDevice: await seal(connectionDevice, { signer, created }),
    EnvelopedActivationDevice: await seal(activationDevice, { signer, created, recipients: [base.Encryption] }),
    EnvelopedActivationAccount: await seal(activationAccount, { signer, created, recipients: [combined.Encryption] }),
  };
  return { catalogedDevice, connectionDevice, connectionAddress, activationDevice, activationAccount, deviceKeys: combined };
}
