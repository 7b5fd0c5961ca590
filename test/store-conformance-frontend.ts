/**
 * One stateless front end for test/store-conformance-frontends.test.ts: a separate Node process
 * with its own PostgreSQL store (its own pool) over the shared database, driven by JSON lines
 * on stdin (one request a line, one answer a line on stdout).
 *
 *   node frontend.mjs URL SCHEMA NAME
 *   {"id":1,"op":"bind","entry":{...}}           -> {"id":1,"ok":true}
 *   {"id":2,"op":"transact","udf":..,"requestId":..,"appends":[...]} (bytes as hex)
 *   {"id":3,"op":"readAll","udf":..,"container":..} -> frames as hex, the head
 *   {"id":4,"op":"race","udf":..,"attempts":N,"secrets":{..}} -> N transacts on whatever heads it reads,
 *        each 2 new catalog entries in MMM_Inbound and 1 in MMM_Access, written on its copy of them
 */
import { createInterface } from 'node:readline';
import { openPostgresStore } from '../server/store/postgres.js';
import type { AccountEntry, ContainerAppend } from '../lib/mesh/index.js';
import { checkedAppend, deviceWrite, hex } from './store-conformance-frames.test-util.js';

const [url, schema, name] = process.argv.slice(2);
if (url === undefined || schema === undefined || name === undefined) throw new Error('usage: frontend URL SCHEMA NAME');

const fromHexText = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

interface WireAppend { container: string; expected: { index: number; apex: string }; frames: string[]; next: { index: number; apex: string; frontier: string } }

function appendFromWire(a: WireAppend): ContainerAppend {
  return {
    container: a.container,
    expected: { container: a.container, index: a.expected.index, apex: fromHexText(a.expected.apex) },
    frames: a.frames.map(fromHexText),
    next: { container: a.container, index: a.next.index, apex: fromHexText(a.next.apex), frontier: fromHexText(a.next.frontier) },
  };
}

const store = await openPostgresStore(url, { schema, poolSize: 4, applicationName: `frontend-${name}` });

/** Frames 0..index of a container, page by page. */
async function framesUpTo(udf: string, container: string, index: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  while (out.length <= index) {
    const page = await store.read(udf, container, out.length, { maxFrames: 50, maxBytes: 1 << 20 });
    if (page.frames.length === 0) throw new Error(`${container}: frame ${out.length} missing below ${index}`);
    out.push(...page.frames.slice(0, index + 1 - out.length));
  }
  return out;
}

async function handle(req: Record<string, unknown>): Promise<unknown> {
  const udf = req.udf as string;
  switch (req.op) {
    case 'bind': {
      const e = req.entry as Omit<AccountEntry, 'profile'> & { profile: string };
      await store.bind({ ...e, profile: fromHexText(e.profile) });
      return null;
    }
    case 'transact': {
      const o = await store.transact(udf, req.requestId as string, (req.appends as WireAppend[]).map(appendFromWire));
      return o.accepted ? { accepted: true, heads: o.heads.map((h) => h.index) } : { accepted: false, conflicts: o.conflicts.map((h) => h.index) };
    }
    case 'readAll': {
      const frames: string[] = [];
      let from: number | undefined = 0;
      let head = -1;
      while (from !== undefined) {
        const page = await store.read(udf, req.container as string, from, { maxFrames: 7, maxBytes: 1 << 20 });
        frames.push(...page.frames.map(hex));
        head = page.head.index;
        from = page.next;
      }
      return { frames, head };
    }
    case 'race': {
      // What a device's front end sees: each attempt syncs (reads the frames up to the heads),
      // writes new catalog entries on that copy (valid next frames), and transacts; on Conflict
      // it starts again from the new heads.
      const secrets = new Map(Object.entries(req.secrets as Record<string, string>).map(([c, k]) => [c, fromHexText(k)]));
      const won: { inbound: number[]; access: number[]; frames: Record<string, string> }[] = [];
      let conflicts = 0;
      for (let k = 0; k < (req.attempts as number); k++) {
        const heads = await store.heads(udf, ['MMM_Inbound', 'MMM_Access']);
        const appends: ContainerAppend[] = [];
        for (const h of heads) {
          const have = h.index < 0 ? [] : await framesUpTo(udf, h.container, h.index);
          const fresh = await deviceWrite(have, secrets.get(h.container) as Uint8Array, h.container === 'MMM_Inbound' ? 2 : 1);
          appends.push(await checkedAppend(h, fresh));
        }
        const o = await store.transact(udf, `${name}-${k}`, appends);
        if (!o.accepted) {
          conflicts++;
          continue;
        }
        const frames: Record<string, string> = {};
        const indexes = (a: ContainerAppend) => a.frames.map((_, j) => a.expected.index + 1 + j);
        for (const a of appends) a.frames.forEach((f, j) => { frames[`${a.container}#${a.expected.index + 1 + j}`] = hex(f); });
        won.push({ inbound: indexes(appends[0] as ContainerAppend), access: indexes(appends[1] as ContainerAppend), frames });
      }
      return { won, conflicts };
    }
    default:
      throw new Error(`unknown op ${String(req.op)}`);
  }
}

process.stdout.write(`${JSON.stringify({ ready: name })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const req = JSON.parse(line) as Record<string, unknown>;
  try {
    process.stdout.write(`${JSON.stringify({ id: req.id, ok: true, result: await handle(req) })}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ id: req.id, ok: false, error: (e as Error).message, code: (e as { code?: string }).code })}\n`);
  }
}
await store.close();
