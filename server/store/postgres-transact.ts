/**
 * Transact on PostgreSQL (issue 19 "Driver"; mesh brief §5 "Scale-out store", §6 #7): one SQL
 * transaction with an optimistic check on every head it touches, all or nothing.
 *
 * Why READ COMMITTED and a conditional UPDATE are enough (no SERIALIZABLE, no retries on
 * serialization failures): each head is one row, and the write is
 * `UPDATE heads ... WHERE account AND container AND index = expected AND apex = expected`.
 * Two transactions racing on that row: the second UPDATE blocks on the first's row lock; when
 * the first commits, PostgreSQL re-checks the WHERE clause against the row's new version
 * (READ COMMITTED's re-evaluation of an updated row), the index no longer matches, and the
 * second touches no row: a Conflict. If the first rolls back, the second sees the old row and
 * wins. A new container (expected index -1) is an `INSERT ... ON CONFLICT DO NOTHING`, where
 * the second insert waits for the first's outcome the same way. So for every expected head
 * exactly one transaction wins, and what it read (the head) is what it locked: no lost update,
 * no interleaving of frames. Heads are touched in container-name order, so two transactions
 * over the same containers cannot deadlock. The frames are inserted under the head's row lock
 * at the indexes after the head, so the frames of a container stay contiguous.
 *
 * Idempotent retries: the outcome of each (account, request id) is stored with the writes, in the
 * same transaction, and a request id seen before returns it without writing. Two copies of
 * one request racing settle like two writers: one wins, the other conflicts, finds the stored
 * outcome and returns it. A conflict's outcome is stored too (after the rollback), so a retry
 * gets the first answer, as the interface says.
 * @module
 */
import type pg from 'pg';
import { DareError, toHex, fromHex } from '../../lib/index.js';
import type { ContainerAppend, ContainerHead, TransactOutcome } from '../../lib/mesh/index.js';
import { FOREIGN_KEY_VIOLATION, sqlState } from './postgres-errors.js';

/** Rows per INSERT of frames: 3 parameters each, well under PostgreSQL's 65,535. */
const FRAMES_PER_INSERT = 2000;

interface StoredHead { c: string; i: number; a: string }
type StoredOutcome = { accepted: true; heads: StoredHead[] } | { accepted: false; conflicts: StoredHead[] };

function storeHeads(heads: readonly ContainerHead[]): StoredHead[] {
  return heads.map((h) => ({ c: h.container, i: h.index, a: toHex(h.apex) }));
}

function loadHeads(heads: readonly StoredHead[]): ContainerHead[] {
  return heads.map((h) => ({ container: h.c, index: h.i, apex: fromHex(h.a) }));
}

export function encodeOutcome(o: TransactOutcome): StoredOutcome {
  return o.accepted ? { accepted: true, heads: storeHeads(o.heads) } : { accepted: false, conflicts: storeHeads(o.conflicts) };
}

export function decodeOutcome(o: StoredOutcome): TransactOutcome {
  return o.accepted ? { accepted: true, heads: loadHeads(o.heads) } : { accepted: false, conflicts: loadHeads(o.conflicts) };
}

/** The current heads of `containers` (index -1 for a missing one), in their order. */
export async function currentHeads(c: pg.ClientBase, s: string, account: string, containers: readonly string[]): Promise<ContainerHead[]> {
  const r = await c.query<{ container: string; index: string; apex: Buffer }>(
    `SELECT container, index, apex FROM ${s}.heads WHERE account = $1 AND container = ANY($2::text[])`, [account, containers]);
  const by = new Map(r.rows.map((row) => [row.container, row]));
  return containers.map((container) => {
    const row = by.get(container);
    return row === undefined
      ? { container, index: -1, apex: new Uint8Array(0) }
      : { container, index: Number(row.index), apex: new Uint8Array(row.apex) };
  });
}

