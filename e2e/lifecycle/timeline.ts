/**
 * The drill's own record of what it did and what came out, and the pure arithmetic that compares
 * an uptime report with the truth: time windows, events, emails attributed to the event they
 * followed, all printable for a failure message or the closing note.
 */

/** A half-open time window [startMs, endMs). */
export interface Window {
  startMs: number;
  endMs: number;
}

export const totalMs = (ws: readonly Window[]): number => ws.reduce((a, w) => a + Math.max(0, w.endMs - w.startMs), 0);

/** Sorted, non-overlapping windows covering the same time. */
export function merge(ws: readonly Window[]): Window[] {
  const sorted = ws.filter((w) => w.endMs > w.startMs).sort((a, b) => a.startMs - b.startMs);
  const out: Window[] = [];
  for (const w of sorted) {
    const last = out[out.length - 1];
    if (last && w.startMs <= last.endMs) last.endMs = Math.max(last.endMs, w.endMs);
    else out.push({ ...w });
  }
  return out;
}

/** Time of `a` that lies inside `b`. */
export function overlapMs(a: readonly Window[], b: readonly Window[]): number {
  let sum = 0;
  for (const x of merge(a))
    for (const y of merge(b)) sum += Math.max(0, Math.min(x.endMs, y.endMs) - Math.max(x.startMs, y.startMs));
  return sum;
}

/** Each window grown by `beforeMs` at its start and `afterMs` at its end. */
export const widen = (ws: readonly Window[], beforeMs: number, afterMs: number): Window[] =>
  ws.map((w) => ({ startMs: w.startMs - beforeMs, endMs: w.endMs + afterMs }));

export interface UnknownCheck {
  unknownMs: number;
  downMs: number;
  /** Unknown time outside every (widened) down window: the report blames a running reporter. */
  unknownWhileRunningMs: number;
  /** Per down window, the part the report does not show as unknown: silence passed off as data. */
  downNotUnknownMs: number[];
}

/**
 * Compares a report's unknown windows with the windows in which no reporter ran. A down window is
 * widened by `beforeMs` at its start (the last record before a crash is up to one tracking round
 * old) and `afterMs` at its end (the new run's first record is stamped once its trackers run) before
 * unknown time is called "while running"; each down window must be covered by unknown time except
 * for `afterMs` (the harness sees a signal or a start a little before or after the reporter does).
 */
export function unknownVersusDown(
  unknown: readonly Window[],
  down: readonly Window[],
  beforeMs: number,
  afterMs: number,
): UnknownCheck {
  const u = merge(unknown);
  const widened = merge(widen(down, beforeMs, afterMs));
  return {
    unknownMs: totalMs(u),
    downMs: totalMs(merge(down)),
    unknownWhileRunningMs: totalMs(u) - overlapMs(u, widened),
    downNotUnknownMs: down.map((d) => totalMs([d]) - overlapMs([d], u)),
  };
}

export interface DrillEvent {
  phase: string;
  label: string;
  startMs: number;
  endMs?: number;
  /** What the harness saw while it waited (a bounded wait that ran out, a state not reached). */
  notes: string[];
}

export interface ReceivedMail {
  atMs: number;
  subject: string;
  text: string;
}

/** The drill's events in order; `begin` closes the previous one. */
export class Timeline {
  readonly events: DrillEvent[] = [];
  constructor(readonly zeroMs: number) {}

  begin(phase: string, label: string): DrillEvent {
    this.end();
    const ev: DrillEvent = { phase, label, startMs: Date.now(), notes: [] };
    this.events.push(ev);
    return ev;
  }

  end(): void {
    const last = this.events[this.events.length - 1];
    if (last && last.endMs === undefined) last.endMs = Date.now();
  }

  note(text: string): void {
    this.events[this.events.length - 1]?.notes.push(text);
  }

  /** The event an instant falls in (the last one begun before it). */
  eventAt(tMs: number): DrillEvent | undefined {
    return [...this.events].reverse().find((e) => e.startMs <= tMs);
  }
}

const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Every event with its notes and the emails that followed it, times after the drill's start. Every
 * email waits at least the group wait after its cause, so an email is listed under the event that
 * was going on `causeLagMs` before it arrived (with its real arrival time).
 */
export function describeTimeline(tl: Timeline, mails: readonly ReceivedMail[], causeLagMs: number): string {
  const lines: string[] = [];
  const causeOf = (m: ReceivedMail) => tl.eventAt(m.atMs - causeLagMs);
  for (const ev of tl.events) {
    const took = ev.endMs === undefined ? '' : ` (took ${sec(ev.endMs - ev.startMs)})`;
    lines.push(`+${sec(ev.startMs - tl.zeroMs)} [${ev.phase}] ${ev.label}${took}`);
    for (const n of ev.notes) lines.push(`      note: ${n.replace(/\n/g, '\n            ')}`);
    for (const m of mails.filter((x) => causeOf(x) === ev))
      lines.push(
        `      EMAIL at +${sec(m.atMs - tl.zeroMs)} (${sec(m.atMs - ev.startMs)} after this event began): ${m.subject}`,
      );
  }
  for (const m of mails.filter((x) => !causeOf(x)))
    lines.push(`EMAIL at +${sec(m.atMs - tl.zeroMs)}, before the first event: ${m.subject}`);
  return lines.join('\n');
}

/** Emails per phase, for the closing note. */
export function emailsPerPhase(tl: Timeline, mails: readonly ReceivedMail[]): Record<string, number> {
  const out: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const ev of tl.events) out[ev.phase] ??= 0;
  for (const m of mails) {
    const phase = tl.eventAt(m.atMs)?.phase ?? 'setup';
    out[phase] = (out[phase] ?? 0) + 1;
  }
  return out;
}

/** For the closing note: `phase / event` -> `subject (+s after the event began)`, events with emails only. */
export function emailsByEvent(
  tl: Timeline,
  mails: readonly ReceivedMail[],
  causeLagMs: number,
): Record<string, string[]> {
  const out: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const m of mails) {
    const ev = tl.eventAt(m.atMs - causeLagMs);
    const key = ev ? `${ev.phase} / ${ev.label}` : 'before the first event';
    (out[key] ??= []).push(`${m.subject} (+${sec(m.atMs - (ev?.startMs ?? tl.zeroMs))})`);
  }
  return out;
}

/** `wan0 UP after 1m 5s` -> 65_000 (the email's own rounding: whole seconds); undefined without a duration. */
export function upDurationMs(subject: string, iface: string): number | undefined {
  // store/text-format.ts formatDuration: `[Nd ]` `[HHh ]` `[MMm ]` `SS[.mmm]s`.
  const m = new RegExp(`${iface} UP after (?:(\\d+)d )?(?:(\\d+)h )?(?:(\\d+)m )?(\\d+)(?:\\.(\\d{3}))?s`).exec(
    subject,
  );
  if (!m) return undefined;
  const s = ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60 + Number(m[4]);
  return s * 1000 + Number(m[5] ?? 0);
}
