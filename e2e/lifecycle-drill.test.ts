// run-tests: alone
// (scripts/run-tests.ts runs this file after the others: it restarts its own backend, Redis and InfluxDB, and times emails)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InfluxDB } from 'influx';
import { simpleParser } from 'mailparser';
import { hasNft, netnsSupport } from '../device-reporter/test/netns.ts';
import { freePort } from '../stack/free-port.ts';
import { startSmtpSink, type SmtpSink } from '../stack/smtp-sink.ts';
import { backendProcess, type BackendProcess } from './lifecycle/backend-process.ts';
import { runLifecycleEvents, settle, type EventContext } from './lifecycle/events.ts';
import { createDrillLab, type DrillLab } from './lifecycle/lab.ts';
import { bundleReporter, type BundleReporter } from './lifecycle/reporter-process.ts';
import { startRestartableServices, type RestartableServices } from './lifecycle/services.ts';
import { describeRecords, storedRecords } from './lifecycle/stored-records.ts';
import {
  describeTimeline,
  emailsByEvent,
  emailsPerPhase,
  Timeline,
  unknownVersusDown,
  upDurationMs,
  type ReceivedMail,
  type Window,
} from './lifecycle/timeline.ts';

/**
 * The lifecycle drill of issue #13, end to end: the real reporter bundle in a CE namespace with two
 * WANs (real ping trackers), the whole backend in its own process (ingest + alerting + reports) on a
 * private InfluxDB and Redis that the drill restarts, an SMTP sink. The events (lifecycle/events.ts)
 * run twice:
 *
 *  1. healthy links: reloads, stop/start, crash, reboot, backend crash, Redis and InfluxDB restarts
 *     -> no email at all, no stored unreachable interval (wan_device_state)
 *  2. the same while wan0's upstream is cut -> exactly one `wan0 DOWN` and one `wan0 UP` email, the
 *     UP email's duration within detection + one interval of the scripted outage, nothing else
 *  3. the uptime report over both phases shows unknown only where no reporter was running
 *
 * Everything the drill saw is printed on failure: each event with the emails that followed it, the
 * rows the backend stored, the reporter's link states and log lines, the backend's log.
 */
const support = netnsSupport();
const skip = !support.ok ? `skipped: ${support.reason}` : !hasNft() ? 'skipped: no nft' : false;
const DEVICE = 'life-ce-1';
// Tracking: interval 1 s, timeout 1 s, down 2, up 2. Alerting: group wait 2 s, watchdog 6 s (the
// reporter uploads every second, so max(6 s, 3 × 1 s) applies): the crash below keeps the reporter
// down 2 s, and the watchdog must not fire for it even on a loaded machine.
const INTERVAL_MS = 1_000;
const DOWN = 2;
const UP = 2;
const GROUP_WAIT_MS = 2_000;
const WATCHDOG_MS = 6_000;
/** Worst case from a cut (or a restore) to the tracker's decision: DOWN (UP) rounds of interval + timeout. */
const DETECTION_MS = DOWN * (INTERVAL_MS + 1_000);
const RECOVERY_MS = UP * (INTERVAL_MS + 1_000);
/** After the last event of a phase: long enough for a watchdog decision and a group flush to show up as email. */
const QUIET_MS = WATCHDOG_MS + GROUP_WAIT_MS + 2_000;
/**
 * Unknown in the uptime report vs. the time no reporter ran. A crash leaves the last record up to
 * one tracking round before the kill, so unknown may begin up to INTERVAL_MS before the harness's
 * kill; a `stop` record is stamped when the reporter handles SIGTERM and a `start` record when the
 * new run's trackers start (just before its `reporter started` log line, which ends the window
 * here), both within event-loop latency; 1 s covers a stalled timer on the shared 2-core machine.
 */
const UNKNOWN_BEFORE_TOL_MS = INTERVAL_MS + 1_000;
const UNKNOWN_AFTER_TOL_MS = 1_000;
/** Unknown while a reporter runs: only the instant a reload restarts a changed tracker, milliseconds. */
const UNKNOWN_WHILE_RUNNING_TOL_MS = 500;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const root = join(import.meta.dirname, '..');

