/**
 * Files for the spool and the status file, on luaposix: one write(2) per appended line (what makes
 * `kill -9` lose nothing), fsync, atomic replace (tmp + fsync + rename + fsync of the directory).
 */
import * as fcntl from 'posix.fcntl';
import * as unistd from 'posix.unistd';
import * as stat from 'posix.sys.stat';
import * as dirent from 'posix.dirent';

export class FileError extends Error {}

export function mkdirp(path: string): void {
  let at = '';
  for (const part of path.split('/')) {
    at = at === '' && path.startsWith('/') ? `/${part}` : at === '' ? part : `${at}/${part}`;
    if (part === '' || stat.stat(at) !== undefined) continue;
    const [ok, err] = stat.mkdir(at, 0o755);
    if (ok === undefined && stat.stat(at) === undefined) throw new FileError(`mkdir ${at}: ${err}`);
  }
}

export function listDir(path: string): string[] {
  return dirent.dir(path).filter((n) => n !== '.' && n !== '..');
}

export function fileSize(path: string): number | undefined {
  return stat.stat(path)?.st_size;
}

export function openAppend(path: string): number {
  const [fd, err] = fcntl.open(path, fcntl.O_WRONLY + fcntl.O_CREAT + fcntl.O_APPEND, 0o644);
  if (fd === undefined) throw new FileError(`open ${path}: ${err}`);
  return fd;
}

/** All of `data` with as few write(2) calls as the kernel allows (one, for a spool line). */
export function writeAll(fd: number, data: string): void {
  let rest = data;
  while (rest.length > 0) {
    const [n, err] = unistd.write(fd, rest);
    if (n === undefined) throw new FileError(`write: ${err}`);
    rest = rest.slice(n);
  }
}

export function fsyncFd(fd: number): void {
  unistd.fsync(fd);
}

export function closeFd(fd: number): void {
  unistd.close(fd);
}

export function removeFile(path: string): void {
  unistd.unlink(path);
}

export function fsyncDir(dir: string): void {
  const [fd] = fcntl.open(dir, fcntl.O_RDONLY);
  if (fd === undefined) return;
  unistd.fsync(fd);
  unistd.close(fd);
}

/** Replaces `path` with `content` so that a crash leaves either the old or the new file. */
export function writeFileAtomic(dir: string, path: string, content: string, durable = true): void {
  const tmp = `${path}.tmp`;
  const [fd, err] = fcntl.open(tmp, fcntl.O_WRONLY + fcntl.O_CREAT + fcntl.O_TRUNC, 0o644);
  if (fd === undefined) throw new FileError(`open ${tmp}: ${err}`);
  try {
    writeAll(fd, content);
    if (durable) unistd.fsync(fd);
  } finally {
    unistd.close(fd);
  }
  const [ok, rerr] = os.rename(tmp, path);
  if (!ok) throw new FileError(`rename ${tmp}: ${rerr}`);
  if (durable) fsyncDir(dir);
}
