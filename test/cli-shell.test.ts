// The shell every program shares (cli/shell.ts, cli/report.ts): dare and mesh read `-`, `--`,
// secrets on argv and errors the same way, each under its own name.
import { describe, expect, it } from 'vitest';
import { dare, tempDir } from './helpers/dare.js';
import { mesh } from './helpers/mesh.js';

describe('one shell for dare and mesh', () => {
  it('refuses --passphrase=VALUE, naming the program and its passphrase variable', async () => {
    const d = await dare(['decode', 'x.dare', '--passphrase=hunter2']);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/^dare: error: --passphrase takes no value.*DARE_PASSPHRASE/);
    expect(d.stderr).toContain('dare: hint: see `dare --help`');
    const m = await mesh(['password', 'list', '--passphrase=hunter2']);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/^mesh: error: --passphrase takes no value.*MESH_PASSPHRASE/);
    expect(m.stderr).toContain('mesh: hint: see `mesh --help`');
    expect(d.stderr + m.stderr).not.toContain('hunter2');
  });

  it('gives errors as one JSON object with --json, in mesh as in dare', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const m = await mesh(['password', 'list', '--json', '--home', dir]);
      expect(m.code).not.toBe(0);
      const e = JSON.parse(m.stderr.trim()) as { error: { code: string; exit: number; message: string } };
      expect(e.error.exit).toBe(m.code);
      expect(e.error.message.length).toBeGreaterThan(0);
    } finally {
      cleanup();
    }
  });

  it('reads what follows -- as positionals in mesh too', async () => {
    const { dir, cleanup } = tempDir();
    try {
      // `--` ends the options: `--json` after it is a service name, not the flag.
      const m = await mesh(['password', 'get', '--home', dir, '--', '--json']);
      expect(m.stderr).not.toMatch(/^\{/);
      expect(m.stderr).toMatch(/^mesh: error: /);
    } finally {
      cleanup();
    }
  });
});
