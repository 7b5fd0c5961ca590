/**
 * The Mesh Service client (docs/PROTOCOL.md): MeshClient, discovery, the account's binding and
 * its sync engine.
 * @module
 */
export { MeshClient } from './client.js';
export type { DeviceCredential, ConnectOptions, ConnectedService } from './client.js';
export { discoverService, endpointUrl, parseResolve, domainOf } from './discovery.js';
export type { DiscoveryOptions, SrvRecord } from './discovery.js';
export { MAX_RESPONSE_BYTES } from './transport.js';
export type { Transport, TransportAnswer } from './transport.js';
export { readBinding, bindingJson, NO_HEAD } from './binding.js';
export type { ServiceBindingRecord, SeenHead } from './binding.js';
export { syncAccount, deviceCredential } from './sync.js';
export type { SyncReport } from './sync.js';
export { serviceBinding } from './bind.js';
export type { BindOptions } from './bind.js';