describe('lifecycle drill (network namespaces, whole backend restarted under it)', { skip }, () => {
  let services: RestartableServices | undefined;
  let sink: SmtpSink | undefined;
  let backend: BackendProcess | undefined;
  let drillLab: DrillLab | undefined;
  let reporter: BundleReporter | undefined;
  let influx: InfluxDB;
  const dir = mkdtempSync(join(tmpdir(), 'ww-lifecycle-'));
  const adminToken = 'lifecycle-admin-token-0123456789';
  const bundle = join(root, 'dist', 'wanwatch-reporter.mjs');

  before(async () => {
    // The bundle a router runs, built from this tree (the drill runs alone, so nothing else builds it now).
    execFileSync(process.execPath, ['--import', 'tsx', join(root, 'device-reporter', 'build.ts')], {
      cwd: root,
      stdio: 'pipe',
      timeout: 120_000,
    });
    services = await startRestartableServices();
    sink = await startSmtpSink();
    const db = `lifecycle_${randomBytes(4).toString('hex')}`;
    const socketPath = join(dir, 'api.sock');
    backend = backendProcess({
      config: {
        influxUrl: `${services.influxBaseUrl}/${db}`,
        redisUrl: services.redisUrl,
        redisPrefix: 'drill',
        smtpUrl: sink.url,
        mailFrom: 'wanwatch <drill@example.test>',
        alertEmails: ['noc@example.test'],
        adminToken,
        port: await freePort(),
        dataDir: dir,
        rawRetention: '30d',
        logLevel: 'warn',
      },
      socketPath,
      alerting: { groupWaitMs: GROUP_WAIT_MS, watchdogMinMs: WATCHDOG_MS, sweepIntervalMs: 500 },
      logFile: join(dir, 'backend.log'),
    });
    await backend.start();
    const u = new URL(services.influxBaseUrl);
    influx = new InfluxDB({ host: u.hostname, port: Number(u.port), database: db });
    drillLab = await createDrillLab({ dir, socketPath, down: DOWN, up: UP });
  });

  after(async () => {
    await reporter?.close();
    await drillLab?.destroy();
    await backend?.stop();
    await sink?.close();
    await services?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'lifecycle events email nothing; across a real outage one DOWN, one UP; uptime unknown only when stopped',
    {
      timeout: 290_000,
    },
    async () => {
      const api = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`http://127.0.0.1:${backend!.port}${path}`, {
          method,
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          ...(body ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(5_000),
        });
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response shapes are checked field by field below
        return { status: res.status, body: (await res.json()) as any };
      };
      const reg = await api('POST', '/api/v1/devices', {
        id: DEVICE,
        name: 'Lifecycle CE',
        site: 'Lab',
        notificationEmails: ['owner@example.test'],
      });
      assert.equal(reg.status, 201, JSON.stringify(reg.body));
      const lab = drillLab!.lab;
      drillLab!.writeMwan3(false);
      reporter = bundleReporter({ lab, bundle, dir, deviceId: DEVICE, token: String(reg.body.token) });
      const rep = reporter;
      const mails = async (): Promise<ReceivedMail[]> =>
        Promise.all(
          sink!.messages.map(async (m) => {
            const p = await simpleParser(m.raw);
            return { atMs: m.receivedAtMs, subject: p.subject ?? '', text: p.text ?? '' };
          }),
        );
      const t0 = Date.now();
      const timeline = new Timeline(t0);
      const healthy = (s: Record<string, string>) => s.wan0 === 'online' && s.wan1 === 'online';
      const ctx: EventContext = {
        timeline,
        phase: 'setup',
        reporter: rep,
        backend: backend!,
        services: services!,
        watchdogMs: WATCHDOG_MS,
        writeMwan3: (changed) => drillLab!.writeMwan3(changed),
        lastSeenMs: async () => {
          try {
            const r = await api('GET', `/api/v1/devices/${DEVICE}`);
            return r.status === 200 && typeof r.body.lastSeenMs === 'number' ? r.body.lastSeenMs : undefined;
          } catch {
            return undefined;
          }
        },
        steady: healthy,
      };
      const problems: string[] = [];
      const figures: Record<string, unknown> = { drill: 'lifecycle' };
      let windowFromMs = t0;
      let windowToMs = t0;

      const diagnostics = async (): Promise<string> => {
        const all = await mails();
        const records = await storedRecords(influx, DEVICE, t0 - 1_000).catch(
          (e: unknown) => `(InfluxDB query failed: ${String(e)})`,
        );
        const sec = (ms: number) => `+${((ms - t0) / 1000).toFixed(1)} s`;
        return [
          `Timeline (s after the drill's start; each email under the event going on one group wait before it):`,
          describeTimeline(timeline, all, GROUP_WAIT_MS),
          '',
          'Emails:',
          ...all.map((m) => `  ${sec(m.atMs)} ${m.subject}`),
          '',
          'Stored rows:',
          typeof records === 'string' ? records : describeRecords(records, t0),
          '',
          'Reporter runs:',
          ...rep.runs.map(
            (r) =>
              `  run ${r.n} pid ${r.pid} boot ${r.bootId ?? '?'}: spawned ${sec(r.spawnedAtMs)}, started ${r.startedAtMs ? sec(r.startedAtMs) : '-'}` +
              `, ${r.endSignal ? `${r.endSignal.signal} ${sec(r.endSignal.atMs)}` : 'running'}, exited ${r.exitedAtMs ? `${sec(r.exitedAtMs)} code ${r.exitCode}` : '-'}`,
          ),
          'Reporter link states (status.json, on change):',
          ...rep.statuses.map((s) => `  ${sec(s.t)} run ${s.run}: ${JSON.stringify(s.states)}`),
          'Reporter log:',
          ...rep.logs.slice(-150).map((l) => `  ${sec(l.t)} run ${l.run}: ${l.line.slice(0, 300)}`),
          '',
          'Backend log (tail):',
          backend!.logTail(40),
        ].join('\n');
      };

      try {
        // Start-up is a lifecycle event too: the first run of the reporter must not email either.
        timeline.begin('phase 1', 'first start of the reporter');
        await rep.start();
        ctx.phase = 'phase 1';
        await settle(ctx);
        await sleep(2_000); // a few rounds of steady state
        windowFromMs = Date.now();

        // Phase 1: healthy links.
        await runLifecycleEvents({ ...ctx, phase: 'phase 1' });
        timeline.begin('phase 1', `quiet ${QUIET_MS} ms`);
        await sleep(QUIET_MS);
        timeline.end();

        // Phase 2: the same events while wan0's upstream is cut.
        const outage = {
          ...ctx,
          phase: 'phase 2',
          steady: (s: Record<string, string>) => s.wan0 === 'offline' && s.wan1 === 'online',
        };
        timeline.begin('phase 2', 'cut wan0 upstream');
        const cutMs = Date.now();
        await lab.cutUpstream('wan0');
        const downEmail = await waitForMail(mails, /wan0 DOWN/, cutMs, 30_000);
        if (!downEmail) timeline.note('no wan0 DOWN email within 30 s');
        await settle(outage, cutMs);
        await runLifecycleEvents(outage);
        timeline.begin('phase 2', 'restore wan0 upstream');
        const restoreMs = Date.now();
        await lab.restoreUpstream('wan0');
        const upEmail = await waitForMail(mails, /wan0 UP/, restoreMs, 20_000);
        if (!upEmail) timeline.note('no wan0 UP email within 20 s');
        await settle({ ...ctx, phase: 'phase 2' }, restoreMs);
        timeline.begin('phase 2', `quiet ${QUIET_MS} ms`);
        await sleep(QUIET_MS);
        timeline.end();
        windowToMs = Date.now();

        // Emails.
        const all = await mails();
        const phase2Start = timeline.events.find((e) => e.phase === 'phase 2')!.startMs;
        const phase1Mails = all.filter((m) => m.atMs < phase2Start);
        const phase2Mails = all.filter((m) => m.atMs >= phase2Start);
        if (phase1Mails.length > 0)
          problems.push(
            `phase 1 (healthy links): ${phase1Mails.length} emails, expected none: ${phase1Mails.map((m) => m.subject).join(' | ')}`,
          );
        const downs = phase2Mails.filter((m) => /wan0 DOWN/.test(m.subject));
        const ups = phase2Mails.filter((m) => /wan0 UP/.test(m.subject));
        const others = phase2Mails.filter((m) => !downs.includes(m) && !ups.includes(m));
        if (downs.length !== 1 || ups.length !== 1 || others.length > 0)
          problems.push(
            `phase 2 (wan0 cut): ${downs.length} DOWN, ${ups.length} UP, ${others.length} other emails; expected 1, 1, 0: ` +
              phase2Mails.map((m) => m.subject).join(' | '),
          );
        if (downs[0] && !/traffic now on wan1/.test(downs[0].subject))
          problems.push(`the DOWN email does not say traffic moved to wan1: ${downs[0].subject}`);
        if (downs[0] && !/wan0: offline, latency n\/a, loss n\/a/.test(downs[0].text))
          problems.push(
            `the DOWN email shows figures for offline wan0 (docs/alerts.md promises n/a): ${downs[0].text.split('\n').find((l) => /wan0:/.test(l))}`,
          );
        // wan1 carries traffic throughout: an email that says nothing does contradicts the links it reports.
        const noTraffic = all.filter((m) => /no link carries traffic/.test(m.subject));
        if (noTraffic.length > 0)
          problems.push(`${noTraffic.length} emails say "no link carries traffic" while wan1 was online throughout`);
        const scriptedMs = restoreMs - cutMs;
        // The recovery is told by the first UP email after the restore (earlier ones are false).
        const statedMs = upEmail ? upDurationMs(upEmail.subject, 'wan0') : undefined;
        // The tracker decides DOWN up to DETECTION_MS after the cut and UP up to RECOVERY_MS after the restore.
        const durationTolMs = Math.max(DETECTION_MS, RECOVERY_MS) + INTERVAL_MS;
        if (!upEmail) problems.push(`no wan0 UP email within 20 s of the restore`);
        else if (statedMs === undefined || Math.abs(statedMs - scriptedMs) > durationTolMs)
          problems.push(
            `UP email states ${statedMs} ms for a scripted outage of ${scriptedMs} ms (tolerance ${durationTolMs} ms): ${upEmail.subject}`,
          );
        Object.assign(figures, {
          emailsPerPhase: emailsPerPhase(timeline, all),
          emailsByEvent: emailsByEvent(timeline, all, GROUP_WAIT_MS),
          downEmailAfterCutMs: downEmail ? downEmail.atMs - cutMs : null,
          upEmailAfterRestoreMs: upEmail ? upEmail.atMs - restoreMs : null,
          scriptedOutageMs: scriptedMs,
          statedOutageMs: statedMs ?? null,
          subjects: all.map((m) => m.subject),
        });

        // Stored rows: no unreachable interval in either phase.
        const records = await storedRecords(influx, DEVICE, t0 - 1_000);
        const unreachable = records.deviceStates.filter((r) => r.state === 'unreachable');
        if (unreachable.length > 0)
          problems.push(
            `${unreachable.length} wan_device_state unreachable rows stored (at ${unreachable.map((r) => `+${((r.timeMs - t0) / 1000).toFixed(1)} s`).join(', ')})`,
          );
        figures.unreachableRows = unreachable.length;

        // Uptime: unknown exactly where no reporter ran.
        const report = await api('GET', `/api/v1/devices/${DEVICE}/uptime?from=${windowFromMs}&to=${windowToMs}`);
        assert.equal(report.status, 200, JSON.stringify(report.body));
        const down = rep.downWindows(windowFromMs, windowToMs);
        const unknownFigures: Record<string, unknown> = {};
        for (const ifc of report.body.ifaces as Array<{
          iface: string;
          segments: Array<Window & { bucket: string }>;
        }>) {
          const unknown = ifc.segments.filter((s) => s.bucket === 'unknown');
          const c = unknownVersusDown(unknown, down, UNKNOWN_BEFORE_TOL_MS, UNKNOWN_AFTER_TOL_MS);
          unknownFigures[ifc.iface] = c;
          if (c.unknownWhileRunningMs > UNKNOWN_WHILE_RUNNING_TOL_MS)
            problems.push(
              `${ifc.iface}: ${c.unknownWhileRunningMs} ms unknown while a reporter ran (unknown ${JSON.stringify(unknown.map((s) => [s.startMs - t0, s.endMs - t0]))} ms after the start)`,
            );
          c.downNotUnknownMs.forEach((ms, i) => {
            if (ms > UNKNOWN_AFTER_TOL_MS)
              problems.push(
                `${ifc.iface}: reporter down ${down[i]!.startMs - t0}..${down[i]!.endMs - t0} ms after the start, but ${ms} ms of it is not unknown in the report`,
              );
          });
        }
        const wan0 = (
          report.body.ifaces as Array<{ iface: string; segments: Array<Window & { bucket: string }> }>
        ).find((i) => i.iface === 'wan0');
        Object.assign(figures, {
          reporterDownMs: down.reduce((a, w) => a + w.endMs - w.startMs, 0),
          reporterDownWindows: down.map((w) => [w.startMs - t0, w.endMs - t0]),
          unknownVsDown: unknownFigures,
          internetUnknownMs: report.body.internet?.unknownMs,
          // Not asserted (a restarted tracker follows initial_state online, so mwan3 routes the dead link for a moment): shown for the closing note.
          wan0OnlineDuringOutageMs: wan0
            ? wan0.segments
                .filter((s) => s.bucket === 'online')
                .reduce(
                  (a, s) => a + Math.max(0, Math.min(s.endMs, restoreMs) - Math.max(s.startMs, cutMs + DETECTION_MS)),
                  0,
                )
            : null,
          drillMs: Date.now() - t0,
        });
      } catch (err) {
        console.log(JSON.stringify(figures));
        throw new Error(`${(err as Error).message}\n\n${await diagnostics()}`, { cause: err });
      }
      console.log(JSON.stringify(figures));
      if (problems.length > 0)
        assert.fail(`${problems.length} problems:\n- ${problems.join('\n- ')}\n\n${await diagnostics()}`);
    },
  );
});

/** The first email at/after `sinceMs` whose subject matches, waiting up to `timeoutMs`; undefined if none came. */
async function waitForMail(
  mails: () => Promise<ReceivedMail[]>,
  subject: RegExp,
  sinceMs: number,
  timeoutMs: number,
): Promise<ReceivedMail | undefined> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = (await mails()).find((x) => x.atMs >= sinceMs && subject.test(x.subject));
    if (m || Date.now() > end) return m;
    await sleep(200);
  }
}
