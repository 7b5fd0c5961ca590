/**
 * The service's folder (`meshd --root DIR`; mesh brief §5 "Service persistence"):
 *
 *   DIR/service.json   the public identity: ProfileService, ProfileHost, ConnectionHost (signed)
 *   DIR/keys.json      the seeds, in the Mesh home's key store format (lib/mesh/home/key-store.ts),
 *                      sealed under a passphrase when one is given, mode 0600
 *   DIR/accounts/…     the embedded store (lib/mesh/store/embedded.ts)
 *
 * The key store holds the host seed as its device seed, and the service's keys as one account
 * entry named by the service UDF (its Profile key as ProfileSignature, its Sign, Encrypt and
 * Authenticate keys as the device keys).
 * @module
 */
import { mkdir, readFile, writeFile, rename, open } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  KeyStore, createServiceIdentity, deriveScheduledKeys, loadServiceIdentity, servicePublicJson, servicePublicOf,
  type ServiceIdentity, type ServicePublic,
} from '../lib/mesh/index.js';
import { DareError } from '../lib/index.js';

export const SERVICE_FILE = 'service.json';
export const KEYS_FILE = 'keys.json';

async function writeDurable(path: string, bytes: Uint8Array | string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, bytes, { mode });
  const fh = await open(tmp, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

/** `meshd init`: a new identity in an empty (or new) root. */
export async function initRoot(root: string, domain: string, passphrase?: string): Promise<ServiceIdentity> {
  if (existsSync(join(root, SERVICE_FILE))) throw new DareError('OUTPUT_EXISTS', `${root} holds a service already (${SERVICE_FILE})`);
  await mkdir(root, { recursive: true, mode: 0o700 });
  const created = await createServiceIdentity(domain.toLowerCase());
  const keys = await KeyStore.create(passphrase);
  keys.setDeviceSeed(created.hostSeed);
  const sk = deriveScheduledKeys('ProfileService', created.serviceSeed);
  keys.putAccount({
    profileUdf: created.identity.serviceUdf,
    deviceKeys: { Signature: sk.ServiceSignature, Encryption: sk.ServiceEncryption, Authentication: sk.ServiceAuthentication },
    accountKeys: { ProfileSignature: sk.ProfileSignature }, storeKeys: new Map(),
  });
  await writeDurable(join(root, KEYS_FILE), keys.encode(), 0o600);
  await writeDurable(join(root, SERVICE_FILE), JSON.stringify({ MeshService: servicePublicJson(created.identity) }, null, 1) + '\n', 0o644);
  await mkdir(join(root, 'accounts'), { recursive: true, mode: 0o700 });
  return created.identity;
}

/** The public identity of a root (no keys needed: `meshd status`). */
export async function readServicePublic(root: string): Promise<ServicePublic> {
  let text: string;
  try {
    text = await readFile(join(root, SERVICE_FILE), 'utf8');
  } catch (e) {
    throw new DareError('NOT_FOUND', `${root}: no service here (run meshd init --domain D --root ${root})`, { cause: e });
  }
  const o = JSON.parse(text) as { MeshService?: unknown };
  if (typeof o.MeshService !== 'object' || o.MeshService === null) throw new DareError('MALFORMED', `${join(root, SERVICE_FILE)}: not a service identity`);
  return servicePublicOf(o.MeshService as never);
}

/** The identity with the host key (the key store unlocked with `passphrase` when sealed). */
export async function loadRoot(root: string, passphrase?: () => Promise<string>): Promise<ServiceIdentity> {
  const pub = await readServicePublic(root);
  const bytes = new Uint8Array(await readFile(join(root, KEYS_FILE)));
  const keys = await KeyStore.decode(bytes, { passphrase });
  const seed = keys.deviceSeed();
  if (seed === undefined) throw new DareError('NO_MATCHING_KEY', `${join(root, KEYS_FILE)} holds no host seed`);
  return loadServiceIdentity(pub, seed);
}
