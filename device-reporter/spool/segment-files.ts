import {
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { ReportRecord } from '../../contract/index.ts';
import { decodeLine, encodeLine } from './line-codec.ts';

/**
 * File-level operations of the spool: naming, reading a segment back (tolerating a torn tail),
 * atomic replace (write tmp + fsync + rename + fsync dir). Synchronous on purpose: appends are a
 * few hundred bytes, and a synchronous write(2) of a whole line is what makes `kill -9` safe.
 */
export const SEGMENT_RE = /^seg-(\d{16})\.log$/;

export function segmentName(firstSeq: number): string {
  return `seg-${String(firstSeq).padStart(16, '0')}.log`;
}

/** Segment files in `dir`, oldest first. */
export function listSegments(dir: string): Array<{ name: string; firstSeq: number }> {
  return readdirSync(dir)
    .map((name) => ({ name, m: SEGMENT_RE.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map((x) => ({ name: x.name, firstSeq: Number(x.m[1]) }))
    .sort((a, b) => a.firstSeq - b.firstSeq);
}

export interface EntryOnDisk {
  seq: number;
  bootId: string;
  type: ReportRecord['type'];
  timeMs: number;
  iface?: string;
  /** `JSON.stringify(record)`. */
  json: string;
  /** Bytes of the whole line on disk. */
  bytes: number;
}

export interface SegmentRead {
  entries: EntryOnDisk[];
  bytes: number;
  /** A last line without its newline (a write cut short) was cut off the file. */
  tornTail: boolean;
  /** Complete lines whose checksum or content was wrong (skipped). */
  corruptLines: number;
}

export function toEntry(bootId: string, record: ReportRecord, json: string): EntryOnDisk {
  const line = encodeLine(bootId, json);
  return {
    seq: record.seq,
    bootId,
    type: record.type,
    timeMs: record.timeMs,
    ...(record.type === 'policy' ? {} : { iface: record.iface }),
    json,
    bytes: Buffer.byteLength(line),
  };
}

/** Reads a segment; a torn last line is truncated away so that later appends cannot glue onto it. */
export function readSegment(path: string): SegmentRead {
  const buf = readFileSync(path);
  const lastNl = buf.lastIndexOf(0x0a);
  const goodLen = lastNl + 1;
  const tornTail = goodLen < buf.length;
  if (tornTail) truncateSync(path, goodLen);
  const entries: EntryOnDisk[] = [];
  let corruptLines = 0;
  const text = buf.subarray(0, goodLen).toString('utf8');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const d = decodeLine(line);
    if (!d.ok) {
      corruptLines++;
      continue;
    }
    entries.push(toEntry(d.value.bootId, d.value.record, JSON.stringify(d.value.record)));
  }
  return { entries, bytes: goodLen, tornTail, corruptLines };
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces `path` with `content` so that a crash leaves either the old or the new file, never a mix. */
export function writeFileAtomic(dir: string, path: string, content: string, durable = true): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, Buffer.from(content));
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  if (durable) fsyncDir(dir);
}

export function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

export function segmentPath(dir: string, name: string): string {
  return join(dir, name);
}
