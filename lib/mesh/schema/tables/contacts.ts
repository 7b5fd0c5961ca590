/**
 * Contacts and the data structures catalog entries hold (draft-hallambaker-mesh-schema-08
 * §10.3): contacts with their anchors, network addresses, names and locations, bookmarks,
 * references and tasks.
 * @module
 */
import { B, BIN, DT, F, S, enveloped, list, struct, tagged } from '../kinds.js';

export const CONTACT_CLASSES = {
  Contact: {
    abstract: true,
    parent: 'Assertion',
    fields: {
      Id: S, Anchors: list(struct('Anchor')), NetworkAddresses: list(struct('NetworkAddress')), Locations: list(struct('Location')),
      Roles: list(struct('Role')), Bookmark: list(struct('Bookmark')), Sources: list(struct('TaggedSource')),
    },
  },
  Anchor: { fields: { Udf: S, Validation: S } },
  TaggedSource: { fields: { LocalName: S, Validation: S, BinarySource: BIN, EnvelopedSource: enveloped('Contact') } },
  ContactGroup: { parent: 'Contact', fields: {} },
  ContactPerson: { parent: 'Contact', fields: { CommonNames: list(struct('PersonName')) } },
  ContactOrganization: { parent: 'Contact', fields: { CommonNames: list(struct('OrganizationName')) } },
  OrganizationName: { fields: { Inactive: B, RegisteredName: S, DBA: S } },
  PersonName: {
    fields: { Inactive: B, FullName: S, Prefix: S, First: S, Middle: list(S), Last: S, Suffix: S, PostNominal: S },
  },
  NetworkAddress: {
    fields: {
      Inactive: B, Address: S, NetworkCapability: list(S), EnvelopedProfileAccount: enveloped('ProfileAccount'),
      Protocols: list(struct('NetworkProtocol')), Capabilities: list(tagged('CryptographicCapability')),
    },
  },
  NetworkProtocol: { fields: { Protocol: S, Capabilities: list(tagged('CryptographicCapability')) } },
  Role: { fields: { OrganizationName: S, Titles: list(S), Locations: list(struct('Location')) } },
  Location: {
    fields: { Appartment: S, Street: S, District: S, Locality: S, County: S, Postcode: S, Country: S, Latitude: F, Longitude: F },
  },
  Bookmark: { fields: { Uri: S, Title: S, Role: list(S) } },
  Reference: { fields: { MessageId: S, ResponseId: S, Relationship: S } },
  Task: {
    fields: {
      Key: S, Start: DT, Finish: DT, StartTravel: S, FinishTravel: S, TimeZone: S, Title: S, Description: S, Location: S,
      Trigger: list(S), Conference: list(S), Repeat: S, Busy: B,
    },
  },
} as const;
