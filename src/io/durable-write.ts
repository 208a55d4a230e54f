// Replaces a file whole or not at all, even on a full disk: temp file in the same folder, a write loop
// until every byte is down (a full disk cuts writes short), fsync, a size check, rename, folder fsync.
// Hand-written because write-file-atomic 7 does one write and ignores a short one, so a full disk
// left a cut-off state file and reported success.
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import path from 'node:path';

/** The few file operations the write needs; tests pass their own to make writes short or fail. */
export interface WriteFs {
  open(file: string, flags: string, mode?: number): Promise<WriteHandle>;
  rename(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
}

export interface WriteHandle {
  write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  stat(): Promise<{ size: number }>;
  close(): Promise<void>;
}

export const nodeFs: WriteFs = {
  open: (file, flags, mode) => fsp.open(file, flags, mode),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (file) => fsp.unlink(file),
};

/**
 * Temp files are `.<name>.tmp-<pid>-<random>` next to the target: hidden, recognisable (so a later run
 * can remove what a killed one left, and a .gitignore line can keep them out of commits), and on the
 * same file system, so the rename is atomic.
 */
export function tempNameFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Matches the temp files `tempNameFor(file)` makes; the pid is the first group. */
export function tempNamePattern(file: string): RegExp {
  return new RegExp(`^\\.${escapeRegExp(path.basename(file))}\\.tmp-(\\d+)-[0-9a-f]+$`);
}

export async function writeFileDurably(file: string, text: string, fs: WriteFs = nodeFs): Promise<void> {
  // A symlinked file keeps its link: the target is replaced, as write-file-atomic did.
  const target = await fsp.realpath(file).catch(() => file);
  const data = Buffer.from(text, 'utf8');
  const temp = tempNameFor(target);
  // Keep the permissions of the file being replaced (the umask still applies).
  const mode = await fsp.stat(target).then((st) => st.mode & 0o777, () => 0o666);
  let fh: WriteHandle | undefined;
  try {
    fh = await fs.open(temp, 'wx', mode);
    await writeAll(fh, data, 0, temp);
    await fh.sync();
    const { size } = await fh.stat();
    if (size !== data.length) throw errno('EIO', `${temp} holds ${size} of ${data.length} bytes after writing`);
    await fh.close();
    fh = undefined;
    await fs.rename(temp, target);
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await fs.unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncFolder(path.dirname(target));
}

/** Writes every byte of `data` at `position` (a full disk cuts writes short); fails if a write makes no progress. */
export async function writeAll(fh: WriteHandle, data: Uint8Array, position: number, name: string): Promise<void> {
  for (let done = 0; done < data.length; ) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    if (!(bytesWritten > 0)) throw errno('ENOSPC', `no space left on device, write ${name}`);
    done += bytesWritten;
  }
}

/** Makes the rename itself durable. Not every platform can fsync a folder; the file is in place anyway. */
export async function syncFolder(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r').catch(() => undefined);
  if (!fh) return;
  await fh.sync().catch(() => undefined);
  await fh.close().catch(() => undefined);
}

function errno(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
