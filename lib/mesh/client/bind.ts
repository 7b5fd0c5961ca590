/**
 * Creating an account at a service (mesh brief §2.1 steps 3-6): the ServiceBinding that
 * lib/mesh/home's createAccount calls. Before the profile is signed: Hello, the service's chain
 * checked (its UDF is pinned from here on, as the profile's ServiceUdf). After the account is
 * staged: BindAccount signed by the profile key, then every catalog's frames in one Transact
 * signed by this device's connection key. If the upload fails the account is unbound again, so
 * nothing is left at the service that the home does not hold.
 * @module
 */
import { DareError, base64urlEncode, readFrames, readReplicaState, type JsonObject } from '../../index.js';
import type { EnvelopeJson } from '../schema/index.js';
import { localSigner } from '../keys/signer.js';
import type { ServiceBinding, StagedAccount } from '../home/account.js';
import { serviceAddress } from '../service/handlers.js';
import { MeshClient } from './client.js';
import type { Transport } from './transport.js';
import { bindingJson, type SeenHead } from './binding.js';

export interface BindOptions {
  readonly url: string;
  readonly transport: Transport;
  /** Told the service's UDF once its chain checked (the CLI prints it). */
  readonly onService?: (serviceUdf: string) => void;
}

/** All frames of a sequence file, in pages. */
async function allFrames(path: string): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  let from = 0;
  for (;;) {
    const page = await readFrames(path, from, { maxFrames: 1024, maxBytes: 1 << 20 });
    out.push(...page.frames);
    from += page.frames.length;
    if (page.next === undefined || page.frames.length === 0) return out;
  }
}

export function serviceBinding(o: BindOptions): ServiceBinding & { readonly client: () => MeshClient | undefined } {
  let client: MeshClient | undefined;
  let address = '';
  return {
    client: () => client,
    async profileFields(name: string) {
      client = await MeshClient.connect({ url: o.url, transport: o.transport });
      address = serviceAddress(name, client.service.domain || name.slice(name.lastIndexOf('@') + 1));
      o.onService?.(client.service.serviceUdf);
      return { AccountAddress: address, ServiceUdf: client.service.serviceUdf };
    },
    async bind(staged: StagedAccount): Promise<JsonObject> {
      if (client === undefined) throw new TypeError('profileFields first');
      const c = client;
      const connection = staged.catalogedDevice.EnvelopedConnectionDevice as EnvelopeJson | undefined;
      if (connection === undefined) throw new DareError('MALFORMED', 'the CatalogedDevice holds no ConnectionDevice');
      await c.bind(address, staged.profile.envelope, localSigner(staged.profile.keys.ProfileSignature));
      try {
        const updates: JsonObject[] = [];
        const heads = new Map<string, SeenHead>();
        for (const [label, path] of staged.catalogs) {
          updates.push({ Container: label, Index: -1, Digest: '', Envelopes: (await allFrames(path)).map((f) => base64urlEncode(f)) });
          const s = (await readReplicaState(path)).state;
          heads.set(label, { index: s.index, apex: s.apex.slice() });
        }
        await c.transact({ profileUdf: staged.profile.udf, connection, signer: localSigner(staged.deviceSigner) }, updates);
        return bindingJson({ url: o.url, serviceUdf: c.service.serviceUdf, domain: c.service.domain, address, connection, heads });
      } catch (e) {
        await c.unbind(staged.profile.udf, localSigner(staged.profile.keys.AdministratorSignature)).catch(() => undefined);
        throw e;
      }
    },
  };
}
