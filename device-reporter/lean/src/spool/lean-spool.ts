/**
 * The spool of the lean build, on the same disk format as device-reporter/spool/spool.ts, so a
 * router can switch builds without losing or re-sending records:
 *
 * - segments `seg-<firstSeq, 16 digits>.log`, one line per record:
 *   `<crc32 of json, 8 hex> <json>\n` with json `{"b":bootId,"r":record}` (line-codec.ts);
 * - `state.json` `{"v":1,"lastSeq":N,"acked":[[from,to],…]}`, replaced atomically.
 *
 * The same rules as the Node spool: one write(2) per line; transitions and policies fsynced at
 * once, samples at `sync()`; a torn last line is cut off on open; damaged lines are skipped and
 * counted; fully acknowledged segments are deleted; over `maxBytes` old samples are thinned
 * (thinning.ts), transitions and policies never. Records are not schema-checked here: the device
 * writes only what its own tested code builds, and the server validates every upload.
 */
import type { ReportRecord } from '../../../../contract/index.ts';
import { addSeqs, hasSeq, pruneBelow, type SeqRange } from '../../../spool/seq-ranges.ts';
import { thinSegment } from '../../../spool/thinning.ts';
import {
  closeFd,
  fsyncDir,
  fsyncFd,
  listDir,
  mkdirp,
  openAppend,
  removeFile,
  writeAll,
  writeFileAtomic,
} from '../platform/files.ts';
import { decodeJson } from '../platform/json-decode.ts';
import { encodeJson } from '../platform/json-encode.ts';
import { readTextFile } from '../platform/system.ts';
import { decodeLine, encodeLine, segmentFirstSeq, segmentName, type LeanSpoolEntry } from './line-codec.ts';

export type { LeanSpoolEntry };

export type UnsequencedRecord = ReportRecord extends infer R
  ? R extends ReportRecord
    ? Omit<R, 'seq'>
    : never
  : never;

export interface LeanSpoolStats {
  pendingRecords: number;
  bytes: number;
  segments: number;
  lastSeq: number;
  thinnedSamples: number;
  corruptLines: number;
  tornTails: number;
}

interface Segment {
  name: string;
  entries: LeanSpoolEntry[];
  bytes: number;
  fd?: number;
}

export interface LeanSpoolOptions {
  dir: string;
  maxBytes?: number;
  segmentBytes?: number;
  fsync?: 'always' | 'important' | 'never';
  thinKeepEvery?: number;
  warn?: (msg: string) => void;
}

export interface LeanSpool {
  append(bootId: string, record: UnsequencedRecord): LeanSpoolEntry;
  pending(): readonly LeanSpoolEntry[];
  ack(seqs: readonly number[]): void;
  sync(): void;
  stats(): LeanSpoolStats;
  close(): void;
}

function readState(path: string): { lastSeq: number; acked: SeqRange[] } {
  const text = readTextFile(path);
  if (text === undefined) return { lastSeq: 0, acked: [] };
  const [ok, doc] = pcall(() => decodeJson(text).value as { v?: unknown; lastSeq?: unknown; acked?: unknown });
  if (!ok || typeof doc !== 'object' || doc.v !== 1 || typeof doc.lastSeq !== 'number' || !Array.isArray(doc.acked))
    return { lastSeq: 0, acked: [] };
  return { lastSeq: doc.lastSeq, acked: doc.acked as SeqRange[] };
}

/**
 * Reads one segment; a torn last line is cut away (the complete lines are written back atomically:
 * luaposix has no truncate) so later appends cannot glue onto it.
 */
function readSegment(
  dir: string,
  path: string,
): { entries: LeanSpoolEntry[]; bytes: number; torn: boolean; corrupt: number } {
  const text = readTextFile(path) ?? '';
  // Everything up to the last newline ("(.*)\n" is greedy); 0 when there is none.
  const [, lastNlEnd] = string.find(text, '.*\n');
  const goodLen = lastNlEnd ?? 0;
  const torn = goodLen < text.length;
  if (torn) writeFileAtomic(dir, path, text.slice(0, goodLen));
  const entries: LeanSpoolEntry[] = [];
  let corrupt = 0;
  for (const line of text.slice(0, goodLen).split('\n')) {
    if (line === '') continue;
    const e = decodeLine(line);
    if (e === undefined) corrupt++;
    else entries.push(e);
  }
  return { entries, bytes: goodLen, torn, corrupt };
}

const METRICS = ['rttAvgMs', 'rttMinMs', 'rttMaxMs', 'lossPct', 'jitterMs'] as const;

/** The nullable keys of the wire format (contract/report-v1.ts metricsShape): samples and their targets. */
export function recordNullKeys(obj: Record<string, unknown>): readonly string[] {
  return obj.type === 'sample' || typeof obj.sent === 'number' ? METRICS : [];
}

