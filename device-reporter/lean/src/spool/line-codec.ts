/**
 * The spool's line and file names, as device-reporter/spool/line-codec.ts and segment-files.ts
 * write them: `<crc32 of json, 8 hex> <json>\n`, json `{"b":bootId,"r":record}`; segments
 * `seg-<firstSeq, 16 digits>.log`.
 */
import type { ReportRecord } from '../../../../contract/index.ts';
import { crc32 } from '../platform/crc32.ts';
import { decodeJson } from '../platform/json-decode.ts';
import { encodeJson } from '../platform/json-encode.ts';

export interface LeanSpoolEntry {
  seq: number;
  bootId: string;
  type: ReportRecord['type'];
  timeMs: number;
  iface?: string;
  /** The record's JSON text as it stands in the line (sent as is). */
  json: string;
  bytes: number;
}

export function encodeLine(bootId: string, recordJson: string): string {
  const json = `{"b":${encodeJson(bootId)},"r":${recordJson}}`;
  return `${string.format('%08x', crc32(json))} ${json}\n`;
}

/** One line (without its newline) back into an entry; undefined when damaged. */
export function decodeLine(line: string): LeanSpoolEntry | undefined {
  if (line.length < 10 || line[8] !== ' ') return undefined;
  const json = line.slice(9);
  const want = tonumber(line.slice(0, 8), 16);
  if (want === undefined || crc32(json) !== want) return undefined;
  const [ok, doc] = pcall(() => decodeJson(json).value as { b?: unknown; r?: Record<string, unknown> });
  if (!ok || typeof doc !== 'object' || typeof doc.b !== 'string' || typeof doc.r !== 'object') return undefined;
  const r = doc.r;
  if (typeof r.seq !== 'number' || typeof r.timeMs !== 'number') return undefined;
  if (r.type !== 'sample' && r.type !== 'transition' && r.type !== 'policy') return undefined;
  // The record text is what follows `{"b":<bootId>,"r":` up to the closing brace.
  const head = `{"b":${encodeJson(doc.b)},"r":`;
  const recordJson = json.startsWith(head) ? json.slice(head.length, -1) : encodeJson(r);
  return entryOf(doc.b, r.type, r.seq, r.timeMs, typeof r.iface === 'string' ? r.iface : undefined, recordJson);
}

function entryOf(
  bootId: string,
  type: ReportRecord['type'],
  seq: number,
  timeMs: number,
  iface: string | undefined,
  json: string,
): LeanSpoolEntry {
  const e: LeanSpoolEntry = { seq, bootId, type, timeMs, json, bytes: encodeLine(bootId, json).length };
  if (type !== 'policy' && iface !== undefined) e.iface = iface;
  return e;
}

export function segmentName(firstSeq: number): string {
  return `seg-${string.format('%016d', firstSeq)}.log`;
}

export function segmentFirstSeq(name: string): number | undefined {
  if (name.length !== 24 || !name.startsWith('seg-') || !name.endsWith('.log')) return undefined;
  const digits = name.slice(4, 20);
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return tonumber(digits);
}
