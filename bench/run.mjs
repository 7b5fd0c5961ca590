#!/usr/bin/env node
// `npm run bench`: dare against age, gpg, OpenSSL and the Node peers, in one run on one machine
// (issue 6). Installs nothing: missing peers get a "not installed" row.
//
//   BENCH_SIZE_MIB  size of the random file (default 1024)
//   BENCH_RUNS      runs per measurement; the median is reported (default 3)
//   BENCH_ONLY      comma-separated row ids to run (e.g. dare,floor), default all
//   BENCH_KEEP      keep the temporary directory
//
// Every measurement is a child process (the CLIs, and the Node peers through bench/peers/*.mjs),
// timed by wall clock; peak RSS comes from GNU time (`/usr/bin/time -f %M`) when present, else
// from polling /proc/<pid>/status (VmHWM). Results: a table on stdout, bench/results/latest.json
// and bench/results/latest.md.
//
//   BENCH_SECTIONS  comma-separated sections to run: start,file,archive,log,mesh (default all)
//   BENCH_FILES, BENCH_BIG_FILES, BENCH_LOG_ENTRIES  sizes of the archive and log sections
//                   (default 10000 small files, 100 files of 10 MiB, 100000 log entries)
//   BENCH_MESH_ENTRIES  passwords in the largest mesh home (default 10000)
//
// Sections: "file" (one large file), "archive" (create, list, extract all, extract one; dare
// against tar | age), "log" (appends, verification, inclusion proofs), "mesh" (whole-process
// times of `mesh password get|list|add` as the password catalog grows). Each row is
// { id, name, op, before?(), run() -> Measurement, check?(), rate?(ms) }.
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, writeSync, closeSync, mkdirSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { setInterval, clearInterval } from 'node:timers';
import { createRequire } from 'node:module';
import { tmpdir, cpus, totalmem, platform, release, arch } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(HERE);
const DARE = join(ROOT, 'bin', 'dare.js');
const MESH = join(ROOT, 'bin', 'mesh.js');
const SIZE_MIB = Number(process.env.BENCH_SIZE_MIB ?? 1024);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
const SECTION_ONLY = process.env.BENCH_SECTIONS ? new Set(process.env.BENCH_SECTIONS.split(',')) : undefined;
if (!(SIZE_MIB > 0) || !Number.isInteger(RUNS) || RUNS < 1) {
  console.error('bench: BENCH_SIZE_MIB must be > 0 and BENCH_RUNS a positive integer');
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Measuring

const GNU_TIME = (() => {
  if (!existsSync('/usr/bin/time')) return undefined;
  const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', '/dev/null', 'true']);
  return r.status === 0 ? '/usr/bin/time' : undefined;
})();

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function haveModule(name) {
  try {
    createRequire(join(ROOT, 'package.json')).resolve(name);
    return true;
  } catch {
    // ESM-only packages have no "require" condition: look for the folder.
    return existsSync(join(ROOT, 'node_modules', name, 'package.json'));
  }
}

let rssSeq = 0;
/** Runs one command; resolves { ms, rssKiB }. Rejects on a non-zero exit. */
function exec(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const rssFile = join(ctx.dir, `rss.${process.pid}.${rssSeq++}`);
    const [file, argv] = GNU_TIME ? [GNU_TIME, ['-f', '%M', '-o', rssFile, cmd, ...args]] : [cmd, args];
    const t0 = process.hrtime.bigint();
    const stdin = opts.stdin === undefined ? 'ignore' : openSync(opts.stdin, 'r');
    const child = spawn(file, argv, { stdio: [stdin, opts.stdout === undefined ? 'ignore' : opts.stdout, 'pipe'], env: { ...process.env, ...opts.env } });
    if (typeof stdin === 'number') closeSync(stdin);
    let stderr = '';
    child.stderr.on('data', (d) => {
      if (stderr.length < 4096) stderr += d;
    });
    let hwm = 0;
    const poll = GNU_TIME ? undefined : setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) hwm = Math.max(hwm, Number(m[1]));
      } catch { /* exited */ }
    }, 10);
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (poll) clearInterval(poll);
      let rssKiB = hwm || undefined;
      if (GNU_TIME) {
        try {
          const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
          rssKiB = Number(lines[lines.length - 1]);
          rmSync(rssFile, { force: true });
        } catch { /* no file */ }
      }
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
      else resolve({ ms, rssKiB });
    });
  });
}

