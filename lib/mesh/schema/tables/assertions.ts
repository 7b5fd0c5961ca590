/**
 * Assertions: profiles, connections and activations (draft-hallambaker-mesh-schema-08
 * §10.2). Field names follow the drafts' printed examples where the §10 prose differs
 * (docs/MESH.md §2): ProfileDevice has Encryption/Signature/Authentication (prose
 * Base*), Connection has Subject/Authority/Authentication and ConnectionDevice
 * Account/Signature/Encryption (prose AccountAddress, Device*), ProfileHost is a
 * ProfileDevice. The prose names are read as aliases.
 * @module
 */
import { DT, S, list, struct, tagged } from '../kinds.js';

export const ASSERTION_CLASSES = {
  Assertion: { abstract: true, fields: { Names: list(S), Updated: DT, NotaryToken: S, Conditions: tagged('Condition') } },
  Condition: { abstract: true, fields: {} },

  Profile: { abstract: true, parent: 'Assertion', fields: { ProfileSignature: struct('KeyData') } },
  ProfileDevice: {
    parent: 'Profile',
    fields: { Description: S, Encryption: struct('KeyData'), Signature: struct('KeyData'), Authentication: struct('KeyData') },
    aliases: { BaseEncryption: 'Encryption', BaseSignature: 'Signature', BaseAuthentication: 'Authentication' },
  },
  ProfileAccount: {
    abstract: true,
    parent: 'Profile',
    fields: {
      AccountAddress: S, ServiceUdf: S, EscrowEncryption: struct('KeyData'), AccountEncryption: struct('KeyData'),
      AdministratorSignature: struct('KeyData'),
    },
  },
  ProfileUser: { parent: 'ProfileAccount', fields: { AccountAuthentication: struct('KeyData'), AccountSignature: struct('KeyData') } },
  ProfileGroup: { parent: 'ProfileAccount', fields: {} },
  ProfileService: {
    parent: 'Profile',
    fields: { ServiceAuthentication: struct('KeyData'), ServiceEncryption: struct('KeyData'), ServiceSignature: struct('KeyData') },
  },
  ProfileHost: { parent: 'ProfileDevice', fields: {} },

  Connection: {
    abstract: true,
    parent: 'Assertion',
    fields: { Subject: S, Authority: S, Authentication: struct('KeyData') },
    aliases: { SubjectUdf: 'Subject', AuthorityUdf: 'Authority' },
  },
  /** The stripped connection (Account, Subject, Authority, Authentication) the service reads. */
  ConnectionAddress: { parent: 'Connection', fields: { Account: S } },
  ConnectionDevice: {
    parent: 'Connection',
    fields: { Account: S, Signature: struct('KeyData'), Encryption: struct('KeyData') },
    aliases: {
      AccountAddress: 'Account', DeviceSignature: 'Signature', DeviceEncryption: 'Encryption', DeviceAuthentication: 'Authentication',
    },
  },
  ConnectionApplication: { parent: 'Connection', fields: {} },
  ConnectionGroup: { parent: 'Connection', fields: {} },
  ConnectionService: { parent: 'Connection', fields: {} },
  ConnectionHost: { parent: 'Connection', fields: {} },

  Activation: { abstract: true, parent: 'Assertion', fields: { ActivationKey: S, Entries: list(struct('ActivationEntry')) } },
  ActivationEntry: { fields: { Resource: S, Key: struct('KeyData') } },
  ActivationDevice: { parent: 'Activation', fields: { AccountUdf: S } },
  ActivationHost: { parent: 'ActivationDevice', fields: {} },
  ActivationAccount: {
    parent: 'Activation',
    fields: {
      ProfileSignature: struct('KeyData'), AdministratorSignature: struct('KeyData'), AccountEncryption: struct('KeyData'),
      AccountAuthentication: struct('KeyData'), AccountSignature: struct('KeyData'),
    },
  },
  ActivationApplication: { parent: 'Activation', fields: {} },
} as const;
