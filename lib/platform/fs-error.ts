/**
 * A failed file-system call as the library reports it: DareError IO (OUTPUT_EXISTS for
 * EEXIST) with the path and a short reason, the system error kept as the cause.
 * @module
 */
import { DareError } from '../errors.js';

export function fileError(e: unknown, path: string): DareError {
  if (e instanceof DareError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const why = code === 'ENOENT' ? 'no such file or directory'
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
      : code === 'ENOSPC' ? 'no space left on device'
        : code === 'ENOTDIR' ? 'not a directory'
          : code === 'EEXIST' ? 'already exists (use --force to overwrite)'
          : e instanceof Error ? e.message : String(e);
  return new DareError(code === 'EEXIST' ? 'OUTPUT_EXISTS' : 'IO', `${path}: ${why}`, { cause: e });
}
