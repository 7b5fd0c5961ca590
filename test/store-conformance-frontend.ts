/**
 * One stateless front end for test/store-conformance-frontends.test.ts: a separate Node process
 * with its own PostgreSQL store (its own pool) over the shared database, driven by JSON lines
 * on stdin (one request a line, one answer a line on stdout).
 *
 *   node frontend.mjs URL SCHEMA NAME
 *   {"id":1,"op":"bind","entry":{...}}           -> {"id":1,"ok":true}
 *   {"id":2,"op":"transact","udf":..,"requestId":..,"appends":[...]} (bytes as hex)
 *   {"id":3,"op":"readAll","udf":..,"container":..} -> frames as hex, the head
 *   {"id":4,"op":"race","udf":..,"attempts":N}    -> N transacts on whatever heads it reads, each 2 frames
 *                                                   of MMM_Inbound and 1 of MMM_Access from its own catalog
 */
import { createInterface } from 'node:readline';
import { openPostgresStore } from '../server/store/postgres.js';
import type { AccountEntry, ContainerAppend } from '../lib/mesh/index.js';
import { appendOf, catalogFrames, hex } from './store-conformance-frames.test-util.js';

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
const source = await catalogFrames(160, 64);

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
      // What a front end does for a client that rebases on Conflict: read the heads, build on them, transact.
      const won: { inbound: number[]; access: number[]; frames: Record<string, string> }[] = [];
      let conflicts = 0;
      for (let k = 0; k < (req.attempts as number); k++) {
        const [inbound, access] = await store.heads(udf, ['MMM_Inbound', 'MMM_Access']);
        if (inbound === undefined || access === undefined) throw new Error('heads missing');
        const appends = [appendOf(source, 'MMM_Inbound', inbound, 2), appendOf(source, 'MMM_Access', access, 1)];
        const o = await store.transact(udf, `${name}-${k}`, appends);
        if (!o.accepted) {
          conflicts++;
          continue;
        }
        const frames: Record<string, string> = {};
        for (const a of appends) a.frames.forEach((f, j) => { frames[`${a.container}#${a.expected.index + 1 + j}`] = hex(f); });
        won.push({ inbound: [inbound.index + 1, inbound.index + 2], access: [access.index + 1], frames });
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
