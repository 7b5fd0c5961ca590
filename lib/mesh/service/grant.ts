/**
 * A connected device's rights at the service (docs/PROTOCOL.md §3 steps 5-6; mesh brief §3
 * "Connected device", §6 #8): what it may read and write.
 *
 * In v1 every device of an account is connected by the account's AdministratorSignature key
 * as its administrator (the creating device, a device re-admitted by recovery: role `super`),
 * so a valid chain carries the administrator's rights. Devices with other roles come with the
 * device-connection issue: their grant is then looked up here, in MMM_Access by device UDF
 * (a removed grant is DeviceRevoked), and this is the one function that changes.
 * @module
 */
import { rightsOf, type Rights } from '../activation/rights.js';
import type { StoreLabel } from '../labels.js';
import { refuse } from './protocol.js';

/** A device the chain authenticated. */
export interface ConnectedDevice {
  readonly profileUdf: string;
  /** ConnectionDevice.Subject: the device's profile UDF. */
  readonly deviceUdf: string;
}

/** The rights of a connected device (see the module comment). */
export async function grantOf(_device: ConnectedDevice): Promise<Rights> {
  return rightsOf(['super']);
}

/** Stores only an administrator writes (brief §3: "only admin writes MMM_Device and MMM_Access"). */
const ADMIN_STORES: ReadonlySet<string> = new Set(['MMM_Device', 'MMM_Access']);

/** Refuses a read of `label` the rights do not cover. */
export function checkRead(rights: Rights, label: StoreLabel): void {
  if (!rights.stores.has(label)) refuse('NotAuthorized', `this device may not read ${label} (roles ${rights.roles.join(',')})`);
}

/** Refuses a write of `label`: the administrator stores need `grant` rights, others the role. */
export function checkWrite(rights: Rights, label: StoreLabel): void {
  if (ADMIN_STORES.has(label) && !rights.grant) refuse('NotAdministrator', `only an administration device writes ${label}`);
  if (!rights.stores.has(label)) refuse('NotAuthorized', `this device may not write ${label} (roles ${rights.roles.join(',')})`);
}
