/**
 * The public door of the Mathematical Mesh layer (docs/MESH.md): Mesh objects and their
 * tagged JSON (draft-hallambaker-mesh-schema-08 §10), seeds and keys (§6.1, §9.2;
 * mesh-cryptography-08 §4-6), objects in signed envelopes, profiles, device activation and
 * the role table, and the message identifiers (MakeID, PINs, witnesses). It stands on the
 * DARE core's doors only (lib/index.ts, lib/crypto/index.ts).
 * @module
 */
export * from './schema/index.js';

// Keys (lib/mesh/keys)
export {
  MESH_SEED_SPEC, generateMeshSeed, parseMeshSeed, keyName, curveOf, deriveMeshPrivateKey, derivedKeyLength,
} from './keys/seed.js';
export type { MeshSeed, MeshSeedKind, MeshKeyType, MeshActor, MeshKeyOperation, MeshCurve, MeshSuite } from './keys/seed.js';
export {
  publicKeyOfScalar, privateKeyFromStandard, privateKeyFromScalar, checkPublicKey, keyUdf, montgomeryU, samePublicKey,
  combinePublicKeys, combinePrivateKeys, wipePrivateKey, isSignatureCurve,
} from './keys/mesh-key.js';
export type { MeshPublicKey, MeshPrivateKey, PrivateForm } from './keys/mesh-key.js';
export { keyDataOf, privateKeyDataOf, publicKeyOfKeyData, privateKeyOfKeyData } from './keys/key-data.js';
export type { KeyData } from './keys/key-data.js';
export { localSigner, signWithKey, verifyWithKey } from './keys/signer.js';
export type { MeshSigner } from './keys/signer.js';
export { keyIdentity, splitIdentity, localPart } from './keys/identity.js';
export type { PartialAgreement } from './keys/identity.js';

// Objects in envelopes
export { seal, open, peek, meshPurpose, uniqueIdOf, envelopeBytes, MESH_OBJECT_CONTENT_TYPE } from './enveloped.js';
export type { SealOptions, OpenOptions, Opened } from './enveloped.js';

// Profiles
export { createProfile, openProfile, profileUdf, profileSignatureKey } from './profiles/profile.js';
export type { ProfileClass, ProfileFields, CreatedProfile, CreateProfileOptions, OpenedProfile, OpenProfileOptions } from './profiles/profile.js';
export { KEY_SCHEDULES, deriveScheduledKeys } from './profiles/key-schedule.js';
export type { KeySchedule, ScheduleName, ScheduledKeys } from './profiles/key-schedule.js';

// Stores, roles and device activation
export { CATALOG_LABELS, SPOOL_LABELS, STORE_LABELS, storeLabel, isSpool } from './labels.js';
export type { CatalogLabel, SpoolLabel, StoreLabel } from './labels.js';
export { ROLES, ROLE_NAMES, ACCOUNT_KEY_NAMES, parseRole, rightsOf } from './activation/rights.js';
export type { Role, RoleDefinition, Rights, AccountKeyName } from './activation/rights.js';
export { buildActivationAccount, readActivationAccount } from './activation/account.js';
export type { AccountKeys } from './activation/account.js';
export { activateDevice, stripConnection } from './activation/device.js';
export type { AdministeredAccount, ActivateDeviceInput, DeviceActivation } from './activation/device.js';
export { acceptConnection } from './activation/accept.js';
export type { DeviceSelf, AcceptedConnection, AcceptOptions } from './activation/accept.js';

// Message identifiers
export { makeId, envelopeId, responseId, newMessageId, ENVELOPE_ID_CONTENT_TYPE, RESPONSE_ID_CONTENT_TYPE } from './messages/ids.js';
export { saltedPin, pinId, pinWitness, checkPinWitness, generatePin, PIN_ACTION } from './messages/pin.js';
export type { PinAction } from './messages/pin.js';
export { connectionWitness, witnessMatches, profileKeyBinary } from './messages/witness.js';

// The device's home: host catalog, key store, accounts and their catalogs, escrow (lib/mesh/home)
export * from './home/index.js';

// The Mesh Service's store (lib/mesh/store): the interface, and the embedded driver (files under a root)
export type {
  AccountStore, AccountEntry, AccountKind, AccountStatus, ContainerHead, ContainerState, ContainerAppend, TransactOutcome, ReadLimits, FramePage, StoreStatus,
} from './store/store.js';
export { openEmbeddedStore, canonicalAddress, checkProfileUdf } from './store/embedded.js';
export type { EmbeddedStoreOptions } from './store/embedded.js';

// The Mesh Service (docs/PROTOCOL.md; lib/mesh/service)
export * from './service/index.js';

// Its client (lib/mesh/client)
export * from './client/index.js';
