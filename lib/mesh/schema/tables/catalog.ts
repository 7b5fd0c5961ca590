/**
 * Catalog entries, cryptographic capabilities and the device preconfiguration record
 * (draft-hallambaker-mesh-schema-08 §10.4, §10.5). CatalogedDevice writes
 * EnvelopedConnectionDevice, the name the reference generator of the drafts writes; the
 * §10.4.2 prose name EnvelopedConnectionUser is read as an alias (docs/MESH.md §2).
 * @module
 */
import { B, DT, ENVELOPE, S, enveloped, list, struct, tagged } from '../kinds.js';

export const CATALOG_CLASSES = {
  CatalogedEntry: { abstract: true, fields: { Labels: list(S) } },
  CatalogedDevice: {
    parent: 'CatalogedEntry',
    fields: {
      Udf: S, DeviceUdf: S, SignatureUdf: S, EnvelopedProfileUser: enveloped('ProfileAccount'),
      EnvelopedProfileDevice: enveloped('ProfileDevice'), EnvelopedConnectionAddress: enveloped('ConnectionAddress'),
      EnvelopedConnectionDevice: enveloped('ConnectionDevice'), EnvelopedActivationDevice: enveloped('ActivationDevice'),
      EnvelopedActivationAccount: enveloped('ActivationAccount'),
      EnvelopedActivationApplication: list(enveloped('ActivationApplication')),
    },
    aliases: { EnvelopedConnectionUser: 'EnvelopedConnectionDevice' },
  },
  CatalogedPublication: { parent: 'CatalogedEntry', fields: { Id: S, Authenticator: S, EnvelopedData: ENVELOPE, NotOnOrAfter: DT } },
  CatalogedCredential: { parent: 'CatalogedEntry', fields: { Protocol: S, Service: S, Username: S, Password: S } },
  CatalogedNetwork: { parent: 'CatalogedEntry', fields: { Protocol: S, Service: S, Username: S, Password: S } },
  CatalogedContact: { parent: 'CatalogedEntry', fields: { Key: S, Self: B, Contact: tagged('Contact') } },
  CatalogedAccess: { parent: 'CatalogedEntry', fields: { Capability: tagged('CryptographicCapability') } },
  CatalogedBookmark: { parent: 'CatalogedEntry', fields: { Uri: S, Title: S, Path: S } },
  CatalogedTask: { parent: 'CatalogedEntry', fields: { EnvelopedTask: enveloped('Task'), Title: S, Key: S } },
  CatalogedApplication: { parent: 'CatalogedEntry', fields: { Key: S, EnvelopedCapabilities: list(ENVELOPE) } },
  CatalogedMember: { parent: 'CatalogedEntry', fields: { ContactAddress: S, MemberCapabilityId: S, ServiceCapabilityId: S } },
  CatalogedGroup: {
    parent: 'CatalogedApplication',
    fields: {
      EnvelopedConnectionAddress: enveloped('ConnectionAddress'), EnvelopedProfileGroup: enveloped('ProfileAccount'),
      EnvelopedActivationAccount: enveloped('ActivationAccount'),
    },
  },
  CatalogedApplicationSSH: { parent: 'CatalogedApplication', fields: {} },
  CatalogedApplicationMail: { parent: 'CatalogedApplication', fields: {} },
  CatalogedApplicationNetwork: { parent: 'CatalogedApplication', fields: {} },

  CryptographicCapability: {
    abstract: true,
    fields: {
      Id: S, KeyData: struct('KeyData'), EnvelopedKeyShares: list(enveloped('KeyData')), SubjectId: S, SubjectAddress: S,
    },
  },
  CapabilityDecrypt: { parent: 'CryptographicCapability', fields: {} },
  CapabilityDecryptPartial: { parent: 'CapabilityDecrypt', fields: { ServiceId: S, ServiceAddress: S } },
  CapabilityDecryptServiced: { parent: 'CapabilityDecrypt', fields: { AuthenticationId: S } },
  CapabilitySign: { parent: 'CryptographicCapability', fields: {} },
  CapabilityKeyGenerate: { parent: 'CryptographicCapability', fields: {} },
  CapabilityFairExchange: { parent: 'CryptographicCapability', fields: {} },

  DevicePreconfiguration: {
    fields: {
      EnvelopedProfileDevice: enveloped('ProfileDevice'), EnvelopedConnectionDevice: enveloped('ConnectionDevice'),
      PrivateKey: tagged('Key'), ConnectUri: S,
    },
  },
} as const;
