import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { reportRecordSchema, type ReportRecord } from '../../contract/index.ts';
import { encodeLine } from './line-codec.ts';
import type { ReporterLogger } from './logger.ts';
import {
  fsyncDir,
  listSegments,
  readSegment,
  segmentName,
  toEntry,
  writeAll,
  writeFileAtomic,
  type EntryOnDisk,
} from './segment-files.ts';
import { addSeqs, hasSeq, pruneBelow, type SeqRange } from './seq-ranges.ts';
import { thinSegment } from './thinning.ts';

/**
 * The durable spool: every record is appended here before any upload.
 *
 * On disk (`dir`): append-only segments `seg-<firstSeq>.log` (one checksummed JSON line per record,
 * see line-codec.ts) and `state.json` `{v:1,lastSeq,acked}` replaced atomically (tmp + fsync +
 * rename). A segment is deleted once every record in it is acknowledged.
 *
 * Fsync policy: every append is one write(2) of a whole line, so a `kill -9` loses nothing.
 * Against power loss: transitions and policy snapshots are fsynced at once (`fsync: 'important'`,
 * the default); samples reach the disk at the next `sync()`, which the uploader calls before every
 * upload — so a record the server has seen is always durable here, and `seq` never goes back.
 * Samples of the last moments before a power cut (at most one batch interval) can be lost.
 *
 * Bounded: when the segments exceed `maxBytes`, old segments are rewritten without acknowledged
 * records and with only every `thinKeepEvery`-th sample per interface; transitions and policy
 * snapshots are never dropped (thinning.ts). Thinning is counted in `stats().thinnedSamples` and logged.
 */
export type UnsequencedRecord = ReportRecord extends infer R
  ? R extends ReportRecord
    ? Omit<R, 'seq'>
    : never
  : never;

export interface SpoolOptions {
  dir: string;
  /** Upper bound of the segment files' total size. Default 4 MiB. */
  maxBytes?: number;
  /** A segment is closed after this many bytes. Default min(256 KiB, maxBytes/8). */
  segmentBytes?: number;
  /** `always`: fsync every append; `important`: transitions/policies at once, samples at sync(); `never` (tests). */
  fsync?: 'always' | 'important' | 'never';
  /** Keep every Nth sample when thinning. Default 2. */
  thinKeepEvery?: number;
}

export interface SpoolStats {
  pendingRecords: number;
  bytes: number;
  segments: number;
  lastSeq: number;
  thinnedSamples: number;
  corruptLines: number;
  tornTails: number;
}

export type SpoolEntry = Readonly<EntryOnDisk>;

export interface Spool {
  /** Validates, numbers and appends a record; returns its entry. Throws on an invalid record. */
  append(bootId: string, record: UnsequencedRecord): SpoolEntry;
  /** Records not yet acknowledged, in seq order. */
  pending(): readonly SpoolEntry[];
  /** Marks records acknowledged by the server, persists that, deletes fully acknowledged segments. */
  ack(seqs: Iterable<number>): void;
  /** Makes every appended record durable (fsync). */
  sync(): void;
  stats(): SpoolStats;
  close(): void;
}

interface Segment {
  name: string;
  entries: EntryOnDisk[];
  bytes: number;
  fd?: number;
}

const stateSchema = z.object({
  v: z.literal(1),
  lastSeq: z.number().int().nonnegative(),
  acked: z.array(z.tuple([z.number().int(), z.number().int()])),
});

