/**
 * A real `meshd` for the tests (bin/meshd.js over the built dist/, as `npm test` builds it):
 * `meshd init` in a temporary root, then `meshd serve --listen 127.0.0.1:0`, the port read
 * from its "listening" log line. Several run at once, each on its own free port and root.
 * Its JSON log lines are collected (`logs`); it is stopped with SIGTERM (a clean stop) or
 * killed with SIGKILL, and can be started again on the same root.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { mesh } from './mesh.js';
import { AccountContext, MeshHome, deviceCredential, readBinding, type DeviceCredential } from '../../lib/mesh/index.js';

export const MESHD_BIN = fileURLToPath(new URL('../../bin/meshd.js', import.meta.url));

export interface MeshdLog {
  [k: string]: unknown;
  level: number;
  msg?: string;
}

export class Meshd {
  readonly root: string;
  readonly domain: string;
  readonly serviceUdf: string;
  port = 0;
  /** `--store` for serve (a postgres:// URL or a folder); the embedded store under the root when absent. */
  store?: string;
  logs: MeshdLog[] = [];
  stderr = '';
  exit?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private child?: ChildProcess;

  private constructor(root: string, domain: string, serviceUdf: string) {
    this.root = root;
    this.domain = domain;
    this.serviceUdf = serviceUdf;
  }

  /** `meshd init` in a fresh temporary root (or `root`). */
  static init(domain = 'example.com', root = join(mkdtempSync(join(tmpdir(), 'meshd-')), 'svc')): Meshd {
    const r = spawnSync(process.execPath, [MESHD_BIN, 'init', '--domain', domain, '--root', root], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`meshd init failed: ${r.stderr}`);
    const udf = /Service UDF=(\S+)/.exec(r.stdout)?.[1];
    if (udf === undefined) throw new Error(`meshd init printed no Service UDF: ${r.stdout}`);
    return new Meshd(root, domain, udf);
  }

  /** Starts `meshd init` + `serve`. */
  static async start(domain = 'example.com'): Promise<Meshd> {
    const d = Meshd.init(domain);
    await d.serve();
    return d;
  }

  /** Another front end of this service: the same root (identity), its own process and port; give it `store`. */
  frontEnd(store: string): Meshd {
    const m = new Meshd(this.root, this.domain, this.serviceUdf);
    m.store = store;
    return m;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/.well-known/mmm/`;
  }

  /** MESH_RESOLVE for this service. */
  get resolve(): string {
    return `${this.domain}=http://127.0.0.1:${this.port}`;
  }

  /** `meshd serve` on a free port of 127.0.0.1 (again on the same port after a stop); resolves once it listens. */
  serve(): Promise<void> {
    const store = this.store === undefined ? [] : ['--store', this.store];
    const child = spawn(process.execPath, [MESHD_BIN, 'serve', '--root', this.root, '--listen', `127.0.0.1:${this.port}`, ...store], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    return new Promise((resolve, reject) => {
      let buffer = '';
      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (d: string) => (this.stderr += d));
      child.stdout.on('data', (d: string) => {
        buffer += d;
        let i: number;
        while ((i = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, i);
          buffer = buffer.slice(i + 1);
          let rec: MeshdLog;
          try {
            rec = JSON.parse(line) as MeshdLog;
          } catch {
            rec = { level: 60, msg: `not JSON: ${line}` };
          }
          this.logs.push(rec);
          if (rec.msg === 'listening') {
            this.port = Number(rec.port);
            resolve();
          }
        }
      });
      void this.exit?.then((e) => reject(new Error(`meshd exited (${e.code ?? e.signal}) before listening: ${this.stderr}`)));
    });
  }

  /** A clean stop (SIGTERM); resolves to its exit. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child?.kill('SIGTERM');
    return this.exit as Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  }

  /** kill -9. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exit;
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }
}

/** The connected-device credential of the account in the home at `dir` (what signs its requests). */
export async function credentialOf(dir: string): Promise<DeviceCredential> {
  const h = await MeshHome.open(dir);
  try {
    const ctx = new AccountContext(h, await h.account());
    return await deviceCredential(ctx, readBinding(ctx.record) as NonNullable<ReturnType<typeof readBinding>>);
  } finally {
    await h.close();
  }
}

/** Two services of example.com (the second an impostor with its own identity) and the homes of alice and bob, created at the first. */
export async function aliceAndBob(root: string): Promise<{ svc: Meshd; other: Meshd; aliceDir: string; alice: DeviceCredential; bob: DeviceCredential }> {
  const [svc, other] = await Promise.all([Meshd.start('example.com'), Meshd.start('example.com')]);
  const aliceDir = join(root, 'alice');
  const env = (d: string) => ({ env: { MESH_HOME: d, MESH_RESOLVE: svc.resolve } });
  for (const [who, dir] of [['alice', aliceDir], ['bob', join(root, 'bob')]] as const) {
    const r = await mesh(['account', 'create', `${who}@example.com`], env(dir));
    if (r.code !== 0) throw new Error(`account create ${who}: ${r.stderr}`);
  }
  return { svc, other, aliceDir, alice: await credentialOf(aliceDir), bob: await credentialOf(join(root, 'bob')) };
}
