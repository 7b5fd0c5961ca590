/**
 * Who may have signed an account's catalogs: the account's own signers and the Signature key
 * of each device whose ConnectionDevice the account's AdministratorSignature key signed, read
 * from a device catalog (MMM_Device). Used where frames come from elsewhere: an import, a sync.
 * @module
 */
import { DareError, type Catalog } from '../../index.js';
import { decodeMeshObject, type MeshObject } from '../schema/index.js';
import { open } from '../enveloped.js';
import { publicKeyOfKeyData } from '../keys/key-data.js';
import { samePublicKey, type MeshPublicKey } from '../keys/mesh-key.js';
import { MAX_ENTRY_BYTES, type AccountContext } from './account.js';

/**
 * The signers `devices` names for the account of `ctx`. A CatalogedDevice without a
 * ConnectionDevice is skipped, or with `strict` refused (MALFORMED).
 */
export async function deviceSigners(ctx: AccountContext, devices: Catalog, strict = false): Promise<MeshPublicKey[]> {
  const out: MeshPublicKey[] = [...ctx.record.signers];
  const admin = publicKeyOfKeyData((await ctx.profile()).AdministratorSignature, 'AdministratorSignature', ['Ed25519', 'Ed448']);
  for await (const [, bytes] of devices.entries()) {
    const entry = decodeMeshObject(bytes, 'CatalogedDevice', { maxBytes: MAX_ENTRY_BYTES }) as MeshObject<'CatalogedDevice'>;
    if (entry.EnvelopedConnectionDevice === undefined) {
      if (strict) throw new DareError('MALFORMED', 'a CatalogedDevice holds no ConnectionDevice');
      continue;
    }
    const { object } = await open(entry.EnvelopedConnectionDevice, { expect: 'ConnectionDevice', signers: [admin] });
    const key = publicKeyOfKeyData((object as MeshObject<'ConnectionDevice'>).Signature, 'ConnectionDevice Signature', ['Ed25519', 'Ed448']);
    if (!out.some((k) => samePublicKey(k, key))) out.push(key);
  }
  return out;
}
