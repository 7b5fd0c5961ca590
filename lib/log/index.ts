/**
 * DARE logs: encrypted, signed, append-only Merkle logs and their inclusion proofs
 * (docs/FORMAT.md §10).
 * @module
 */
export { LOG_CONTENT_TYPE, MAX_ENTRY_BYTES } from './format.js';
export { LogWriter } from './writer.js';
export type { LogCreateOptions, LogOpenOptions, LogAppendOptions, LogSession, LogCheckpoint } from './writer.js';
export { LogReader } from './reader.js';
export type { LogReadOptions, LogEntry, LogVerifyReport } from './reader.js';
export {
  proveInclusion, checkInclusionProof, checkEntryDigest, encodeInclusionProof, parseInclusionProof,
  MAX_PROOF_BYTES, MAX_PROOF_PATH, MAX_PROOF_SIGNATURES, MAX_PROOF_HEADER_BYTES,
} from './proof.js';
export type { InclusionProof, ProofLeaf, ProofCheck, ProofCheckOptions, ProveOptions } from './proof.js';
