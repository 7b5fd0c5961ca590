/**
 * Every command through the built executable, as a shell runs it: real processes, real
 * pipes between them, stdin and stdout of real processes, exit codes through the shell.
 * The other CLI tests run the same commands in process (test/helpers/dare.ts); this one
 * proves the bundle (dist/bundle/dare.js) and the process edges for each of them.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DARE_BIN, tempDir } from './helpers/dare.js';

const { dir, cleanup } = tempDir('dare-process-');
afterAll(cleanup);

function sh(script: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-c', `set -euo pipefail\nD() { "${process.execPath}" "${DARE_BIN}" "$@"; }\n${script}`], { cwd: dir, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('each command as a process in a shell pipeline', () => {
  it('keys, envelopes, hashes and shares', () => {
    const r = sh(`
      D keygen -o k.key > /dev/null
      D keygen --public k.key > k.pub
      printf 'hello\\n' | D encode - -e k.pub | D decode - -i k.key > out.txt
      cmp out.txt <(printf 'hello\\n')
      D hash digest out.txt --alg sha256 > digest.txt
      printf 'hello\\n' | D hash udf - --cty text/plain -q > udf.txt
      D encode out.txt -s k.key -o s.dare 2> /dev/null
      D verify s.dare --signer k.pub > verify.txt
      D inspect s.dare --json > inspect.json
      D encode out.txt -e k.pub -o e.dare
      D keygen -o k2.key > /dev/null
      D rekey e.dare -i k.key -e "$(D keygen --public k2.key)" -o e2.dare > /dev/null
      D decode e2.dare -i k2.key -o - | cmp - out.txt
      D key share --shares 3 --quorum 2 > shares.txt
      D key recover "$(sed -n 2p shares.txt)" "$(sed -n 4p shares.txt)" > recovered.txt
      D --version > version.txt
      if D decode s.dare -i k.key --signer "$(D keygen --public k2.key)" -o - > /dev/null 2>&1; then exit 90; else echo "exit $?" > wrong-signer.txt; fi
    `);
    expect(r.code, r.stderr).toBe(0);
    const f = (n: string) => readFileSync(join(dir, n), 'utf8');
    expect(f('digest.txt').trim()).toBe('5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03');
    expect(f('udf.txt').trim()).toMatch(/^M[A-Z2-7]{3}(-[A-Z2-7]{4}){6}$/);
    expect(f('verify.txt')).toMatch(/^s\.dare: ok: .*trusted/);
    expect(JSON.parse(f('inspect.json'))).toMatchObject({ kind: 'envelope' });
    expect(f('recovered.txt').trim()).toBe(f('shares.txt').split('\n')[0]);
    expect(f('version.txt').trim()).toBe((JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string }).version);
    expect(f('wrong-signer.txt').trim()).toBe('exit 4');
  });

  it('archives, logs and the watched folder', () => {
    const r = sh(`
      mkdir -p src/sub && printf 'a\\n' > src/a.txt && printf 'b\\n' > src/sub/b.txt
      tar c src | D archive a.dare --from-tar - -e k.pub -q
      D list a.dare -i k.key > list.txt
      printf 'more\\n' > more.txt
      D append a.dare more.txt -i k.key
      D delete a.dare more.txt -i k.key
      D index a.dare -i k.key
      D copy a.dare c.dare -i k.key --purge
      D extract c.dare --to-tar - -i k.key | tar t > tar.txt
      D extract c.dare x -i k.key && cmp x/src/sub/b.txt src/sub/b.txt
      D log create l.dlog --sign k.key > /dev/null
      printf 'one\\ntwo\\n' | D log append l.dlog - --sign k.key > /dev/null
      D log show l.dlog | cut -f3 > show.txt
      D log verify l.dlog --signer k.pub > /dev/null
      D log prove l.dlog 2 | D log check-proof - --signer k.pub > proof.txt
      D watch src m -i k.key --once --quiet --settle 0
      D status m -i k.key > /dev/null
      D restore m r -i k.key -q && cmp r/sub/b.txt src/sub/b.txt
    `);
    expect(r.code, r.stderr).toBe(0);
    const f = (n: string) => readFileSync(join(dir, n), 'utf8');
    expect(f('list.txt')).toMatch(/src\/sub\/b\.txt/);
    expect(f('tar.txt').split('\n').filter(Boolean).sort()).toEqual(['src/', 'src/a.txt', 'src/sub/', 'src/sub/b.txt']);
    expect(f('show.txt')).toBe('one\ntwo\n');
    expect(f('proof.txt')).toMatch(/^-: ok: entry 2 .*is in the tree of 3 frames, signed by .* \(trusted\)/);
  });
});
