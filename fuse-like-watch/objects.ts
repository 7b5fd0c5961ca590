/**
 * Content objects of a mirror: one DARE envelope per file version, named by a
 * keyed fingerprint so that DEST reveals no plaintext name, written in one
 * streaming pass (hash and encrypt together) and renamed into place atomically.
 * Reading an object checks its MAC, its signatures and the plaintext digest the
 * journal recorded before the last bytes are released.
 * @module
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import {
  authenticator, base64urlEncode, contentTypeOf, DareError, encodeEnvelope, EnvelopeReader, utf8,
  type DecryptionKey, type RecipientKey, type SigningKey, type VerificationKey,
} from '../lib/index.js';
import { errno, fsError, tempName } from './fsutil.js';

/** Content type of the name fingerprints (an input of the authenticator, udf-13 §5.2). */
const NAME_CONTENT_TYPE = 'application/dare-watch-object';
const NAME_BITS = 200;

/** The object name of version `digest` of `path`: an authenticator UDF without dashes. */
export function objectName(nameKey: string, path: string, digest: string): string {
  return authenticator(nameKey, utf8(`${path}\0${digest}`), NAME_CONTENT_TYPE, { bits: NAME_BITS }).replace(/-/g, '');
}

/** Where an object lives: objects/XY/NAME.dare, XY the 2nd and 3rd characters (the 1st is the UDF type). */
export function objectPath(dest: string, name: string): string {
  return join(dest, 'objects', name.slice(1, 3), `${name}.dare`);
}

export interface WriteKeys {
  readonly recipients: readonly RecipientKey[];
  readonly secret?: Uint8Array;
  readonly signer?: SigningKey;
}

export interface EncryptedFile {
  readonly kind: 'ok';
  /** The temporary object file; the caller renames or removes it. */
  readonly temp: string;
  readonly digest: string;
  readonly size: number;
  readonly mode: number;
  readonly mtimeNs: string;
}

export type EncryptOutcome =
  | EncryptedFile
  /** The file changed (or was replaced) while it was read: try again once it settles. */
  | { readonly kind: 'changed' }
  /** The file is gone (deleted while it was encrypted). */
  | { readonly kind: 'gone' }
  /** The file cannot be read (permission denied, I/O error). */
  | { readonly kind: 'failed'; readonly reason: string };

async function* hashing(source: AsyncIterable<Uint8Array>, hash: ReturnType<typeof createHash>): AsyncGenerator<Uint8Array> {
  for await (const c of source) {
    hash.update(c);
    yield c;
  }
}

function unreadable(e: unknown, rel: string): EncryptOutcome {
  const code = errno(e);
  if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'gone' };
  return { kind: 'failed', reason: fsError(e, rel).message };
}

/**
 * Encrypts `abs` (recorded as `rel`) into a temporary object in `tmpDir`, hashing
 * the plaintext on the way. Compares the file before and after: a file that was
 * written to, truncated or replaced meanwhile is reported as changed.
 */
export async function encryptFile(abs: string, rel: string, tmpDir: string, keys: WriteKeys): Promise<EncryptOutcome> {
  let h;
  try {
    h = await fs.open(abs, 'r');
  } catch (e) {
    return unreadable(e, rel);
  }
  const temp = tempName(tmpDir, 'obj-');
  let before;
  try {
    before = await h.stat({ bigint: true });
    if (!before.isFile()) return { kind: 'changed' };
    const size = Number(before.size);
    const hash = createHash('sha512');
    const source = hashing(h.createReadStream({ highWaterMark: 1 << 20, autoClose: false, start: 0 }), hash);
    const envelope = encodeEnvelope(source, {
      recipients: keys.recipients, secret: keys.secret, signers: keys.signer ? [keys.signer] : [], payloadLength: size,
      contentMeta: { contentType: contentTypeOf(rel), filename: rel, modified: new Date(Number(before.mtimeMs)).toISOString() },
    });
    const out = await fs.open(temp, 'wx', 0o644);
    try {
      // No fsync here: the mirror fsyncs the objects of a commit together, before the journal.
      for await (const piece of envelope) await out.write(piece);
    } finally {
      await out.close();
    }
    let after;
    try {
      after = await fs.lstat(abs, { bigint: true });
    } catch (e) {
      await fs.rm(temp, { force: true });
      return errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR' ? { kind: 'gone' } : { kind: 'changed' };
    }
    if (after.ino !== before.ino || after.size !== before.size || after.mtimeNs !== before.mtimeNs) {
      await fs.rm(temp, { force: true });
      return { kind: 'changed' };
    }
    return {
      kind: 'ok', temp, digest: base64urlEncode(hash.digest()), size, mode: Number(before.mode) & 0o7777, mtimeNs: String(before.mtimeNs),
    };
  } catch (e) {
    await fs.rm(temp, { force: true });
    // The envelope writer's "grew/shrank while it was read" is a change, not a failure.
    if (e instanceof DareError && e.code === 'IO' && /while it was read/.test(e.message)) return { kind: 'changed' };
    if (e instanceof DareError) throw e;
    if (errno(e) === 'ENOSPC') throw fsError(e, temp);
    return unreadable(e, rel);
  } finally {
    await h.close();
  }
}

/** SHA-512 of a file (base64url), streaming; for rename detection. */
export async function digestFile(abs: string): Promise<string> {
  const hash = createHash('sha512');
  for await (const c of createReadStream(abs, { highWaterMark: 1 << 20 })) hash.update(c as Buffer);
  return base64urlEncode(hash.digest());
}

export interface ReadKeys {
  readonly keys?: readonly DecryptionKey[];
  readonly secrets?: readonly Uint8Array[];
  readonly trustedSigners?: readonly VerificationKey[];
}

/**
 * The verified plaintext of an object: throws a DareError before the last chunk
 * when the MAC, a signature (with trusted signers, one of them must have signed),
 * the length or the plaintext digest the journal recorded does not match.
 */
export async function* readObject(file: string, expect: { digest: string; size: number }, keys: ReadKeys): AsyncGenerator<Uint8Array> {
  let source: AsyncIterable<Uint8Array>;
  try {
    await fs.access(file);
    source = createReadStream(file, { highWaterMark: 1 << 20 });
  } catch (e) {
    throw fsError(e, file);
  }
  const reader = new EnvelopeReader(source, { keys: keys.keys, secrets: keys.secrets, trustedSigners: keys.trustedSigners });
  const info = await reader.open();
  if (!info.encrypted || !info.opened) throw new DareError('NO_MATCHING_KEY', `${file}: the key given does not open this object`);
  const hash = createHash('sha512');
  let n = 0;
  // Hold one chunk back: the last is released only after every check passed.
  let held: Uint8Array | undefined;
  for await (const c of reader.payload()) {
    if (held) yield held;
    hash.update(c);
    n += c.length;
    held = c;
  }
  if (n !== expect.size) throw new DareError('DIGEST_MISMATCH', `${file}: holds ${n} bytes, the journal recorded ${expect.size}`);
  if (base64urlEncode(hash.digest()) !== expect.digest) throw new DareError('DIGEST_MISMATCH', `${file}: the content does not match the digest the journal recorded`);
  if (held) yield held;
}
