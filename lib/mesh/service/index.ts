/**
 * The Mesh Service (docs/PROTOCOL.md): the dispatcher, request authentication, the
 * transactions over the AccountStore, the service identity, request and response envelopes.
 * @module
 */
export { MeshService, meshErrorBody } from './service.js';
export type { ServiceReply, ServiceOptions } from './service.js';
export {
  MMM_PATH, REQUEST_PURPOSE, RESPONSE_PURPOSE, REQUEST_CONTENT_TYPE, RESPONSE_CONTENT_TYPE, LIMITS as SERVICE_LIMITS, ERRORS as SERVICE_ERRORS,
  TRANSACTIONS, ServiceError, httpStatus, isRequestType,
} from './protocol.js';
export type { ErrorName, RequestType, ResponseType } from './protocol.js';
export { signRequest, signResponse, readEnvelope, verifyEnvelope, writeEnvelope } from './wire.js';
export type { SignedMessage, ReadEnvelope } from './wire.js';
export {
  createServiceIdentity, loadServiceIdentity, checkServiceChain, servicePublicJson, servicePublicOf,
} from './identity.js';
export type { ServicePublic, ServiceIdentity, CreatedServiceIdentity, CheckedService } from './identity.js';
export { serviceAddress } from './handlers.js';
export type { FrameChecker } from './handlers.js';
export { RateLimiter } from './rate.js';
export { replicaFrameChecker } from './frames.js';