export function openLeanSpool(opts: LeanSpoolOptions): LeanSpool {
  const dir = opts.dir;
  const warn = opts.warn ?? (() => undefined);
  const maxBytes = opts.maxBytes ?? 4 * 1024 * 1024;
  const segmentBytes = opts.segmentBytes ?? Math.min(256 * 1024, Math.floor(maxBytes / 8));
  const fsyncMode = opts.fsync ?? 'important';
  const keepEvery = opts.thinKeepEvery ?? 2;
  const durable = fsyncMode !== 'never';
  const statePath = `${dir}/state.json`;
  mkdirp(dir);
  for (const f of listDir(dir)) if (f.endsWith('.tmp')) removeFile(`${dir}/${f}`);

  const st = readState(statePath);
  let lastSeq = st.lastSeq;
  let acked: SeqRange[] = st.acked;
  let thinnedSamples = 0;
  let corruptLines = 0;
  let tornTails = 0;
  let dirty: number | undefined;
  let nextEnforceAtBytes = 0;
  const segments: Segment[] = [];
  let pendingList: LeanSpoolEntry[] = [];

  const names = listDir(dir)
    .map((name) => ({ name, firstSeq: segmentFirstSeq(name) }))
    .filter((x): x is { name: string; firstSeq: number } => x.firstSeq !== undefined)
    .sort((a, b) => a.firstSeq - b.firstSeq);
  for (const { name } of names) {
    const r = readSegment(dir, `${dir}/${name}`);
    corruptLines += r.corrupt;
    if (r.torn) tornTails++;
    if (r.torn || r.corrupt > 0) warn(`spool: skipped damaged lines in ${name}`);
    for (const e of r.entries) lastSeq = Math.max(lastSeq, e.seq);
    segments.push({ name, entries: r.entries, bytes: r.bytes });
  }
  for (const s of segments) for (const e of s.entries) if (!hasSeq(acked, e.seq)) pendingList.push(e);
  pendingList.sort((a, b) => a.seq - b.seq);
  dropAckedSegments();

  function totalBytes(): number {
    return segments.reduce((n, s) => n + s.bytes, 0);
  }

  function persistState(): void {
    const minOnDisk = segments[0]?.entries[0]?.seq ?? lastSeq + 1;
    acked = pruneBelow(acked, minOnDisk);
    const ranges = acked.map(([a, b]) => `[${a},${b}]`).join(',');
    writeFileAtomic(dir, statePath, `{"v":1,"lastSeq":${lastSeq},"acked":[${ranges}]}`, durable);
  }

  function closeSegment(s: Segment): void {
    const fd = s.fd;
    if (fd === undefined) return;
    if (durable) fsyncFd(fd);
    closeFd(fd);
    s.fd = undefined;
    if (dirty === fd) dirty = undefined;
  }

  function dropAckedSegments(): void {
    for (let i = segments.length - 1; i >= 0; i--) {
      const s = segments[i]!;
      if (s.entries.some((e) => !hasSeq(acked, e.seq))) continue;
      closeSegment(s);
      removeFile(`${dir}/${s.name}`);
      segments.splice(i, 1);
    }
  }

  function activeSegment(firstSeq: number): Segment {
    const last = segments[segments.length - 1];
    if (last?.fd !== undefined) return last;
    const name = segmentName(firstSeq);
    const s: Segment = { name, entries: [], bytes: 0, fd: openAppend(`${dir}/${name}`) };
    segments.push(s);
    if (durable) fsyncDir(dir);
    return s;
  }

  function rewrite(s: Segment, keep: LeanSpoolEntry[]): void {
    closeSegment(s);
    const path = `${dir}/${s.name}`;
    if (keep.length === 0) {
      removeFile(path);
      segments.splice(segments.indexOf(s), 1);
      return;
    }
    writeFileAtomic(dir, path, keep.map((e) => encodeLine(e.bootId, e.json)).join(''), durable);
    s.entries = keep;
    s.bytes = keep.reduce((n, e) => n + e.bytes, 0);
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

  /** As the Node spool: thin closed segments, then the active one, down to 3/4 of the limit. */
  function enforceLimit(): void {
    const lowWater = Math.floor(maxBytes * 0.75);
    let thinned = thinPasses(lowWater, false);
    if (totalBytes() > lowWater) thinned += thinPasses(lowWater, true);
    if (thinned > 0) {
      const keepSet = new Set<number>();
      for (const s of segments) for (const e of s.entries) keepSet.add(e.seq);
      pendingList = pendingList.filter((e) => keepSet.has(e.seq));
      thinnedSamples += thinned;
      warn(`spool full: thinned ${thinned} old samples`);
    }
    nextEnforceAtBytes = totalBytes() > maxBytes ? totalBytes() + Math.floor(segmentBytes / 2) : 0;
  }

  return {
    append(bootId, record) {
      const seq = lastSeq + 1;
      const json = encodeJson({ ...record, seq }, recordNullKeys);
      lastSeq = seq;
      const iface = 'iface' in record ? record.iface : undefined;
      const line = encodeLine(bootId, json);
      const entry: LeanSpoolEntry = { seq, bootId, type: record.type, timeMs: record.timeMs, json, bytes: line.length };
      if (record.type !== 'policy' && iface !== undefined) entry.iface = iface;
      const seg = activeSegment(seq);
      writeAll(seg.fd!, line);
      seg.entries.push(entry);
      seg.bytes += entry.bytes;
      pendingList.push(entry);
      if (fsyncMode === 'always' || (fsyncMode === 'important' && record.type !== 'sample')) fsyncFd(seg.fd!);
      else dirty = seg.fd;
      if (seg.bytes >= segmentBytes) closeSegment(seg);
      const bytes = totalBytes();
      if (bytes > maxBytes && bytes >= nextEnforceAtBytes) enforceLimit();
      return entry;
    },
    pending: () => pendingList,
    ack(seqs) {
      const known = new Set<number>(seqs);
      const before = pendingList.length;
      pendingList = pendingList.filter((e) => !known.has(e.seq));
      if (pendingList.length === before) return;
      acked = addSeqs(acked, known);
      persistState();
      dropAckedSegments();
    },
    sync() {
      if (dirty !== undefined && durable) fsyncFd(dirty);
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
