/**
 * Hostile requests against a real `meshd` (test/helpers/meshd.ts): a bad signature, a replay,
 * a stale request, a request for another account, a tampered frame, malformed and deep JSON,
 * an oversized body, a wrong path and method. Each gets an error status and a log line;
 * meshd keeps serving; nothing is written (the account's heads and files are unchanged). And
 * the client side: a service other than the pinned one, and answers not bound to the request,
 * are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MeshClient, readEnvelope, signRequest, type DeviceCredential,
} from '../lib/mesh/index.js';
import type { JsonObject } from '../lib/index.js';
import { mesh } from './helpers/mesh.js';
import { Meshd, aliceAndBob } from './helpers/meshd.js';
import { httpTransport } from '../cli/mesh/http.js';

const root = mkdtempSync(join(tmpdir(), 'meshd-hostile-'));
let svc: Meshd;
let other: Meshd;
let alice: DeviceCredential;
let bobUdf: string;
let aliceDir: string;

beforeAll(async () => {
  let bob: DeviceCredential;
  ({ svc, other, aliceDir, alice, bob } = await aliceAndBob(root));
  bobUdf = bob.profileUdf;
});
afterAll(async () => {
  await Promise.all([svc?.stop(), other?.stop()]);
  rmSync(root, { recursive: true, force: true });
});

async function post(body: Uint8Array | string, init: { method?: string; path?: string } = {}): Promise<{ status: number; json: unknown; text: string }> {
  const res = await fetch(`http://127.0.0.1:${svc.port}${init.path ?? '/.well-known/mmm/'}`, {
    method: init.method ?? 'POST', body: init.method === 'GET' ? undefined : body, headers: { 'Content-Type': 'application/json' },
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** The Status and Error of an answer: a signed response's payload, or the unsigned MeshError. */
async function outcome(text: string): Promise<{ Status: number; Error?: string }> {
  const parsed = JSON.parse(text) as unknown;
  if (!Array.isArray(parsed)) return (parsed as { MeshError: { Status: number; Error?: string } }).MeshError;
  const env = await readEnvelope(new TextEncoder().encode(text), 'response');
  return env.fields as { Status: number; Error?: string };
}

function deviceFields(c: DeviceCredential, account = c.profileUdf): JsonObject {
  return { Account: account, EnvelopedConnectionDevice: c.connection.$envelope as JsonObject[] };
}

/** Every file under the root with its bytes, but the replay cache (which a verified request adds to). */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name !== 'replay.dlog' && e.name !== 'meshd.lock') out.set(p, readFileSync(p).toString('base64'));
    }
  };
  walk(dir);
  return out;
}

function logged(error: string): boolean {
  return svc.logs.some((l) => l.error === error);
}

