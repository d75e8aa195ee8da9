import { STATE_CODE, encodeTagValue } from '../../contract/index.ts';
import {
  M,
  TAG,
  IFACE_FIELDS as F,
  TARGET_FIELDS as T,
  POLICY_FIELDS as P,
  POLICY_MEMBER_FIELDS as PM,
  TRANSITION_FIELDS as TR,
  transitionTimestampNs,
} from '../../store/index.ts';
import type { PolicyRecord, ReportV1, SampleRecord, TransitionRecord } from '../../contract/index.ts';
import {
  escKey,
  escString,
  float,
  floatText,
  int,
  msToNs,
  str,
  toLine,
  type FieldValue,
  type LinePoint,
} from './line-protocol.ts';

/** Line-protocol lines of one report, split by retention policy (one `/write` per RP). */
export interface ReportLines {
  /** RP `raw`: wan_iface, wan_target, wan_policy, wan_policy_member. */
  raw: string[];
  /** RP `forever`: wan_transition. */
  forever: string[];
}

const opt = (v: number | null | undefined): FieldValue | undefined =>
  v === null || v === undefined ? undefined : float(v);
const bit = (b: boolean) => int(b ? 1 : 0);
/** Names may hold any character: tags go through encodeTagValue; string fields too, so a newline can never break a line. */
const tag = encodeTagValue;

/** The generic form of a sample's points; `sampleLines` is the hand-unrolled equivalent used on the hot path. */
export function samplePoints(deviceTag: string, r: SampleRecord): LinePoint[] {
  const ts = msToNs(r.timeMs);
  const iface: LinePoint = {
    measurement: M.iface,
    tags: { [TAG.device]: deviceTag, [TAG.iface]: tag(r.iface) },
    fields: {
      [F.state]: str(r.state),
      [F.stateCode]: int(STATE_CODE[r.state]),
      [F.up]: bit(r.state === 'online'),
      [F.score]: int(r.score),
      [F.roundOk]: bit(r.roundOk),
      [F.degraded]: bit(r.degraded),
      [F.rttAvgMs]: opt(r.rttAvgMs),
      [F.rttMinMs]: opt(r.rttMinMs),
      [F.rttMaxMs]: opt(r.rttMaxMs),
      [F.lossPct]: opt(r.lossPct),
      [F.jitterMs]: opt(r.jitterMs),
      [F.seq]: int(r.seq),
      [F.linuxDevice]: r.device === undefined ? undefined : str(tag(r.device)),
    },
    timestampNs: ts,
  };
  const targets = r.targets.map<LinePoint>((t) => ({
    measurement: M.target,
    tags: { [TAG.device]: deviceTag, [TAG.iface]: tag(r.iface), [TAG.target]: tag(t.target) },
    fields: {
      [T.status]: str(t.status),
      [T.up]: bit(t.status === 'up'),
      [T.sent]: int(t.sent),
      [T.received]: int(t.received),
      [T.rttAvgMs]: opt(t.rttAvgMs),
      [T.rttMinMs]: opt(t.rttMinMs),
      [T.rttMaxMs]: opt(t.rttMaxMs),
      [T.lossPct]: opt(t.lossPct),
      [T.jitterMs]: opt(t.jitterMs),
    },
    timestampNs: ts,
  }));
  return [iface, ...targets];
}

function policyPoints(deviceTag: string, r: PolicyRecord): LinePoint[] {
  const ts = msToNs(r.timeMs);
  const out: LinePoint[] = [];
  for (const p of r.policies) {
    const tags = { [TAG.device]: deviceTag, [TAG.policy]: tag(p.policy), [TAG.family]: p.family };
    out.push({
      measurement: M.policy,
      tags,
      fields: {
        [P.activeMembers]: str(
          p.members
            .filter((m) => m.sharePct > 0)
            .map((m) => tag(m.iface))
            .join(','),
        ),
        [P.lastResort]: str(p.lastResort),
        [P.lastResortActive]: bit(p.lastResortActive),
      },
      timestampNs: ts,
    });
    for (const m of p.members) {
      out.push({
        measurement: M.policyMember,
        tags: { ...tags, [TAG.iface]: tag(m.iface) },
        fields: { [PM.sharePct]: int(m.sharePct), [PM.metric]: int(m.metric), [PM.weight]: int(m.weight) },
        timestampNs: ts,
      });
    }
  }
  return out;
}