/** Runs commands one after the other: times add up, peak RSS is the largest. */
async function sequential(...steps) {
  let ms = 0;
  let rssKiB = 0;
  for (const [cmd, args, opts] of steps) {
    const r = await exec(cmd, args, opts);
    ms += r.ms;
    rssKiB = Math.max(rssKiB, r.rssKiB ?? 0);
  }
  return { ms, rssKiB: rssKiB || undefined };
}

/** Runs commands at the same time: wall time of the whole, peak RSS the sum (both are resident). */
async function parallel(...steps) {
  const t0 = process.hrtime.bigint();
  const rs = await Promise.all(steps.map(([cmd, args, opts]) => exec(cmd, args, opts)));
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, rssKiB: rs.reduce((a, r) => a + (r.rssKiB ?? 0), 0) || undefined };
}

async function sameFile(a, b) {
  if (statSync(a).size !== statSync(b).size) return false;
  const ia = createReadStream(a, { highWaterMark: 1 << 22 })[Symbol.asyncIterator]();
  const ib = createReadStream(b, { highWaterMark: 1 << 22 })[Symbol.asyncIterator]();
  let ba = Buffer.alloc(0);
  let bb = Buffer.alloc(0);
  for (;;) {
    if (ba.length === 0) {
      const r = await ia.next();
      ba = r.done ? Buffer.alloc(0) : r.value;
    }
    if (bb.length === 0) {
      const r = await ib.next();
      bb = r.done ? Buffer.alloc(0) : r.value;
    }
    if (ba.length === 0 || bb.length === 0) return ba.length === bb.length;
    const n = Math.min(ba.length, bb.length);
    if (!ba.subarray(0, n).equals(bb.subarray(0, n))) return false;
    ba = ba.subarray(n);
    bb = bb.subarray(n);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---------------------------------------------------------------------------------------------
// The rows

const ctx = { dir: '', input: '', sizeBytes: SIZE_MIB * 1048576 };
const f = (name) => join(ctx.dir, name);
const KEY_HEX = 'a5'.repeat(32);
const IV_HEX = '5a'.repeat(16);
const GPG = (...a) => ['gpg', ['--homedir', f('gnupg'), '--batch', '--yes', '--quiet', '--pinentry-mode', 'loopback', ...a]];
const NODE = process.execPath;

const peer = (name) => join(HERE, 'peers', `${name}.mjs`);

/**
 * A row: id (for BENCH_ONLY and the JSON), name, op ('encrypt' | 'decrypt'), what it needs,
 * setup (once), run (per run; returns a measurement), output (to compare with the input).
 */
/**
 * `openssl speed` of one primitive on one core, 1 MiB blocks (issue 20): the limit the envelope
 * rows are measured against. A row whose measurement is the rate itself (no child timing):
 * `ms` is the time the file would take at that rate, so that the rate column reads as the others.
 */
function opensslSpeed(evp) {
  const r = spawnSync('openssl', ['speed', '-evp', evp, '-seconds', '2', '-bytes', '1048576'], { encoding: 'utf8' });
  // The last line: "<name>  <n>k" in 1000s of bytes per second.
  const m = /([\d.]+)k\s*$/.exec((r.stdout ?? '').trim());
  if (r.status !== 0 || !m) throw new Error(`openssl speed -evp ${evp}: no result`);
  return { ms: (ctx.sizeBytes / (Number(m[1]) * 1000)) * 1000, rssKiB: undefined };
}

const FILE_ROWS = [
  { id: 'speed', name: 'openssl speed -evp aes-256-cbc (1 MiB blocks, one core: the cipher alone)', op: 'encrypt', needs: ['openssl'], run: async () => opensslSpeed('aes-256-cbc') },
  { id: 'speed', name: 'openssl speed -evp sha512 (1 MiB blocks, one core: the digest alone)', op: 'encrypt', needs: ['openssl'], run: async () => opensslSpeed('sha512') },
  {
    id: 'floor', name: 'floor: openssl enc -aes-256-cbc + sha512sum (sequential)', op: 'encrypt', floor: 'seq', needs: ['openssl', 'sha512sum'],
    run: () => sequential(['openssl', ['enc', '-aes-256-cbc', '-K', KEY_HEX, '-iv', IV_HEX, '-in', ctx.input, '-out', f('floor.enc')]], ['sha512sum', [ctx.input]]),
  },
  {
    id: 'floor', name: 'floor: openssl enc -aes-256-cbc + sha512sum (parallel)', op: 'encrypt', floor: 'par', needs: ['openssl', 'sha512sum'],
    run: () => parallel(['openssl', ['enc', '-aes-256-cbc', '-K', KEY_HEX, '-iv', IV_HEX, '-in', ctx.input, '-out', f('floor.enc')]], ['sha512sum', [ctx.input]]),
  },
  {
    id: 'floor', name: 'floor: openssl enc -d -aes-256-cbc + sha512sum (sequential)', op: 'decrypt', floor: 'seq', needs: ['openssl', 'sha512sum'],
    run: () => sequential(['openssl', ['enc', '-d', '-aes-256-cbc', '-K', KEY_HEX, '-iv', IV_HEX, '-in', f('floor.enc'), '-out', f('floor.dec')]], ['sha512sum', [f('floor.enc')]]),
    output: () => f('floor.dec'),
  },
  {
    id: 'floor', name: 'floor: openssl enc -d -aes-256-cbc + sha512sum (parallel)', op: 'decrypt', floor: 'par', needs: ['openssl', 'sha512sum'],
    run: () => parallel(['openssl', ['enc', '-d', '-aes-256-cbc', '-K', KEY_HEX, '-iv', IV_HEX, '-in', f('floor.enc'), '-out', f('floor.dec')]], ['sha512sum', [f('floor.enc')]]),
  },
  {
    id: 'dare', name: 'dare encode (X25519 recipient, Ed25519 signature)', op: 'encrypt', needs: [],
    run: () => exec(NODE, [DARE, 'encode', ctx.input, '-e', f('dare.pub'), '-s', f('dare.key'), '-o', f('dare.enc'), '--force', '-q']),
  },
  {
    id: 'dare', name: 'dare decode (MAC, digest, signature by --signer)', op: 'decrypt', needs: [],
    run: () => exec(NODE, [DARE, 'decode', f('dare.enc'), '-i', f('dare.key'), '--signer', f('dare.pub'), '-o', f('dare.dec'), '--force', '-q']),
    output: () => f('dare.dec'),
  },
  {
    id: 'age', name: 'age -r (X25519)', op: 'encrypt', needs: ['age', 'age-keygen'],
    run: () => exec('age', ['-r', ctx.ageRecipient, '-o', f('age.enc'), ctx.input]),
  },
  {
    id: 'age', name: 'age -d', op: 'decrypt', needs: ['age', 'age-keygen'],
    run: () => exec('age', ['-d', '-i', f('age.key'), '-o', f('age.dec'), f('age.enc')]),
    output: () => f('age.dec'),
  },
  {
    id: 'gpg', name: 'gpg --symmetric (AES256, no compression)', op: 'encrypt', needs: ['gpg'],
    setup: async () => {
      mkdirSync(f('gnupg'), { recursive: true, mode: 0o700 });
      await exec(...GPG('--passphrase', '', '--quick-gen-key', 'bench <bench@example.org>', 'ed25519', 'sign', '0'));
      const list = spawnSync(...GPG('--with-colons', '--list-keys', 'bench@example.org'), { encoding: 'utf8' });
      const fpr = /^fpr:+([0-9A-F]+):/m.exec(list.stdout)?.[1];
      if (!fpr) throw new Error('gpg: no key generated');
      await exec(...GPG('--passphrase', '', '--quick-add-key', fpr, 'cv25519', 'encr', '0'));
    },
    run: () => exec(...GPG('--passphrase', 'bench', '--symmetric', '--cipher-algo', 'AES256', '--compress-algo', 'none', '-o', f('gpgs.enc'), ctx.input)),
  },
  {
    id: 'gpg', name: 'gpg --decrypt (symmetric)', op: 'decrypt', needs: ['gpg'],
    run: () => exec(...GPG('--passphrase', 'bench', '--decrypt', '-o', f('gpgs.dec'), f('gpgs.enc'))),
    output: () => f('gpgs.dec'),
  },
  {
    id: 'gpg', name: 'gpg --encrypt --sign (cv25519, ed25519, no compression)', op: 'encrypt', needs: ['gpg'],
    run: () => exec(...GPG('--encrypt', '--sign', '-r', 'bench@example.org', '--compress-algo', 'none', '-o', f('gpge.enc'), ctx.input)),
  },
  {
    id: 'gpg', name: 'gpg --decrypt (public key, verify)', op: 'decrypt', needs: ['gpg'],
    run: () => exec(...GPG('--decrypt', '-o', f('gpge.dec'), f('gpge.enc'))),
    output: () => f('gpge.dec'),
  },
  {
    id: 'age-encryption', name: 'age-encryption (npm, Node) encrypt', op: 'encrypt', needsModule: 'age-encryption',
    setup: () => exec(NODE, [peer('age-encryption'), 'setup', ctx.dir]),
    run: () => exec(NODE, [peer('age-encryption'), 'encrypt', ctx.dir, ctx.input, f('agenode.enc')]),
  },
  {
    id: 'age-encryption', name: 'age-encryption (npm, Node) decrypt', op: 'decrypt', needsModule: 'age-encryption',
    run: () => exec(NODE, [peer('age-encryption'), 'decrypt', ctx.dir, f('agenode.enc'), f('agenode.dec')]),
    output: () => f('agenode.dec'),
  },
  {
    id: 'openpgp', name: 'openpgp (npm, Node) encrypt + sign', op: 'encrypt', needsModule: 'openpgp',
    setup: () => exec(NODE, [peer('openpgp'), 'setup', ctx.dir]),
    run: () => exec(NODE, [peer('openpgp'), 'encrypt', ctx.dir, ctx.input, f('pgpnode.enc')]),
  },
  {
    id: 'openpgp', name: 'openpgp (npm, Node) decrypt + verify', op: 'decrypt', needsModule: 'openpgp',
    run: () => exec(NODE, [peer('openpgp'), 'decrypt', ctx.dir, f('pgpnode.enc'), f('pgpnode.dec')]),
    output: () => f('pgpnode.dec'),
  },
];

// Archives (issue 6): a tree of many small files and one of a few large ones, each archived,
// listed and extracted (all, and one file) by dare and by `tar | age`.
const SMALL_FILES = Number(process.env.BENCH_FILES ?? 10000);
const BIG_FILES = Number(process.env.BENCH_BIG_FILES ?? 100);
const BIG_MIB = 10;
const LOG_ENTRIES = Number(process.env.BENCH_LOG_ENTRIES ?? 100000);

/** Writes a tree of `count` files; returns { bytes, one } (one: a relative path in the middle). */
function makeTree(dir, count, size) {
  let bytes = 0;
  let one = '';
  const buf = Buffer.allocUnsafe(BIG_MIB << 20);
  for (let i = 0; i < count; i++) {
    const sub = join(dir, `d${String(i % 100).padStart(2, '0')}`);
    mkdirSync(sub, { recursive: true });
    const n = size(i);
    const name = `f${String(i).padStart(5, '0')}.bin`;
    writeFileSync(join(sub, name), randomFillSync(buf, 0, n).subarray(0, n));
    bytes += n;
    if (i === count >> 1) one = `d${String(i % 100).padStart(2, '0')}/${name}`;
  }
  return { bytes, one };
}

function archiveRows(set, files) {
  const src = () => f(`${set}-src`);
  const arch = () => f(`${set}.dare`);
  const tarAge = () => f(`${set}.tar.age`);
  const dest = (x) => f(`${set}-out-${x}`);
  const fresh = (x) => () => {
    rmSync(dest(x), { recursive: true, force: true });
    mkdirSync(dest(x), { recursive: true });
  };
  const data = () => ctx.trees[set];
  const perFile = (ms) => `${(files / (ms / 1000)).toFixed(0)} files/s, ${(data().bytes / 1048576 / (ms / 1000)).toFixed(0)} MiB/s`;
  return [
    { id: 'dare', group: set, name: `dare archive (encrypt + sign) [${set}]`, op: 'create', rate: perFile,
      before: () => rmSync(arch(), { force: true }),
      run: () => exec(NODE, [DARE, 'archive', arch(), `${src()}/.`, '-e', f('dare.pub'), '-s', f('dare.key'), '-q']) },
    { id: 'age', group: set, name: `tar c | age -r [${set}]`, op: 'create', rate: perFile, needs: ['age', 'tar'],
      run: () => exec('sh', ['-c', `tar cf - -C "${src()}" . | age -r ${ctx.ageRecipient} -o "${tarAge()}"`]) },
    { id: 'dare', group: set, name: `dare list [${set}]`, op: 'list',
      run: () => exec(NODE, [DARE, 'list', arch(), '-i', f('dare.key')]) },
    { id: 'age', group: set, name: `age -d | tar t [${set}]`, op: 'list', needs: ['age', 'tar'],
      run: () => exec('sh', ['-c', `age -d -i "${f('age.key')}" "${tarAge()}" | tar tf - > /dev/null`]) },
    { id: 'dare', group: set, name: `dare extract all [${set}]`, op: 'extract all', rate: perFile, before: fresh('dare'),
      run: () => exec(NODE, [DARE, 'extract', arch(), dest('dare'), '-i', f('dare.key'), '-q']),
      check: () => sameTree(src(), dest('dare')) },
    { id: 'age', group: set, name: `age -d | tar x [${set}]`, op: 'extract all', rate: perFile, needs: ['age', 'tar'], before: fresh('age'),
      run: () => exec('sh', ['-c', `age -d -i "${f('age.key')}" "${tarAge()}" | tar xf - -C "${dest('age')}"`]) },
    { id: 'dare', group: set, name: `dare extract one [${set}]`, op: 'extract one', before: fresh('dare1'), oneOf: 'dare',
      run: () => exec(NODE, [DARE, 'extract', arch(), dest('dare1'), '--file', data().one, '-i', f('dare.key'), '-q']) },
    { id: 'age', group: set, name: `age -d | tar x one [${set}]`, op: 'extract one', needs: ['age', 'tar'], before: fresh('age1'), oneOf: 'age',
      run: () => exec('sh', ['-c', `age -d -i "${f('age.key')}" "${tarAge()}" | tar xf - -C "${dest('age1')}" "./${data().one}"`]) },
  ];
}

/** Same relative paths and bytes under a and b (the bench's own trees: regular files only). */
function sameTree(a, b) {
  const walk = (d, p = '') => readdirSync(join(d, p), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(d, join(p, e.name)) : [join(p, e.name)])).sort();
  const fa = walk(a);
  const fb = walk(b);
  return fa.length === fb.length && fa.every((x, i) => x === fb[i] && readFileSync(join(a, x)).equals(readFileSync(join(b, x))));
}

const perEntry = (ms) => `${(LOG_ENTRIES / (ms / 1000)).toFixed(0)} entries/s`;
const LOG_ROWS = [
  { id: 'dare', name: `dare log append, ${LOG_ENTRIES} lines from stdin (encrypted, signed)`, op: 'append', rate: perEntry,
    before: async () => {
      rmSync(f('bench.log'), { force: true });
      await exec(NODE, [DARE, 'log', 'create', f('bench.log'), '-e', f('dare.pub'), '--sign', f('dare.key')]);
    },
    run: () => exec(NODE, [DARE, 'log', 'append', f('bench.log'), '-', '--sign', f('dare.key'), '-q'], { stdin: f('log.txt') }) },
  { id: 'dare', name: 'dare log verify (every frame, MAC, tree, signature)', op: 'verify', rate: perEntry,
    run: () => exec(NODE, [DARE, 'log', 'verify', f('bench.log'), '-i', f('dare.key'), '--signer', f('dare.pub'), '-q']) },
  { id: 'dare', name: 'dare log prove (entry in the middle)', op: 'prove',
    run: () => exec(NODE, [DARE, 'log', 'prove', f('bench.log'), String(LOG_ENTRIES >> 1), '-o', f('proof.json'), '--force']) },
  { id: 'dare', name: 'dare log check-proof', op: 'check',
    run: () => exec(NODE, [DARE, 'log', 'check-proof', f('proof.json'), '--signer', f('dare.pub')]) },
];

// Mesh (issue 14): a personal account's password catalog of 10, 1,000 and BENCH_MESH_ENTRIES
// entries; every row is a whole `mesh` process (start-up included), as a user runs it.
const MESH_ENTRIES = Number(process.env.BENCH_MESH_ENTRIES ?? 10000);
const MESH_SIZES = [...new Set([10, 1000, MESH_ENTRIES])].filter((x) => x <= MESH_ENTRIES);
const meshHome = (size, sealed = false) => f(`mesh-${size}${sealed ? '-sealed' : ''}`);
const meshEnv = (size, sealed = false) => ({ MESH_HOME: meshHome(size, sealed), ...(sealed ? { MESH_PASSPHRASE: 'bench passphrase' } : {}) });
const mesh = (size, args, sealed = false) => exec(NODE, [MESH, ...args], { env: meshEnv(size, sealed) });
const service = (i) => `host${String(i).padStart(6, '0')}.example.com`;
const dropIndex = (size) => rmSync(join(meshHome(size), 'cache'), { recursive: true, force: true });
const perPassword = (size) => (ms) => `${((ms * 1000) / size).toFixed(0)} us/entry`;
const MESH_ROWS = [
  { id: 'mesh', name: 'node -e "" (the floor: a Node process)', op: 'start', run: () => exec(NODE, ['-e', '']) },
  { id: 'mesh', name: 'mesh --help (start-up: load and parse)', op: 'start', run: () => exec(NODE, [MESH, '--help'], { stdout: 'ignore' }) },
  ...MESH_SIZES.flatMap((size) => [
    { id: 'mesh', name: `mesh password get, ${size} entries (entry index current)`, op: 'get', run: () => mesh(size, ['password', 'get', service(size >> 1)]) },
    { id: 'mesh', name: `mesh password get, ${size} entries (no index: the catalog read in full)`, op: 'get', before: () => dropIndex(size), run: () => mesh(size, ['password', 'get', service(size >> 1)]) },
    { id: 'mesh', name: `mesh password list, ${size} entries`, op: 'list', rate: perPassword(size), run: () => mesh(size, ['password', 'list']) },
  ]),
  { id: 'mesh', name: 'mesh password get, 10 entries, key store sealed (scrypt N=2^17)', op: 'get', run: () => mesh(10, ['password', 'get', service(5)], true) },
  { id: 'mesh', name: `mesh password add --force, ${MESH_ENTRIES} entries (one more version)`, op: 'add',
    run: () => exec(NODE, [MESH, 'password', 'add', service(1), 'user1', '--force', '--password-file', f('mesh-pw')], { env: meshEnv(MESH_ENTRIES) }) },
];

async function prepareMesh() {
  writeFileSync(f('mesh-pw'), 'a new password\n');
  for (const [size, sealed] of [...MESH_SIZES.map((x) => [x, false]), [10, true]]) {
    await exec(NODE, [MESH, 'account', 'create', 'bench'], { env: meshEnv(size, sealed) });
    await exec(NODE, [join(HERE, 'mesh-fill.mjs'), meshHome(size, sealed), String(size)], { env: meshEnv(size, sealed) });
  }
}

// Start-up (issue 20): a bare Node process, `dare --version`, and `dare --help` (the CLI loaded and
// its parser built). Extracting one file of the 10,000-file archive is in the archive section.
const START_ROWS = [
  { id: 'start', name: 'node -e "" (the floor: a Node process)', op: 'start', run: () => exec(NODE, ['-e', '']) },
  { id: 'start', name: 'dare --version', op: 'start', run: () => exec(NODE, [DARE, '--version'], { stdout: 'ignore' }) },
  { id: 'start', name: 'dare --help (the CLI loaded, its parser built)', op: 'start', run: () => exec(NODE, [DARE, '--help'], { stdout: 'ignore' }) },
];

const SECTIONS = [
  { id: 'start', title: 'Process start', rows: START_ROWS },
  { id: 'file', title: `One ${SIZE_MIB} MiB random file`, rows: FILE_ROWS, prepare: () => { ctx.input = makeInput(); }, rate: (ms) => `${(SIZE_MIB / (ms / 1000)).toFixed(0)} MiB/s` },
  {
    id: 'archive', title: `Archives: ${SMALL_FILES} files of 1-64 KiB, and ${BIG_FILES} files of ${BIG_MIB} MiB`,
    prepare: () => {
      ctx.trees = {
        small: makeTree(f('small-src'), SMALL_FILES, () => 1024 + Math.floor(Math.random() * 63 * 1024)),
        big: makeTree(f('big-src'), BIG_FILES, () => BIG_MIB << 20),
      };
    },
    rows: [...archiveRows('small', SMALL_FILES), ...archiveRows('big', BIG_FILES)],
  },
  {
    id: 'log', title: `Encrypted, signed Merkle-tree log: ${LOG_ENTRIES} entries of 200 bytes`,
    prepare: () => {
      const line = (i) => `${String(i).padStart(8, '0')} ${'x'.repeat(191)}\n`;
      const fd = openSync(f('log.txt'), 'w');
      for (let i = 0; i < LOG_ENTRIES; i += 1000) writeSync(fd, Array.from({ length: Math.min(1000, LOG_ENTRIES - i) }, (_, k) => line(i + k)).join(''));
      closeSync(fd);
    },
    rows: LOG_ROWS,
  },
  { id: 'mesh', title: `Mesh: password catalogs of ${MESH_SIZES.join(', ')} entries (whole process)`, prepare: prepareMesh, rows: MESH_ROWS },
];

// ---------------------------------------------------------------------------------------------
// Main

function makeInput() {
  const path = f('input.bin');
  const fd = openSync(path, 'w');
  const buf = Buffer.allocUnsafe(1 << 20);
  for (let i = 0; i < SIZE_MIB; i++) writeSync(fd, randomFillSync(buf));
  const rest = Math.round((SIZE_MIB % 1) * 1048576);
  if (rest) writeSync(fd, randomFillSync(buf), 0, rest);
  closeSync(fd);
  return path;
}

/** A progress line: rewritten in place on a terminal, one line per step on stderr otherwise. */
function progress(text) {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
  else if (text) process.stderr.write(`${text}\n`);
}

function fmtMs(ms) {
  return ms >= 10000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`;
}

/** Key pairs every section uses: a dare key set, and an age identity when age is installed. */
async function makeKeys() {
  await exec(NODE, [DARE, 'keygen', '-o', f('dare.key'), '--force'], { stdout: 'ignore' });
  await exec(NODE, [DARE, 'keygen', '--public', f('dare.key'), '-o', f('dare.pub'), '--force']);
  if (!have('age-keygen')) return;
  const r = spawnSync('age-keygen', ['-o', f('age.key')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`age-keygen: ${r.stderr}`);
  const m = /public key: (age1\w+)/.exec(r.stderr + readFileSync(f('age.key'), 'utf8'));
  if (!m) throw new Error('age-keygen: no public key');
  ctx.ageRecipient = m[1];
}

async function main() {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
    console.error('bench: dare is not built: run `npm ci` (or `npm run build`) first');
    process.exit(2);
  }
  ctx.dir = mkdtempSync(join(process.env.BENCH_TMPDIR ?? tmpdir(), 'dare-bench-'));
  const cleanup = () => {
    if (!process.env.BENCH_KEEP) rmSync(ctx.dir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  const cpu = cpus();
  const machine = {
    cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, mhz: cpu[0]?.speed,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10, platform: platform(), release: release(), arch: arch(),
  };
  console.log(`dare bench: ${SIZE_MIB} MiB, median of ${RUNS} run(s), node ${process.version}`);
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.platform} ${machine.release} ${machine.arch}`);
  console.log(`peak RSS from ${GNU_TIME ? 'GNU time (%M)' : '/proc/<pid>/status VmHWM (polled)'}; temp dir ${ctx.dir}\n`);
  try {
    await makeKeys();

    const results = [];
    for (const section of SECTIONS) {
      if (SECTION_ONLY && !SECTION_ONLY.has(section.id)) continue;
      const rows = section.rows.map((r) => ({ ...r, section: section.id, runs: [], rss: [] }));
      results.push({ section, rows });
      progress(`preparing: ${section.title}`);
      await section.prepare?.();
      for (const r of rows) {
        if (ONLY && !ONLY.has(r.id)) r.status = 'skipped (BENCH_ONLY)';
        else if (r.needs?.some((c) => !have(c))) r.status = `not installed (${r.needs.filter((c) => !have(c)).join(', ')})`;
        else if (r.needsModule && !haveModule(r.needsModule)) r.status = `not installed (npm ${r.needsModule})`;
      }
      for (const r of rows) {
        if (r.status || !r.setup) continue;
        try {
          await r.setup();
        } catch (e) {
          for (const x of rows) if (x.id === r.id) x.status = `failed: ${e.message}`;
        }
      }
      for (let run = 0; run < RUNS; run++) {
        for (const r of rows) {
          if (r.status) continue;
          progress(`run ${run + 1}/${RUNS}: ${r.name}`);
          try {
            await r.before?.();
            const m = await r.run();
            r.runs.push(m.ms);
            if (m.rssKiB) r.rss.push(m.rssKiB);
            if (run === 0 && r.output && !(await sameFile(ctx.input, r.output()))) r.status = 'failed: output differs from the input';
            if (run === 0 && r.check && !r.check()) r.status = 'failed: output differs from the input';
          } catch (e) {
            r.status = `failed: ${e.message}`;
            for (const x of rows) if (x.id === r.id && x.op === 'decrypt' && r.op === 'encrypt' && !x.status) x.status = 'failed: its encryption failed';
            for (const x of rows) if (x.id === r.id && x.group === r.group && r.op === 'create' && !x.status) x.status = 'failed: its archive was not created';
          }
        }
      }
      progress('');
      const floorOf = (op, kind) => rows.find((x) => x.floor === kind && x.op === op && !x.status && x.runs.length);
      for (const r of rows) {
        if (r.status || !r.runs.length) continue;
        r.medianMs = median(r.runs);
        if (section.id === 'file') r.mibPerS = SIZE_MIB / (r.medianMs / 1000);
        const rate = r.rate ?? section.rate;
        r.rateText = rate ? rate(r.medianMs) : '';
        r.peakRssMiB = r.rss.length ? Math.max(...r.rss) / 1024 : undefined;
      }
      for (const r of rows) {
        if (r.medianMs === undefined) continue;
        const seq = floorOf(r.op, 'seq');
        const par = floorOf(r.op, 'par');
        if (seq) r.xFloor = r.medianMs / seq.medianMs;
        // Against age in the same run (issue 20's target: within 1.2x of age's wall time).
        const age = rows.find((x) => x.id === 'age' && x.op === r.op && x.group === r.group && x.medianMs !== undefined && x.status === undefined);
        if (age && r.id !== 'speed') r.xAge = r.medianMs / age.medianMs;
        if (par) r.xParallelFloor = r.medianMs / par.medianMs;
        const all = r.oneOf && rows.find((x) => x.id === r.id && x.group === r.group && x.op === 'extract all' && x.medianMs !== undefined);
        if (all) {
          r.speedup = all.medianMs / r.medianMs;
          r.rateText = `${r.speedup.toFixed(0)}x faster than all`;
        }
      }
    }

    const date = new Date().toISOString();
    const runNote = `median of ${RUNS}, ${date.slice(0, 10)}, node ${process.version}, ${machine.cpu} (${machine.cores} cores), ${machine.memoryGiB} GiB RAM, ${machine.platform} ${machine.release}`;
    const sections = results.map(({ section, rows }) => ({
      id: section.id, title: section.title, date, runs: RUNS, note: runNote,
      rows: rows.map((r) => ({
        id: r.id, name: r.name, op: r.op, status: r.status ?? 'ok', medianMs: r.medianMs, runsMs: r.runs,
        mibPerS: r.mibPerS, rate: r.rateText, speedup: r.speedup, xFloor: r.xFloor, xParallelFloor: r.xParallelFloor, xAge: r.xAge, peakRssMiB: r.peakRssMiB,
      })),
    }));
    // A run of some sections (BENCH_SECTIONS) keeps the other sections of the last results file.
    const resultsFile = join(HERE, 'results', 'latest.json');
    let merged = sections;
    if (SECTION_ONLY && existsSync(resultsFile)) {
      try {
        const old = JSON.parse(readFileSync(resultsFile, 'utf8'));
        const oldNote = `median of ${old.runs}, ${String(old.date).slice(0, 10)}, node ${old.node}, ${old.machine?.cpu} (${old.machine?.cores} cores)`;
        merged = SECTIONS.map((x) => sections.find((n) => n.id === x.id) ?? old.sections?.find((o) => o.id === x.id)).filter(Boolean)
          .map((x) => ({ ...x, note: x.note ?? oldNote }));
      } catch { /* unreadable: keep only this run */ }
    }

    // Table
    const header = ['', 'op', 'median', 'rate', 'x floor', 'x par. floor', 'x age', 'peak RSS'];
    const lines = [];
    for (const section of merged) {
      lines.push({ title: `${section.title} (${section.note ?? ''})` });
      for (const r of section.rows) {
        lines.push(r.medianMs === undefined || r.medianMs === null
          ? [r.name, r.op ?? '', r.status === 'ok' ? 'no result' : String(r.status).slice(0, 100), '', '', '', '', '']
          : [r.name, r.op, fmtMs(r.medianMs), r.rate ?? '', r.xFloor?.toFixed(2) ?? '', r.xParallelFloor?.toFixed(2) ?? '', r.xAge?.toFixed(2) ?? '', r.id === 'speed' ? '' : r.peakRssMiB ? `${r.peakRssMiB.toFixed(1)} MiB` : '?']);
      }
    }
    const widths = header.map((h, i) => Math.max(h.length, ...lines.filter(Array.isArray).map((l) => String(l[i]).length)));
    const pad = (l) => l.map((c, i) => (i === 0 || i === 1 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
    console.log(pad(header));
    for (const l of lines) console.log(Array.isArray(l) ? pad(l) : `-- ${l.title}`);

    const md = [`| ${header.map((h) => h || 'command').join(' | ')} |`, `|${header.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`];
    for (const l of lines) md.push(Array.isArray(l) ? `| ${l.map((c) => String(c).replaceAll('|', '\\|')).join(' | ')} |` : `| **${l.title}** | | | | | | | |`);

    mkdirSync(join(HERE, 'results'), { recursive: true });
    const json = { date, node: process.version, sizeMiB: SIZE_MIB, machine, rssSource: GNU_TIME ? 'gnu-time' : 'proc-vmhwm', sections: merged };
    writeFileSync(resultsFile, JSON.stringify(json, null, 2) + '\n');
    writeFileSync(join(HERE, 'results', 'latest.md'), `${md.join('\n')}\n`);
    console.log('\nwritten: bench/results/latest.json, bench/results/latest.md');
  } finally {
    cleanup();
  }
}

await main();
