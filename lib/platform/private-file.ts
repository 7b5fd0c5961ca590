/**
 * Small private files a writer keeps for itself on this host (the backup manifest of
 * lib/archive/manifest.ts): read whole, and replaced atomically (a temporary file of a
 * unique name, mode 0600, fsynced, renamed over the old one; its folder created 0700), so a
 * crash leaves the old file or the new one, never a mix.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DareError } from '../errors.js';
import { fileError as ioError } from './fs-error.js';

/** The file's bytes, or undefined when there is none; LIMIT_EXCEEDED above `max` bytes. */
export async function readPrivateFile(path: string, max: number): Promise<Uint8Array | undefined> {
  try {
    if ((await stat(path)).size > max) throw new DareError('LIMIT_EXCEEDED', `${path}: larger than ${max} bytes`);
    return new Uint8Array(await readFile(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e instanceof DareError ? e : ioError(e, path);
  }
}

/** Replaces the file at `path` by `bytes` atomically (mode 0600). */
export async function writePrivateFile(path: string, bytes: Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path).slice(0, 100)}.${randomBytes(8).toString('hex')}.tmp`);
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const h = await open(temp, 'wx', 0o600);
    try {
      await h.writeFile(bytes);
      await h.sync();
    } finally {
      await h.close();
    }
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw ioError(e, path);
  }
}
