/**
 * Everything the drill saw, as one text for its failure message: the events with the emails that
 * followed them, every email, the rows the backend stored, the reporter's runs, link states and log
 * lines, and the backend's log. Times are seconds after the drill's start.
 */
import type { BundleReporter } from './reporter-process.ts';
import { describeRecords, type StoredRecords } from './stored-records.ts';
import { describeTimeline, type ReceivedMail, type Timeline } from './timeline.ts';

const LOG_LINES = 150;

export function describeDrill(o: {
  timeline: Timeline;
  mails: readonly ReceivedMail[];
  /** The stored rows, or why they could not be read. */
  records: StoredRecords | string;
  reporter: BundleReporter;
  backendLog: string;
  groupWaitMs: number;
}): string {
  const t0 = o.timeline.zeroMs;
  const at = (ms: number) => `+${((ms - t0) / 1000).toFixed(1)} s`;
  const runs = o.reporter.runs.map(
    (r) =>
      `  run ${r.n} pid ${r.pid} boot ${r.bootId ?? '?'}: spawned ${at(r.spawnedAtMs)}, started ${r.startedAtMs ? at(r.startedAtMs) : '-'}, ` +
      `${r.endSignal ? `${r.endSignal.signal} ${at(r.endSignal.atMs)}` : 'running'}, exited ${r.exitedAtMs ? `${at(r.exitedAtMs)} code ${r.exitCode}` : '-'}`,
  );
  return [
    `Timeline (s after the drill's start; each email under the event going on one group wait before it):`,
    describeTimeline(o.timeline, o.mails, o.groupWaitMs),
    '',
    'Emails:',
    ...o.mails.map((m) => `  ${at(m.atMs)} ${m.subject}`),
    '',
    'Stored rows:',
    typeof o.records === 'string' ? o.records : describeRecords(o.records, t0),
    '',
    'Reporter runs:',
    ...runs,
    'Reporter link states (status.json, on change):',
    ...o.reporter.statuses.map((s) => `  ${at(s.t)} run ${s.run}: ${JSON.stringify(s.states)}`),
    `Reporter log (last ${LOG_LINES} lines):`,
    ...o.reporter.logs.slice(-LOG_LINES).map((l) => `  ${at(l.t)} run ${l.run}: ${l.line.slice(0, 300)}`),
    '',
    'Backend log (tail):',
    o.backendLog,
  ].join('\n');
}