describe('meshd: hostile requests', () => {
  it('each is refused with its status, logged, and nothing is written; meshd keeps serving', async () => {
    const before = snapshot(svc.root);

    // A bad signature: one bit of the signature flipped.
    const good = await signRequest('StatusRequest', deviceFields(alice), alice.signer);
    const env = JSON.parse(new TextDecoder().decode(good.bytes)) as [JsonObject, string, { signatures: { signature: string }[] }];
    const sig = env[2].signatures[0] as { signature: string };
    sig.signature = (sig.signature[0] === 'A' ? 'B' : 'A') + sig.signature.slice(1);
    let r = await post(JSON.stringify(env));
    expect(r.status).toBe(401);
    expect((await outcome(r.text)).Error).toBe('BadSignature');

    // The good one passes once, and its replay is refused.
    r = await post(good.bytes);
    expect(r.status).toBe(200);
    r = await post(good.bytes);
    expect(r.status).toBe(401);
    expect((await outcome(r.text)).Error).toBe('Replay');

    // Stale: created 10 minutes ago (and 10 minutes ahead).
    for (const skew of [-600_000, 600_000]) {
      const stale = await signRequest('StatusRequest', deviceFields(alice), alice.signer, new Date(Date.now() + skew));
      r = await post(stale.bytes);
      expect(r.status).toBe(401);
      expect((await outcome(r.text)).Error).toBe('Stale');
    }

    // Another account: alice's device, bob's account.
    const cross = await signRequest('DownloadRequest', { ...deviceFields(alice, bobUdf), Select: [{ Container: 'MMM_Credential', IndexMin: 0 }] }, alice.signer);
    r = await post(cross.bytes);
    expect(r.status).toBe(403);
    expect((await outcome(r.text)).Error).toBe('NotAuthorized');
    // Unbinding bob with alice's device key.
    const unbind = await signRequest('UnbindRequest', { Account: bobUdf }, alice.signer);
    r = await post(unbind.bytes);
    expect(r.status).toBe(401);

    // A Transact whose frame was changed (one payload byte): BadFrame, nothing appended.
    const download = await signRequest('DownloadRequest', { ...deviceFields(alice), Select: [{ Container: 'MMM_Credential', IndexMin: 0 }] }, alice.signer);
    const page = (await readEnvelope(new TextEncoder().encode((await post(download.bytes)).text), 'response')).fields as { Updates: { Index: number; Digest: string; Envelopes: string[] }[] };
    const head = page.Updates[0] as { Index: number; Digest: string; Envelopes: string[] };
    const frame0 = Buffer.from(head.Envelopes[0] as string, 'base64url');
    const forged = Buffer.from(frame0);
    forged[forged.length - 20] = (forged[forged.length - 20] as number) ^ 1;
    const tx = await signRequest('TransactRequest', { ...deviceFields(alice), Updates: [{ Container: 'MMM_Credential', Index: head.Index, Digest: head.Digest, Envelopes: [forged.toString('base64url')] }] }, alice.signer);
    r = await post(tx.bytes);
    expect(r.status).toBe(400);
    expect((await outcome(r.text)).Error).toBe('BadFrame');
    // A Transact against a head that is not the service's: Conflict, nothing appended.
    const stale = await signRequest('TransactRequest', { ...deviceFields(alice), Updates: [{ Container: 'MMM_Credential', Index: head.Index + 5, Digest: head.Digest, Envelopes: [frame0.toString('base64url')] }] }, alice.signer);
    r = await post(stale.bytes);
    expect(r.status).toBe(409);
    expect((await outcome(r.text)).Error).toBe('Conflict');

    // Malformed bodies: not JSON, not an envelope, too deep, an unknown transaction.
    for (const body of ['{not json', '{"HelloRequest":{}}', '['.repeat(5000) + ']'.repeat(5000), '[{}, "e30"]']) {
      r = await post(body);
      expect(r.status).toBe(400);
      expect((await outcome(r.text)).Error).toBe('BadRequest');
    }
    const unknown = await signRequest('ConnectRequest', {}, alice.signer);
    r = await post(unknown.bytes);
    expect(r.status).toBe(404);

    // Oversized: refused from its length, before it is read.
    r = await post(new Uint8Array(5 << 20));
    expect(r.status).toBe(413);
    expect((await outcome(r.text)).Error).toBe('TooLarge');

    // Wrong path and method.
    expect((await post('', { path: '/admin' })).status).toBe(404);
    expect((await post('', { method: 'GET' })).status).toBe(405);

    for (const e of ['BadSignature', 'Replay', 'Stale', 'NotAuthorized', 'BadFrame', 'Conflict', 'BadRequest', 'TooLarge']) expect(logged(e), e).toBe(true);
    expect(svc.alive).toBe(true);
    expect(snapshot(svc.root)).toEqual(before);
    // Still serving, and alice's account is as it was.
    const ok = await mesh(['password', 'list'], { env: { MESH_HOME: aliceDir, MESH_RESOLVE: svc.resolve } });
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('the client refuses a service that is not the one pinned (exit 4) and answers not bound to its request', async () => {
    // Another meshd of the same domain: its ServiceUdf is not the one alice's profile pins.
    const r = await mesh(['password', 'list'], { env: { MESH_HOME: aliceDir, MESH_RESOLVE: other.resolve } });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/is not the service/);
    // A relay that answers a request with the (genuinely signed) answer to an earlier one.
    const client = await MeshClient.connect({ url: svc.url, transport: httpTransport, serviceUdf: svc.serviceUdf });
    let previous: Uint8Array | undefined;
    const replaying = await MeshClient.connect({
      url: svc.url, serviceUdf: svc.serviceUdf,
      transport: async (url, body) => {
        const answer = await httpTransport(url, body);
        const out = previous ?? answer.body;
        previous ??= answer.body;
        return { status: answer.status, body: out };
      },
    }).catch((e: unknown) => e);
    expect(replaying).toBeInstanceOf(MeshClient);
    await expect((replaying as MeshClient).status(alice)).rejects.toThrow(/not bound to the request/);
    expect((await client.status(alice)).Status).toBe(201);
  });
});