export function openSpool(opts: SpoolOptions, deps: { logger: ReporterLogger }): Spool {
  const log = deps.logger;
  const dir = opts.dir;
  const maxBytes = opts.maxBytes ?? 4 * 1024 * 1024;
  const segmentBytes = opts.segmentBytes ?? Math.min(256 * 1024, Math.floor(maxBytes / 8));
  const fsyncMode = opts.fsync ?? 'important';
  const keepEvery = opts.thinKeepEvery ?? 2;
  const statePath = join(dir, 'state.json');
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.endsWith('.tmp')) unlinkSync(join(dir, f));

  const st = readState(statePath, log);
  let lastSeq = st.lastSeq;
  let acked: SeqRange[] = st.acked;
  let thinnedSamples = 0;
  let corruptLines = 0;
  let tornTails = 0;
  let dirty: number | undefined;
  let overLimitLogged = false;
  let nextEnforceAtBytes = 0;
  const segments: Segment[] = [];
  let pendingList: EntryOnDisk[] = [];

  for (const { name } of listSegments(dir)) {
    const r = readSegment(join(dir, name));
    corruptLines += r.corruptLines;
    if (r.tornTail) tornTails++;
    if (r.tornTail || r.corruptLines > 0)
      log.warn({ segment: name, tornTail: r.tornTail, corruptLines: r.corruptLines }, 'spool: skipped damaged lines');
    for (const e of r.entries) lastSeq = Math.max(lastSeq, e.seq);
    segments.push({ name, entries: r.entries, bytes: r.bytes });
  }
  for (const s of segments) for (const e of s.entries) if (!hasSeq(acked, e.seq)) pendingList.push(e);
  pendingList.sort((a, b) => a.seq - b.seq);
  dropAckedSegments();
  log.info({ dir, pendingRecords: pendingList.length, lastSeq, segments: segments.length }, 'spool opened');

  function totalBytes(): number {
    return segments.reduce((n, s) => n + s.bytes, 0);
  }

  function persistState(): void {
    const minOnDisk = segments[0]?.entries[0]?.seq ?? lastSeq + 1;
    acked = pruneBelow(acked, minOnDisk);
    writeFileAtomic(dir, statePath, JSON.stringify({ v: 1, lastSeq, acked }), fsyncMode !== 'never');
  }

  function closeSegment(s: Segment): void {
    const fd = s.fd;
    if (fd === undefined) return;
    if (fsyncMode !== 'never') fsyncSync(fd);
    closeSync(fd);
    s.fd = undefined;
    if (dirty === fd) dirty = undefined;
  }

  function dropAckedSegments(): void {
    for (let i = segments.length - 1; i >= 0; i--) {
      const s = segments[i]!;
      if (s.entries.some((e) => !hasSeq(acked, e.seq))) continue;
      closeSegment(s);
      unlinkSync(join(dir, s.name));
      segments.splice(i, 1);
    }
  }

  function activeSegment(firstSeq: number): Segment {
    const last = segments[segments.length - 1];
    if (last?.fd !== undefined) return last;
    const name = segmentName(firstSeq);
    const s: Segment = { name, entries: [], bytes: 0, fd: openSync(join(dir, name), 'a') };
    segments.push(s);
    if (fsyncMode !== 'never') fsyncDir(dir);
    return s;
  }

  function rewrite(s: Segment, keep: EntryOnDisk[]): void {
    closeSegment(s);
    const path = join(dir, s.name);
    if (keep.length === 0) {
      unlinkSync(path);
      segments.splice(segments.indexOf(s), 1);
      return;
    }
    writeFileAtomic(dir, path, keep.map((e) => encodeLine(e.bootId, e.json)).join(''), fsyncMode !== 'never');
    s.entries = keep;
    s.bytes = keep.reduce((n, e) => n + e.bytes, 0);
  }

  /** Thins closed segments oldest first (then the active one) until under 3/4 of the limit or nothing is left to thin. */
  function enforceLimit(): void {
    const lowWater = Math.floor(maxBytes * 0.75);
    let thinned = thinPasses(lowWater, false);
    if (totalBytes() > lowWater) thinned += thinPasses(lowWater, true);
    if (thinned > 0) {
      const keepSet = new Set<number>();
      for (const s of segments) for (const e of s.entries) keepSet.add(e.seq);
      pendingList = pendingList.filter((e) => keepSet.has(e.seq));
      thinnedSamples += thinned;
      log.warn(
        { thinnedSamples: thinned, thinnedSamplesTotal: thinnedSamples, bytes: totalBytes(), maxBytes, keepEvery },
        'spool full: thinned old samples',
      );
    }
    // Nothing more to thin: wait for another half segment of growth before trying again.
    nextEnforceAtBytes = totalBytes() > maxBytes ? totalBytes() + Math.floor(segmentBytes / 2) : 0;
    if (nextEnforceAtBytes > 0 && !overLimitLogged) {
      log.warn(
        { bytes: totalBytes(), maxBytes },
        'spool over its limit with transitions and policies only; keeping them all',
      );
    }
    overLimitLogged = nextEnforceAtBytes > 0;
  }

  function thinPasses(lowWater: number, includeActive: boolean): number {
    const last = segments[segments.length - 1];
    if (includeActive && last) closeSegment(last);
    let thinned = 0;
    for (let pass = 0; pass < 16 && totalBytes() > lowWater; pass++) {
      let changed = false;
      const counters = new Map<string, number>();
      for (const s of segments.filter((x) => x.fd === undefined)) {
        if (totalBytes() <= lowWater) break;
        const d = thinSegment(s.entries, (q) => hasSeq(acked, q), keepEvery, counters);
        if (d.keep.length === s.entries.length) continue;
        rewrite(s, d.keep);
        thinned += d.thinnedSamples;
        changed = true;
      }
      if (!changed) break;
    }
    return thinned;
  }

  return {
    append(bootId, record) {
      const full = reportRecordSchema.parse({ ...record, seq: lastSeq + 1 });
      lastSeq = full.seq;
      const entry = toEntry(bootId, full, JSON.stringify(full));
      const seg = activeSegment(full.seq);
      writeAll(seg.fd!, Buffer.from(encodeLine(bootId, entry.json)));
      seg.entries.push(entry);
      seg.bytes += entry.bytes;
      pendingList.push(entry);
      if (fsyncMode === 'always' || (fsyncMode === 'important' && full.type !== 'sample')) fsyncSync(seg.fd!);
      else dirty = seg.fd;
      if (seg.bytes >= segmentBytes) closeSegment(seg);
      const bytes = totalBytes();
      if (bytes > maxBytes && bytes >= nextEnforceAtBytes) enforceLimit();
      return entry;
    },
    pending: () => pendingList,
    ack(seqs) {
      const known = new Set<number>();
      for (const q of seqs) known.add(q);
      const before = pendingList.length;
      pendingList = pendingList.filter((e) => !known.has(e.seq));
      if (pendingList.length === before) return;
      acked = addSeqs(acked, known);
      persistState();
      dropAckedSegments();
    },
    sync() {
      if (dirty !== undefined && fsyncMode !== 'never') fsyncSync(dirty);
      dirty = undefined;
    },
    stats: () => ({
      pendingRecords: pendingList.length,
      bytes: totalBytes(),
      segments: segments.length,
      lastSeq,
      thinnedSamples,
      corruptLines,
      tornTails,
    }),
    close() {
      for (const s of segments) closeSegment(s);
      persistState();
    },
  };
}

function readState(path: string, log: ReporterLogger): z.infer<typeof stateSchema> {
  if (!existsSync(path)) return { v: 1, lastSeq: 0, acked: [] };
  try {
    return stateSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    // Only reachable by outside damage (the file is replaced atomically). Re-sending is harmless:
    // the server rewrites the same points and dedups transitions by bootId+seq.
    log.warn({ err, path }, 'spool state unreadable; treating every spooled record as unacknowledged');
    return { v: 1, lastSeq: 0, acked: [] };
  }
}
