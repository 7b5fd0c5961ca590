import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeySet } from '../lib/index.js';
import { excluder } from './exclude.js';
import { syncOnce } from './watcher.js';
import { mirrorHistory, mirrorStatus } from './status.js';
import { restoreMirror } from './restore.js';
import type { MirrorKeys } from './journal.js';

const root = mkdtempSync(join(tmpdir(), 'dare-exclude-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const me = generateKeySet();
const keys: MirrorKeys = {
  recipients: [{ crv: me.encryption.crv, publicKey: me.encryption.publicKey }],
  decryptionKeys: [{ crv: me.encryption.crv, privateKey: me.encryption.privateKey }],
};

function files(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1))
    .sort();
}

describe('exclude patterns', () => {
  it('a name matches at any depth, a path with a slash from SRC, and what lies below a match', () => {
    const x = excluder(['node_modules', '*.tmp', 'build/out', '/cache', '.git'])!;
    for (const p of ['node_modules', 'node_modules/a.js', 'web/node_modules/pkg/index.js', 'x.tmp', 'deep/er/x.tmp', 'build/out', 'build/out/app.js', 'cache/k', '.git/HEAD', 'sub/.git/config']) {
      expect(x(p), p).toBe(true);
    }
    for (const p of ['node_modules2', 'x.tmpl', 'src/build/out', 'build/outer', 'sub/cache', 'notes/plan.txt', '.gitignore']) expect(x(p), p).toBe(false);
    expect(excluder([])).toBeUndefined();
    expect(() => excluder([''])).toThrow(RangeError);
    expect(() => excluder(['  '])).toThrow(RangeError);
  });

  it('excluded files are never mirrored; once excluded, mirrored ones are recorded deleted and stay restorable', async () => {
    const src = join(root, 'src');
    const dest = join(root, 'dest');
    mkdirSync(join(src, 'web/node_modules/pkg'), { recursive: true });
    writeFileSync(join(src, 'web/app.js'), 'app\n');
    writeFileSync(join(src, 'web/node_modules/pkg/index.js'), 'dependency\n');
    writeFileSync(join(src, 'draft.tmp'), 'scratch\n');
    writeFileSync(join(src, 'notes.txt'), 'notes\n');
    const first = await syncOnce(src, dest, { keys, settleMs: 0 });
    expect(first.files).toBe(4);
    const before = (await mirrorHistory(dest, keys)).at(-1)!.entry;

    const exclude = ['node_modules', '*.tmp'];
    const second = await syncOnce(src, dest, { keys, settleMs: 0, exclude });
    expect(second.files).toBe(2);
    const ops = (await mirrorHistory(dest, keys)).filter((h) => h.entry > before).map((h) => `${h.op} ${h.path ?? ''}`);
    expect(ops).toEqual(expect.arrayContaining(['delete draft.tmp', 'delete web/node_modules/pkg/index.js']));
    writeFileSync(join(src, 'web/node_modules/pkg/more.js'), 'more\n');
    writeFileSync(join(src, 'other.tmp'), 'more scratch\n');
    expect((await syncOnce(src, dest, { keys, settleMs: 0, exclude })).changes).toBe(0);

    await restoreMirror(dest, join(root, 'now'), { keys });
    expect(files(join(root, 'now'))).toEqual(['notes.txt', 'web/app.js']);
    await restoreMirror(dest, join(root, 'then'), { keys, entry: before });
    expect(files(join(root, 'then'))).toEqual(['draft.tmp', 'notes.txt', 'web/app.js', 'web/node_modules/pkg/index.js']);

    const status = await mirrorStatus(dest, { keys, source: src, exclude });
    expect(status.pending).toEqual({ put: [], delete: [] });
    const unaware = await mirrorStatus(dest, { keys, source: src });
    expect(unaware.pending?.put).toEqual(['draft.tmp', 'other.tmp', 'web/node_modules/pkg/index.js', 'web/node_modules/pkg/more.js']);
  });
});
