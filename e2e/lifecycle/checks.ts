/**
 * What the lifecycle drill expects (issue #13's acceptance), as findings: each check returns the
 * problems it saw, in words a failure message can show, and the figures for the closing note.
 */
import type { StoredRecords } from './stored-records.ts';
import { unknownVersusDown, upDurationMs, type ReceivedMail, type Window } from './timeline.ts';

export interface Findings {
  problems: string[];
  figures: Record<string, unknown>;
}

const at = (ms: number, t0: number) => `+${((ms - t0) / 1000).toFixed(1)} s`;
const subjects = (ms: readonly ReceivedMail[]) => ms.map((m) => m.subject).join(' | ');

export interface EmailTruth {
  /** When phase 2 began: emails before it belong to phase 1. */
  phase2StartMs: number;
  cutMs: number;
  restoreMs: number;
  /** The first wan0 DOWN after the cut and the first wan0 UP after the restore, if they came. */
  downEmail: ReceivedMail | undefined;
  upEmail: ReceivedMail | undefined;
  /** How far the UP email's duration may be from the scripted outage. */
  durationTolMs: number;
}

/**
 * | phase                     | expected emails                                                  |
 * |---------------------------|------------------------------------------------------------------|
 * | 1: healthy links          | none                                                             |
 * | 2: wan0 cut over the events | one `wan0 DOWN` (traffic on wan1, wan0's figures n/a), one `wan0 UP after <outage>`, nothing else |
 * | either                    | no email says "no link carries traffic" (wan1 carries it throughout) |
 */
export function emailFindings(all: readonly ReceivedMail[], t: EmailTruth): Findings {
  const problems: string[] = [];
  const phase1 = all.filter((m) => m.atMs < t.phase2StartMs);
  const phase2 = all.filter((m) => m.atMs >= t.phase2StartMs);
  if (phase1.length > 0)
    problems.push(`phase 1 (healthy links): ${phase1.length} emails, expected none: ${subjects(phase1)}`);
  const downs = phase2.filter((m) => /wan0 DOWN/.test(m.subject));
  const ups = phase2.filter((m) => /wan0 UP/.test(m.subject));
  const others = phase2.filter((m) => !downs.includes(m) && !ups.includes(m));
  if (downs.length !== 1 || ups.length !== 1 || others.length > 0)
    problems.push(
      `phase 2 (wan0 cut): ${downs.length} DOWN, ${ups.length} UP, ${others.length} other emails; expected 1, 1, 0: ${subjects(phase2)}`,
    );
  const down = t.downEmail;
  if (!down) problems.push('no wan0 DOWN email after the cut');
  else {
    if (!/traffic now on wan1/.test(down.subject))
      problems.push(`the DOWN email does not say traffic moved to wan1: ${down.subject}`);
    if (!/wan0: offline, latency n\/a, loss n\/a/.test(down.text))
      problems.push(
        `the DOWN email shows figures for offline wan0 (docs/alerts.md promises n/a): ${down.text.split('\n').find((l) => /wan0:/.test(l))}`,
      );
  }
  const noTraffic = all.filter((m) => /no link carries traffic/.test(m.subject));
  if (noTraffic.length > 0)
    problems.push(`${noTraffic.length} emails say "no link carries traffic" while wan1 was online throughout`);
  const scriptedMs = t.restoreMs - t.cutMs;
  const statedMs = t.upEmail ? upDurationMs(t.upEmail.subject, 'wan0') : undefined;
  if (!t.upEmail) problems.push('no wan0 UP email after the restore');
  else if (statedMs === undefined || Math.abs(statedMs - scriptedMs) > t.durationTolMs)
    problems.push(
      `UP email states ${statedMs} ms for a scripted outage of ${scriptedMs} ms (tolerance ${t.durationTolMs} ms): ${t.upEmail.subject}`,
    );
  return {
    problems,
    figures: {
      downEmailAfterCutMs: down ? down.atMs - t.cutMs : null,
      upEmailAfterRestoreMs: t.upEmail ? t.upEmail.atMs - t.restoreMs : null,
      scriptedOutageMs: scriptedMs,
      statedOutageMs: statedMs ?? null,
    },
  };
}

/** No stored unreachable interval: every lifecycle event here is the reporter's or the backend's own doing. */
export function unreachableFindings(records: StoredRecords, t0: number): Findings {
  const rows = records.deviceStates.filter((r) => r.state === 'unreachable');
  return {
    problems:
      rows.length > 0
        ? [
            `${rows.length} wan_device_state unreachable rows stored (at ${rows.map((r) => at(r.timeMs, t0)).join(', ')})`,
          ]
        : [],
    figures: { unreachableRows: rows.length },
  };
}

export interface UptimeIface {
  iface: string;
  segments: Array<Window & { bucket: string }>;
}

export interface UnknownTolerance {
  beforeMs: number;
  afterMs: number;
  whileRunningMs: number;
}

/** Per link: unknown only while no reporter ran (see unknownVersusDown), within the tolerances. */
export function uptimeFindings(
  ifaces: readonly UptimeIface[],
  down: readonly Window[],
  tol: UnknownTolerance,
  t0: number,
): Findings {
  const problems: string[] = [];
  const perIface: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const rel = (w: Window) => `${w.startMs - t0}..${w.endMs - t0} ms`;
  for (const ifc of ifaces) {
    const unknown = ifc.segments.filter((s) => s.bucket === 'unknown');
    const c = unknownVersusDown(unknown, down, tol.beforeMs, tol.afterMs);
    perIface[ifc.iface] = c;
    if (c.unknownWhileRunningMs > tol.whileRunningMs)
      problems.push(
        `${ifc.iface}: ${c.unknownWhileRunningMs} ms unknown while a reporter ran (unknown ${unknown.map(rel).join(', ')} after the start)`,
      );
    c.downNotUnknownMs.forEach((ms, i) => {
      if (ms > tol.afterMs)
        problems.push(
          `${ifc.iface}: no reporter ran ${rel(down[i]!)} after the start, but ${ms} ms of it is not unknown in the report`,
        );
    });
  }
  return {
    problems,
    figures: {
      reporterDownMs: down.reduce((a, w) => a + w.endMs - w.startMs, 0),
      reporterDownWindows: down.map((w) => [w.startMs - t0, w.endMs - t0]),
      unknownVsDown: perIface,
    },
  };
}

/** Time `iface` counts as online inside `outage` (figure only: a restarted tracker follows `initial_state online`). */
export function onlineInsideMs(ifaces: readonly UptimeIface[], iface: string, outage: Window): number | null {
  const ifc = ifaces.find((i) => i.iface === iface);
  if (!ifc) return null;
  return ifc.segments
    .filter((s) => s.bucket === 'online')
    .reduce((a, s) => a + Math.max(0, Math.min(s.endMs, outage.endMs) - Math.max(s.startMs, outage.startMs)), 0);
}
