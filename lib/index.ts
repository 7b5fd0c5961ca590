/**
 * The public API of the DARE library: the only entry point that `cli/`,
 * `fuse-like-watch/` and users import.
 * @module
 */
export { DareError, isDareError, DARE_ERROR_CODES } from './errors.js';
export { VERSION } from './version.js';
export type { DareErrorCode } from './errors.js';
export { toHex, fromHex, utf8, fromUtf8 } from './internal/bytes.js';
export { base32Encode, base32Decode } from './encoding/base32.js';
export { base64urlEncode, base64urlDecode } from './encoding/base64url.js';
// JSON text and the shared data model (lib/encoding): what lib/mesh reads and writes objects with.
export { decodeJson, encodeJson, encodeJsonReference, asBinary } from './encoding/json.js';
export type { JsonDecodeOptions } from './encoding/json.js';
export type { JsonValue, JsonObject } from './encoding/value.js';
export { isJsonObject } from './encoding/value.js';
export { contentTypeOf, DEFAULT_CONTENT_TYPE } from './content-type.js';
export { digestStream, contentDigestOfStream, checkContentDigestOfStream } from './hash.js';
export type { StreamUdfOptions } from './hash.js';
export { getBackend, setBackend } from './crypto/backend-select.js';
export type { HashAlgorithm, SymmetricBackend } from './platform/backend.js';
export * from './udf/index.js';
export type { AgreementCurve, SignatureCurve, RecipientKey, DecryptionKey, SigningKey, VerificationKey } from './keys/types.js';
export { generateKeySet, publicKeySet, formatPublicKeySet, parsePublicKeySet, keySetFingerprint, PUBLIC_KEY_PREFIX } from './keys/keyset.js';
export type { KeySet, PublicKeySet } from './keys/keyset.js';
export { encodeKeyFile, decodeKeyFile, isProtectedKeyFile, protectedPublicKey, DEFAULT_SCRYPT, MAX_SCRYPT } from './keys/keyfile.js';
export type { Identity, ScryptParams } from './keys/keyfile.js';
// Decryption identities (lib/keys/identity.ts): key agreement behind an interface, possibly asynchronous.
export { localIdentity, toIdentity, isAgreementIdentity, ephemeralU, isSigner } from './keys/identity.js';
export type { AgreementIdentity, DecryptionKeyLike, IdentityCurve, Signer, SigningKeyLike } from './keys/identity.js';
export { encodeEnvelope, encodeEnvelopeBytes, ciphertextLength } from './envelope/writer.js';
export type { EncodeOptions, EnvelopeEncoding } from './envelope/writer.js';
export { EnvelopeReader, decodeEnvelopeBytes } from './envelope/reader.js';
export type { DecodeOptions, EnvelopeInfo, EnvelopeResult } from './envelope/reader.js';
export type { ContentMeta } from './envelope/content-meta.js';
export type { SignatureCheck } from './envelope/signatures.js';
// Signing purposes (docs/FORMAT.md §6, §8): RFC 8032 contexts and the statements signed under them.
export { ENVELOPE_PURPOSE, APEX_PURPOSE, apexStatement, envelopeStatement } from './crypto/purposes.js';
export type { ApexKind, EnvelopeStatementFields } from './crypto/purposes.js';
export { checkApexSignatures, isTrustedCheck } from './envelope/signatures.js';
// Sequences (docs/FORMAT.md §8): the append-only engine under archives, logs and catalogs.
export { SequenceWriter } from './sequence/writer.js';
export type { SequenceKeys, CreateOptions as SequenceCreateOptions, AppendOptions as SequenceAppendOptions, AppendedFrame } from './sequence/writer.js';
export { SequenceReader } from './sequence/reader.js';
export type { SequenceReadOptions, OpenedFrame } from './sequence/reader.js';
export type { FrameView } from './sequence/frames.js';
export { verifySequence } from './sequence/verify.js';
export type { VerifyReport as SequenceVerifyReport, VerifyOptions as SequenceVerifyOptions } from './sequence/verify.js';
export { SEQUENCE_TYPES, DIGEST_SCHEME } from './sequence/format.js';
export type { SequenceType } from './sequence/format.js';
export type { SequencePolicy } from './sequence/policy.js';
// Replicas (lib/sequence/replica*.ts, issue 15): a keyless check of frames received from elsewhere,
// appended verbatim; heads, cutting back and raw frames for a service's Download.
export { checkFrames, headOfFrames, encodeReplicaState, decodeReplicaState, EMPTY_REPLICA } from './sequence/replica.js';
export type { ReplicaState, ReplicaType, CheckedFrames } from './sequence/replica.js';
export { readReplicaState, sequenceHead, appendFrames, cutSequence, readFrames, ReplicaAppender } from './sequence/replica-file.js';
export type { ReplicaWriteOptions, ReplicaFileState, RawReadLimits, RawFrames } from './sequence/replica-file.js';
export { MerkleFrontier, merkleRoot, inclusionProof, verifyInclusion, assertInclusion, consistencyProof, verifyConsistency, assertConsistency } from './sequence/merkle.js';
// Checkpoints (docs/FORMAT.md §8): a recorded signed state; a later file must extend it.
export { makeCheckpoint, checkCheckpoint, checkExtends, encodeCheckpoint, parseCheckpoint, MAX_CHECKPOINT_BYTES } from './sequence/checkpoint.js';
export type { Checkpoint, CheckpointCheck, Extension } from './sequence/checkpoint.js';
export type { WriterTrust, TrustReport } from './sequence/trust.js';
export { Base64urlEncoder, Base64urlDecoder } from './encoding/base64url.js';
// Logs (docs/FORMAT.md §10): encrypted, signed append-only Merkle logs and inclusion proofs.
export * from './log/index.js';
// Catalogs and spools (lib/store)
export * from './store/index.js';
// Archives (lib/archive, docs/FORMAT.md §9): files in a Merkle sequence with a signed index.
export { ArchiveWriter, ArchiveReader, BackupManifest, addPath, addTar, archiveToTar, copyArchive, extractArchive, checkEntryPath, ARCHIVE_TYPE } from './archive/index.js';
export type {
  ArchiveKeys, ArchiveCreateOptions, ArchiveOpenOptions, ArchiveSummary, ArchiveReadOptions, HistoryItem, AddPathOptions,
  ExtractOptions, ExtractReport, TarImportOptions, TarImportReport, CopyOptions, CopyReport, EntryKind, EntryMeta, IndexEntry,
} from './archive/index.js';
// Inspect (lib/inspect.ts): what a file is and who can open it, without a key.
export { inspectFile, inspectStream, inspectEnvelope, inspectSequence, inspectKeyText, classifyHead, NOT_DARE_MESSAGE } from './inspect.js';
export type { Inspection, EnvelopeInspection, SequenceInspection, KeyInspection, KeyRef, SignatureInfo, FrameSignatures, FileKind, InspectOptions } from './inspect.js';
// Rekey (lib/envelope/rekey.ts): new recipients for an envelope without re-encrypting it.
export { EnvelopeRekey, rekeyEnvelopeBytes } from './envelope/rekey.js';
export type { RekeyOptions, RekeyPlan } from './envelope/rekey.js';
// Output files and temporaries (lib/platform): a named file appears only complete; what a
// process leaves when it is killed is recognised and removed by the next one.
export { writeFileAtomic } from './platform/output-file.js';
export type { OutputFileOptions } from './platform/output-file.js';
export { observeTemporaries, removeTemporariesSync, removeStaleTemporaries } from './platform/temp-file.js';
// The reference's key forms (PublicKeyECDH, PrivateKeyECDH, KeyData), wherever a key is taken.
export { parseKeyData, isKeyData } from './keys/keydata.js';
export type { KeyData, KeyDataCurve } from './keys/keydata.js';
// Private state on this host (lib/platform): the one-writer lock, small private files replaced
// atomically, and private folders (what the Mesh home, lib/mesh/home, is made of).
export { acquireLock, lockPathOf } from './platform/lock.js';
export type { WriteLock } from './platform/lock.js';
export { readPrivateFile, writePrivateFile } from './platform/private-file.js';
export {
  pathKind, fileSize, makePrivateDirectory, listDirectory, syncDirectory, renamePath, removePath, makeFilePrivate, isSharedWithOthers, temporaryName,
} from './platform/directory.js';
