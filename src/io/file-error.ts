// Turns a file system error into a message a user can act on: what failed, on which file, what to do.
import { UserError } from '../errors.js';

export function fileError(action: 'read' | 'write', what: string, file: string, err: unknown, flag?: string): UserError {
  const e = err as NodeJS.ErrnoException | undefined;
  if (e?.code === 'EISDIR') return new UserError(`${what} ${file} is a folder: ${flag ? `point ${flag} at a file` : 'name a file'}`);
  return new UserError(`could not ${action} the ${what} ${file} (${e?.code ?? e?.message ?? String(err)}): ${hintFor(e?.code, action)}`);
}

export function hintFor(code: string | undefined, action: 'read' | 'write'): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return action === 'read' ? 'check its permissions: the user running opencx-sync must be able to read it' : 'check the permissions of the file and its folder';
    case 'EROFS':
      return 'the file system is read-only: write somewhere else';
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EFBIG':
      return 'free some disk space';
    case 'ENOENT':
    case 'ENOTDIR':
      return 'check that the path and its folders exist';
    case 'ELOOP':
      return 'the path is a loop of symlinks: fix the link';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files: raise the limit (ulimit -n) and try again';
    default:
      return action === 'read' ? 'check that the path names a readable file' : 'check that its folder exists and is writable';
  }
}
