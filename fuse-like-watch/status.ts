/**
 * What a mirror holds: the journal verified now, the current state, the last
 * checkpoint and signature, the running watcher, objects missing from DEST,
 * what the source folder has that is not mirrored yet (pending), and with
 * `deep` every current object decrypted and checked. Also the history, one
 * line per journal entry, for audits and for choosing a restore point.
 * @module
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { isDareError } from '../lib/index.js';
import { errno, lstatOrNone, under, walk } from './fsutil.js';
import { JOURNAL_FILE, lastCheckpoint, readJournal, replay, type JournalFrame, type MirrorKeys } from './journal.js';
import { objectPath, readObject } from './objects.js';
import { excluder } from './exclude.js';

export interface StatusOptions {
  readonly keys: MirrorKeys;
  /** The source folder to compare with (default: the one recorded when the mirror was created, if it exists here). */
  readonly source?: string;
  /** Decrypt and check every object of the current state. */
  readonly deep?: boolean;
  /** The watcher's exclude patterns (MirrorOptions.exclude): excluded files are not pending. */
  readonly exclude?: readonly string[];
}

export interface MirrorStatus {
  /** Index of the last journal frame. */
  readonly entries: number;
  readonly files: number;
  readonly dirs: number;
  readonly bytes: number;
  readonly lastChange?: string;
  readonly checkpoint?: { entry: number; time: string };
  /** Last frame with a valid signature (trusted, when signers are given). */
  readonly signed?: { entry: number; by?: string };
  readonly tornBytes: number;
  /** Objects of the current state not found in DEST. */
  readonly missing: string[];
  /** Objects that failed the deep check, with the reason. */
  readonly damaged: { path: string; reason: string }[];
  readonly deepChecked: boolean;
  readonly source?: string;
  /** Changes in the source not mirrored yet (by size, time and mode). */
  readonly pending?: { put: string[]; delete: string[] };
  readonly watcher?: { pid: number; host: string; started: string };
}

export async function mirrorStatus(dest: string, o: StatusOptions): Promise<MirrorStatus> {
  const read = await readJournal(join(dest, JOURNAL_FILE), o.keys);
  const state = replay(read.frames);
  const missing: string[] = [];
  const damaged: { path: string; reason: string }[] = [];
  const rk = { keys: o.keys.decryptionKeys, secrets: o.keys.secret ? [o.keys.secret] : [], trustedSigners: o.keys.trustedSigners };
  for (const [p, r] of [...state.files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const file = objectPath(dest, r.object);
    if (!(await lstatOrNone(file))) {
      missing.push(p);
      continue;
    }
    if (!o.deep) continue;
    try {
      for await (const _ of readObject(file, r, rk)) {
        // Every check runs at the end of the payload.
      }
    } catch (e) {
      if (!isDareError(e)) throw e;
      damaged.push({ path: p, reason: e.message });
    }
  }
  const source = o.source ?? state.source;
  let pending: MirrorStatus['pending'];
  if (source !== undefined && (await lstatOrNone(source))?.isDirectory()) {
    const put: string[] = [];
    const seen = new Set<string>();
    const excluded = excluder(o.exclude);
    for await (const w of walk(source, '', undefined, excluded)) {
      if (w.dir) continue;
      seen.add(w.path);
      const st = await lstatOrNone(under(source, w.path)).catch(() => undefined);
      const r = state.files.get(w.path);
      if (!st || !r || r.size !== Number(st.size) || r.mtimeNs !== String(st.mtimeNs) || r.mode !== (Number(st.mode) & 0o7777)) put.push(w.path);
    }
    // A mirrored file now excluded is deleted by the next pass: pending too.
    pending = { put: put.sort(), delete: [...state.files.keys()].filter((p) => !seen.has(p)).sort() };
  }
  const cp = lastCheckpoint(read.frames);
  return {
    entries: read.last, files: state.files.size, dirs: state.dirs.size, bytes: state.bytes, lastChange: state.lastTime,
    checkpoint: cp && { entry: cp.index, time: cp.time },
    signed: read.lastSigned >= 0 ? { entry: read.lastSigned, by: read.signedBy } : undefined,
    tornBytes: read.tornBytes, missing, damaged, deepChecked: o.deep === true, source, pending,
    watcher: await lockInfo(join(dest, 'lock')),
  };
}

async function lockInfo(path: string): Promise<MirrorStatus['watcher']> {
  try {
    const o = JSON.parse(await fs.readFile(path, 'utf8')) as { pid?: unknown; host?: unknown; started?: unknown };
    if (typeof o.pid !== 'number' || typeof o.host !== 'string' || typeof o.started !== 'string') return undefined;
    try {
      process.kill(o.pid, 0);
    } catch (e) {
      if (errno(e) === 'ESRCH') return undefined; // left by a killed watcher
    }
    return { pid: o.pid, host: o.host, started: o.started };
  } catch {
    return undefined;
  }
}

export interface HistoryLine {
  readonly entry: number;
  readonly time?: string;
  readonly op: string;
  readonly path?: string;
  readonly from?: string;
  readonly size?: number;
}

/** One line per journal frame (after frame 0). */
export async function mirrorHistory(dest: string, keys: MirrorKeys): Promise<HistoryLine[]> {
  const read = await readJournal(join(dest, JOURNAL_FILE), keys);
  return read.frames.map(historyLine);
}

function historyLine(f: JournalFrame): HistoryLine {
  if (f.checkpoint) return { entry: f.index, time: f.checkpoint.time, op: 'checkpoint', size: f.checkpoint.bytes };
  const e = f.entry;
  if (!e) return { entry: f.index, op: 'meta' };
  switch (e.op) {
    case 'init': return { entry: f.index, time: e.time, op: 'init' };
    case 'put': return { entry: f.index, time: e.time, op: e.op, path: e.path, size: e.size };
    case 'rename': return { entry: f.index, time: e.time, op: e.op, path: e.path, from: e.from, size: e.size };
    default: return { entry: f.index, time: e.time, op: e.op, path: e.path };
  }
}
