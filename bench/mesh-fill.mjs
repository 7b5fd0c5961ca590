#!/usr/bin/env node
// Fills an account's password catalog with N entries in one session, for the bench's mesh
// section (bench/run.mjs): `node bench/mesh-fill.mjs HOME N`. Uses the built library
// (dist/lib), the same code `mesh password add` runs, without a process per entry.
import { AccountContext, CREDENTIALS, MeshHome } from '../dist/lib/mesh/index.js';
import { encodeMeshObject } from '../dist/lib/mesh/index.js';

const [home, count] = [process.argv[2], Number(process.argv[3])];
if (!home || !(count > 0)) {
  console.error('usage: node bench/mesh-fill.mjs HOME N');
  process.exit(2);
}
const pass = process.env.MESH_PASSPHRASE;
const h = await MeshHome.open(home, { write: true, passphrase: pass ? async () => pass : undefined });
try {
  const ctx = new AccountContext(h, await h.account());
  const c = await ctx.openCatalog(CREDENTIALS.label, true);
  try {
    for (let i = 0; i < count; i++) {
      const service = `host${String(i).padStart(6, '0')}.example.com`;
      const entry = { $type: 'CatalogedCredential', Service: service, Username: `user${i}`, Password: `pw-${i}-${'x'.repeat(16)}` };
      if (!c.has(service)) await c.add(service, encodeMeshObject(entry), { contentType: 'application/mmm/object' });
    }
  } finally {
    await c.close();
  }
} finally {
  await h.close();
}
