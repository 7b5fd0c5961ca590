/**
 * Key classes (draft-hallambaker-mesh-schema-08 §10.1; the JOSE key classes the reference
 * nests in KeyData.PublicParameters and PrivateParameters, as the drafts' examples print
 * them: `{"PublicKeyECDH": {"crv": "X448", "Public": "..."}}`). Fields of the JOSE classes
 * that the Mesh never writes (kty, use, key_ops, ...) are kept as unknown fields.
 * @module
 */
import { BIN, DT, S, list, tagged } from '../kinds.js';

export const KEY_CLASSES = {
  KeyData: {
    fields: {
      Udf: S, X509Certificate: BIN, X509Chain: list(BIN), X509CSR: BIN, NotBefore: DT, NotOnOrAfter: DT,
      PublicParameters: tagged('Key'), PrivateParameters: tagged('Key'),
    },
  },
  /** The JOSE key base class: only its subclasses are tags. */
  Key: { abstract: true, fields: {} },
  PublicKeyECDH: { parent: 'Key', fields: { crv: S, Public: BIN } },
  PrivateKeyECDH: { parent: 'PublicKeyECDH', fields: { Private: BIN } },
  /** A seed UDF and the kind of key set it derives (schema §9.2 DevicePreconfiguration). */
  PrivateKeyUDF: {
    parent: 'Key',
    fields: { PrivateValue: S, KeyType: S, AlgorithmEncrypt: S, AlgorithmSign: S, AlgorithmAuthenticate: S },
  },
  CompositePrivate: { parent: 'Key', fields: { DeviceKeyUdf: S, PrivateSalt: tagged('Key'), ServiceShare: tagged('Key') } },
} as const;
