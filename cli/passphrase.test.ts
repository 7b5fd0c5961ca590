/**
 * The child of --passphrase-command gets an environment without our secrets (issue 12,
 * finding 9): DARE_PASSPHRASE is not passed on to it. Through the built CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dare, tempDir } from '../test/helpers/dare.js';
import { SECRET_ENVIRONMENT } from './passphrase.js';

const { dir, cleanup } = tempDir('dare-pass-env-');
afterAll(cleanup);
const p = (n: string) => join(dir, n);
const PASS = 'the passphrase of the locked key';

beforeAll(async () => {
  writeFileSync(p('pass.txt'), `${PASS}\n`);
  writeFileSync(p('msg.txt'), 'a message\n');
  const k = await dare(['keygen', '-o', p('locked.key'), '--passphrase-file', p('pass.txt')]);
  expect(k.code, k.stderr).toBe(0);
});

describe('--passphrase-command runs without our secret environment', () => {
  it('DARE_PASSPHRASE is not inherited: a command that prints it gives an empty passphrase (exit 5)', async () => {
    // Signing needs the private key (the public key of a protected file is readable without it).
    const sign = ['encode', p('msg.txt'), '-s', p('locked.key'), '-o', '-'];
    const leak = await dare([...sign, '--passphrase-command', 'printf "%s\\n" "$DARE_PASSPHRASE"'], { env: { DARE_PASSPHRASE: PASS } });
    expect(leak.code).toBe(5);
    expect(leak.stderr).toMatch(/--passphrase-command: the passphrase is empty/);
    expect(SECRET_ENVIRONMENT).toContain('DARE_PASSPHRASE');
    // The rest of the environment is passed on (PATH, HOME, and the command's own variables).
    const own = await dare([...sign, '--passphrase-command', 'printf "%s\\n" "$PASS_FOR_TEST"'], { env: { DARE_PASSPHRASE: 'wrong', PASS_FOR_TEST: PASS } });
    expect(own.code, own.stderr).toBe(0);
    expect(own.stdout).toContain('a message');
  });
});
