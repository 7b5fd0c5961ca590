/**
 * The public API of the DARE library: the only entry point that `cli/`,
 * `fuse-like-watch/` and users import.
 * @module
 */
export { DareError, isDareError, DARE_ERROR_CODES } from './errors.js';
export type { DareErrorCode } from './errors.js';
export { toHex, fromHex } from './internal/bytes.js';
export { base32Encode, base32Decode } from './encoding/base32.js';
export { base64urlEncode, base64urlDecode } from './encoding/base64url.js';
export { contentTypeOf, DEFAULT_CONTENT_TYPE } from './content-type.js';
export { digestStream, contentDigestOfStream, checkContentDigestOfStream } from './hash.js';
export type { StreamUdfOptions } from './hash.js';
export { getBackend, setBackend } from './crypto/backend-select.js';
export type { HashAlgorithm, SymmetricBackend } from './crypto/backend.js';
export * from './udf/index.js';