function transitionPoint(deviceTag: string, bootId: string, r: TransitionRecord): LinePoint {
  return {
    measurement: M.transition,
    tags: { [TAG.device]: deviceTag, [TAG.iface]: tag(r.iface) },
    fields: {
      [TR.from]: str(r.from),
      [TR.to]: str(r.to),
      [TR.toCode]: int(STATE_CODE[r.to]),
      [TR.up]: bit(r.to === 'online'),
      [TR.score]: int(r.score),
      [TR.reason]: str(r.reason),
      [TR.seq]: int(r.seq),
      [TR.bootId]: str(bootId),
    },
    // ns timestamp with seq in the sub-ms digits: two transitions in one ms stay two points, and a retry rewrites them.
    timestampNs: transitionTimestampNs(r.timeMs, r.seq),
  };
}

/** All points of a report. Pure: the same report always gives the same lines (so a retry rewrites, never adds). */
export function reportLines(report: ReportV1): ReportLines {
  const deviceTag = tag(report.deviceId);
  const raw: string[] = [];
  const forever: string[] = [];
  const deviceText = escTag(report.deviceId);
  for (const r of report.records) {
    if (r.type === 'sample') sampleLines(deviceText, r, raw);
    else if (r.type === 'policy') for (const p of policyPoints(deviceTag, r)) raw.push(toLine(p));
    else forever.push(toLine(transitionPoint(deviceTag, report.bootId, r)));
  }
  return { raw, forever };
}

/** Escaped tag texts of recent names (interfaces and targets repeat in every report). */
const tagTextCache = new Map<string, string>();
/** `encodeTagValue` then line-protocol escaping, as `toLine` does for a tag value. */
function escTag(name: string): string {
  let t = tagTextCache.get(name);
  if (t === undefined) {
    t = escKey(tag(name));
    if (tagTextCache.size >= 10_000) tagTextCache.clear();
    tagTextCache.set(name, t);
  }
  return t;
}
const optF = (key: string, v: number | null | undefined) =>
  v === null || v === undefined ? '' : `,${key}=${floatText(v)}`;
const bitI = (b: boolean) => (b ? '1i' : '0i');

/**
 * A sample's lines straight as text, byte for byte what `toLine(samplePoints(...))` gives (tags sorted,
 * fields in the same order, empty tags left out; checked by a test) without the intermediate objects:
 * samples are nearly all the lines, and this is the ingest's hottest loop.
 */
function sampleLines(deviceText: string, r: SampleRecord, out: string[]): void {
  const ts = msToNs(r.timeMs);
  const ifaceText = escTag(r.iface);
  let tags = deviceText ? `,${TAG.device}=${deviceText}` : '';
  if (ifaceText) tags += `,${TAG.iface}=${ifaceText}`;
  out.push(
    `${M.iface}${tags} ${F.state}="${escString(r.state)}",${F.stateCode}=${Math.trunc(STATE_CODE[r.state])}i` +
      `,${F.up}=${bitI(r.state === 'online')},${F.score}=${Math.trunc(r.score)}i,${F.roundOk}=${bitI(r.roundOk)}` +
      `,${F.degraded}=${bitI(r.degraded)}${optF(F.rttAvgMs, r.rttAvgMs)}${optF(F.rttMinMs, r.rttMinMs)}` +
      `${optF(F.rttMaxMs, r.rttMaxMs)}${optF(F.lossPct, r.lossPct)}${optF(F.jitterMs, r.jitterMs)}` +
      `,${F.seq}=${Math.trunc(r.seq)}i` +
      (r.device === undefined ? '' : `,${F.linuxDevice}="${escString(tag(r.device))}"`) +
      ` ${ts}`,
  );
  for (const t of r.targets) {
    const targetText = escTag(t.target);
    out.push(
      `${M.target}${tags}${targetText ? `,${TAG.target}=${targetText}` : ''} ${T.status}="${escString(t.status)}"` +
        `,${T.up}=${bitI(t.status === 'up')},${T.sent}=${Math.trunc(t.sent)}i,${T.received}=${Math.trunc(t.received)}i` +
        `${optF(T.rttAvgMs, t.rttAvgMs)}${optF(T.rttMinMs, t.rttMinMs)}${optF(T.rttMaxMs, t.rttMaxMs)}` +
        `${optF(T.lossPct, t.lossPct)}${optF(T.jitterMs, t.jitterMs)} ${ts}`,
    );
  }
}