async function insertFrames(c: pg.ClientBase, s: string, account: string, appends: readonly ContainerAppend[]): Promise<void> {
  const rows: [string, number, Uint8Array][] = [];
  for (const a of appends) a.frames.forEach((f, k) => rows.push([a.container, a.expected.index + 1 + k, f]));
  for (let at = 0; at < rows.length; at += FRAMES_PER_INSERT) {
    const chunk = rows.slice(at, at + FRAMES_PER_INSERT);
    const params: unknown[] = [account];
    const values = chunk.map(([container, index, bytes]) => {
      params.push(container, index, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      const n = params.length;
      return `($1, $${n - 2}, $${n - 1}, $${n})`;
    });
    await c.query(`INSERT INTO ${s}.frames (account, container, index, bytes) VALUES ${values.join(', ')}`, params);
  }
}

/** Moves one head if it is still `expected`; false when it is not (a Conflict for that container). */
async function moveHead(c: pg.ClientBase, s: string, account: string, a: ContainerAppend): Promise<boolean> {
  const next = [Buffer.from(a.next.apex), Buffer.from(a.next.frontier)];
  const r = a.expected.index === -1
    ? await c.query(`INSERT INTO ${s}.heads (account, container, index, apex, frontier) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (account, container) DO NOTHING`, [account, a.container, a.next.index, ...next])
    : await c.query(`UPDATE ${s}.heads SET index = $3, apex = $4, frontier = $5, version = version + 1
        WHERE account = $1 AND container = $2 AND index = $6 AND apex = $7`,
      [account, a.container, a.next.index, ...next, a.expected.index, Buffer.from(a.expected.apex)]);
  return r.rowCount === 1;
}

async function storedOutcome(c: pg.ClientBase, s: string, account: string, requestId: string): Promise<TransactOutcome | undefined> {
  const r = await c.query<{ outcome: StoredOutcome }>(`SELECT outcome FROM ${s}.outcomes WHERE account = $1 AND request_id = $2`, [account, requestId]);
  const row = r.rows[0];
  return row === undefined ? undefined : decodeOutcome(row.outcome);
}

/** Records `outcome` unless the request id has one already; returns the one that stands. */
async function recordOutcome(c: pg.ClientBase, s: string, account: string, requestId: string, outcome: TransactOutcome): Promise<TransactOutcome> {
  const r = await c.query(`INSERT INTO ${s}.outcomes (account, request_id, outcome, created) VALUES ($1, $2, $3, $4)
    ON CONFLICT (account, request_id) DO NOTHING`, [account, requestId, JSON.stringify(encodeOutcome(outcome)), Date.now()]);
  if (r.rowCount === 1) return outcome;
  const stored = await storedOutcome(c, s, account, requestId);
  if (stored === undefined) throw new DareError('CONFLICT', `the outcome of request ${requestId} vanished while it was recorded`);
  return stored;
}

/** The Transact, on one pooled connection (see the module comment for why it is correct). */
export async function transactOn(
  c: pg.ClientBase, s: string, account: string, requestId: string, appends: readonly ContainerAppend[],
): Promise<TransactOutcome> {
  // Durable when it returns: the commit waits for the WAL flush even where the server's default says otherwise.
  await c.query('BEGIN; SET LOCAL synchronous_commit TO on');
  let open = true;
  try {
    // No look-up of the request id first (one round trip fewer on every Transact): a retry of a
    // committed request finds its heads moved, conflicts, and recordOutcome returns the stored
    // outcome; a retry whose heads still match writes, finds the stored outcome, and rolls back.
    // An unknown account fails the foreign keys of heads or outcomes: NOT_FOUND.
    const sorted = [...appends].sort((x, y) => (x.container < y.container ? -1 : x.container > y.container ? 1 : 0));
    const conflicting = new Set<string>();
    for (const a of sorted) if (!(await moveHead(c, s, account, a))) conflicting.add(a.container);
    if (conflicting.size > 0) {
      await c.query('ROLLBACK');
      open = false;
      // Each statement sees what is committed now, the winner's head included.
      const conflicts = await currentHeads(c, s, account, appends.filter((a) => conflicting.has(a.container)).map((a) => a.container));
      return await recordOutcome(c, s, account, requestId, { accepted: false, conflicts });
    }
    await insertFrames(c, s, account, sorted);
    const accepted: TransactOutcome = { accepted: true, heads: appends.map((a) => ({ container: a.container, index: a.next.index, apex: a.next.apex })) };
    const outcome = await recordOutcome(c, s, account, requestId, accepted);
    if (outcome !== accepted) {
      // A copy of this request committed first (possible only when it moved no head): write nothing.
      await c.query('ROLLBACK');
      open = false;
      return outcome;
    }
    await c.query('COMMIT');
    open = false;
    return outcome;
  } catch (e) {
    if (sqlState(e) === FOREIGN_KEY_VIOLATION) throw new DareError('NOT_FOUND', `no account ${account} is bound here`);
    throw e;
  } finally {
    if (open) await c.query('ROLLBACK').catch(() => undefined);
  }
}
