/**
 * The root of the `dare-mesh` package: what a program needs to encrypt, sign, decrypt and
 * verify data at rest (README "Library"). The rest of the library is reached through the
 * package's subpaths, one per area: `dare-mesh/udf` (fingerprints, secrets, Shamir shares,
 * EARLs), `dare-mesh/archive`, `dare-mesh/log`, `dare-mesh/store` (catalogs and spools) and
 * `dare-mesh/mesh`. None of them exports the wire internals (frames, records, the JSON-B
 * codec); those stay inside and may change.
 *
 * This package's own programs (`cli/`, `server/`, `fuse-like-watch/`) and the Mesh layer use
 * the wider door lib/index.ts.
 * @module
 */
export { DareError, isDareError, DARE_ERROR_CODES } from './errors.js';
export type { DareErrorCode } from './errors.js';
export { VERSION } from './version.js';

// Keys (docs/FORMAT.md §7): key sets, key files, the reference's key forms, identities.
export { generateKeySet, publicKeySet, formatPublicKeySet, parsePublicKeySet, keySetFingerprint } from './keys/keyset.js';
export type { KeySet, PublicKeySet } from './keys/keyset.js';
export { encodeKeyFile, decodeKeyFile, isProtectedKeyFile } from './keys/keyfile.js';
export type { Identity, ScryptParams } from './keys/keyfile.js';
export { parseKeyData } from './keys/keydata.js';
export type { RecipientKey, DecryptionKey, SigningKey, VerificationKey } from './keys/types.js';
export type { AgreementIdentity, Signer } from './keys/identity.js';

// Envelopes (docs/FORMAT.md §1-§6): one file or stream, many recipients, signed.
export { encodeEnvelope, encodeEnvelopeBytes } from './envelope/writer.js';
export type { EncodeOptions } from './envelope/writer.js';
export { EnvelopeReader, decodeEnvelopeBytes } from './envelope/reader.js';
export type { DecodeOptions, EnvelopeInfo, EnvelopeResult } from './envelope/reader.js';
export type { ContentMeta } from './envelope/content-meta.js';
export type { SignatureCheck } from './envelope/signatures.js';
export { EnvelopeRekey, rekeyEnvelopeBytes } from './envelope/rekey.js';
export type { RekeyOptions } from './envelope/rekey.js';

// What a file is and who can open it, without a key.
export { inspectFile, inspectStream } from './inspect.js';
export type { Inspection } from './inspect.js';

// A named output appears only complete (decoded plaintext never half-written under its name).
export { writeFileAtomic } from './platform/output-file.js';
export type { OutputFileOptions } from './platform/output-file.js';

// The symmetric primitives' implementation: node:crypto (default on Node) or noble (portable).
export { setBackend } from './crypto/backend-select.js';
