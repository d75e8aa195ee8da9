// run-tests: alone
// (scripts/run-tests.ts runs this file after the others: it holds the failover email to a budget)
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleParser, type ParsedMail } from 'mailparser';
import { testServices } from '../stack/testing.ts';
import { startSmtpSink, type SmtpSink } from '../stack/smtp-sink.ts';
import { startBackend, createLogger, type RunningBackend } from '../backend/host.ts';
import { backendPlugins } from '../backend/plugins/index.ts';
import { createNetnsLab, hasNft, netnsSupport, type NetnsLab } from '../device-reporter/test/netns.ts';
import {
  exposeBackendThroughIsps,
  startReporterInCe,
  writeLabMwan3,
  type ReporterChildStatus,
  type ReporterBuild,
} from '../device-reporter/test/netns-backend.ts';
import { buildLean } from '../device-reporter/lean/lean-run.ts';

/**
 * The failover drill, end to end: a CE namespace runs the real reporter (real ping trackers) with
 * two WAN links to two ISP namespaces; the backend (ingest + alerting + reports, real InfluxDB,
 * Redis and SMTP sink) is reachable through both ISPs at 10.200.0.1 (a forwarder in each ISP
 * namespace to the backend's Unix socket). No packet leaves the namespaces.
 *
 *  1. cut WAN1's upstream  -> one email "wan0 DOWN — traffic now on wan1 (FAIL_OVER: wan1 100%)"
 *                             within detection time + group wait + 2 s
 *  2. cut WAN2 too         -> one "device unreachable" email
 *  3. restore both         -> one "back online" email summarising the back-filled transitions
 *  4. every sample the reporter took is in InfluxDB, counted, none twice
 *  5. the uptime report matches the scripted outages to within one probe interval
 */
const support = netnsSupport();
const DEVICE = 'drill-ce-1';
// Tracking: interval 1 s, timeout 1 s, down 2, up 2. Alerting: group wait 2 s, watchdog 5 s.
const INTERVAL_MS = 1_000;
const DOWN = 2;
const UP = 2;
const GROUP_WAIT_MS = 2_000;
const WATCHDOG_MS = 5_000;
/** Worst case from a cut to `offline`: DOWN failed rounds, each up to interval + timeout. */
const DETECTION_MS = DOWN * (INTERVAL_MS + 1_000);

/** Acknowledged uploads so far, over every route, from one of the reporter's status lines. */
const uploadsOf = (st: ReporterChildStatus) => Object.values(st.byRoute).reduce((a, b) => a + b, 0);

/** The longest time in [fromMs, toMs] without a new acknowledged upload, from the reporter's status lines. */
function longestUploadGapMs(statuses: ReporterChildStatus[], fromMs: number, toMs: number): number {
  let longest = 0;
  let lastUploadMs = fromMs;
  let prev: number | undefined;
  for (const st of statuses) {
    if (st.t > toMs) break;
    const n = uploadsOf(st);
    if (prev !== undefined && n > prev && st.t >= fromMs) {
      longest = Math.max(longest, st.t - lastUploadMs);
      lastUploadMs = st.t;
    }
    prev = n;
  }
  return Math.max(longest, toMs - lastUploadMs);
}

/** What changed in the reporter's status lines in [fromMs, toMs], times relative to `zeroMs`: for failure messages. */
function statusTimeline(statuses: ReporterChildStatus[], fromMs: number, toMs: number, zeroMs: number): string {
  const out: string[] = [];
  let prev: ReporterChildStatus | undefined;
  for (const st of statuses) {
    if (st.t > toMs) break;
    const key = (s: ReporterChildStatus) => JSON.stringify([s.states, s.byRoute]);
    if (st.t >= fromMs && (!prev || key(prev) !== key(st)))
      out.push(`${st.t - zeroMs} ms: ${JSON.stringify(st.states)} ${JSON.stringify(st.byRoute)}`);
    prev = st;
  }
  return out.join('\n');
}

type BackendRecord = { timeMs: number; type: string } & Record<string, unknown>;

/** The events API's records, one line each with the fields that tell the story, in ms after `zeroMs`. */
function recordLines(records: BackendRecord[], zeroMs: number): string {
  const keep = ['type', 'iface', 'iface_name', 'to_state', 'kind', 'status', 'attempt', 'incident_id', 'error'];
  return records
    .map((e) => {
      const shown = keep.filter((k) => e[k] !== undefined && e[k] !== '').map((k) => `${k}=${String(e[k])}`);
      return `${e.timeMs - zeroMs} ms: ${shown.join(' ')}`;
    })
    .join('\n');
}

/**
 * The failover email's path, each step in ms after the cut: the tracker's offline decision, the
 * reporter's next acknowledged upload (it carries the transition), the backend's notification
 * record when the group flushed (queued) and when SMTP took it (sent), and the email in the sink.
 */
function failoverPipeline(
  statuses: ReporterChildStatus[],
  records: BackendRecord[],
  cutMs: number,
  detectedMs: number,
  emailMs: number,
) {
  const atDetection = statuses.filter((st) => st.t <= cutMs + detectedMs).at(-1);
  const acked = statuses.find(
    (st) => st.t > cutMs + detectedMs && uploadsOf(st) > (atDetection ? uploadsOf(atDetection) : 0),
  );
  const notification = (status: string) =>
    records.find((e) => e.type === 'notification' && e.status === status && String(e.incident_id).includes('down:'));
  const rel = (e: { timeMs: number } | undefined) => (e ? e.timeMs - cutMs : undefined);
  return {
    detectedMs,
    uploadAckedMs: acked ? acked.t - cutMs : undefined,
    queuedMs: rel(notification('queued')),
    sentMs: rel(notification('sent')),
    emailMs,
  };
}

const skip = !support.ok ? `skipped: ${support.reason}` : !hasNft() ? 'skipped: no nft' : false;

// Both reporter builds run the drill (issue #16): the same budget and the same checks.
const BUILDS: ReporterBuild[] = ['node', 'lua'];

for (const build of BUILDS)
  describe(`failover drill (network namespaces, whole backend, ${build} build)`, { skip }, () => {
    let lab: NetnsLab;
    let backend: RunningBackend;
    let sink: SmtpSink;
    let sockServer: http.Server;
    const procs: ChildProcess[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'ww-drill-'));
    const sock = join(dir, 'api.sock');
    const adminToken = 'drill-admin-token-0123456789';

    before(async () => {
      if (build === 'lua') buildLean();
      const svc = await testServices();
      sink = await startSmtpSink();
      const { url } = svc.influxDb(`drill_${build}`);
      backend = await startBackend(
        {
          influxUrl: url,
          redisUrl: svc.redisUrl,
          redisPrefix: svc.redisPrefix(`drill_${build}`),
          smtpUrl: sink.url,
          mailFrom: 'wanwatch <drill@example.test>',
          alertEmails: ['noc@example.test'],
          adminToken,
          port: 0,
          dataDir: dir,
          rawRetention: '30d',
          logLevel: 'error',
        },
        {
          role: 'all',
          host: '127.0.0.1',
          logger: createLogger('error'),
          plugins: backendPlugins({
            alertingOptions: { groupWaitMs: GROUP_WAIT_MS, watchdogMinMs: WATCHDOG_MS, sweepIntervalMs: 500 },
          }),
        },
      );
      // The same app on a Unix socket, which the forwarders in the ISP namespaces can reach.
      const handler = backend.server!.listeners('request')[0] as http.RequestListener;
      sockServer = http.createServer(handler);
      await new Promise<void>((r) => sockServer.listen(sock, () => r()));

      lab = await createNetnsLab({ wans: 2, prefix: build === 'node' ? 'wd' : 'wk' });
      procs.push(...(await exposeBackendThroughIsps(lab, sock)));
    });

    after(async () => {
      for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
      await lab?.destroy();
      sockServer?.closeAllConnections();
      await new Promise((r) => sockServer?.close(r));
      await backend?.close();
      await sink?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it(
      'cut WAN1, cut WAN2, restore: one email each, everything stored once, report matches',
      { timeout: 240_000 },
      async () => {
        const api = async (method: string, path: string, body?: unknown) => {
          const res = await fetch(`http://127.0.0.1:${backend.port}${path}`, {
            method,
            headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
            ...(body ? { body: JSON.stringify(body) } : {}),
          });
          // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response shapes are asserted field by field below
          return { status: res.status, body: (await res.json()) as any };
        };
        const reg = await api('POST', '/api/v1/devices', {
          id: DEVICE,
          name: 'Drill CE',
          site: 'Lab',
          notificationEmails: ['owner@example.test'],
        });
        assert.equal(reg.status, 201, JSON.stringify(reg.body));

        writeLabMwan3(lab, dir, { down: DOWN, up: UP, policy: 'FAIL_OVER' });

        const rep = startReporterInCe(lab, dir, String(reg.body.token), DEVICE, build);
        procs.push(rep.child);
        const { child, spooled } = rep;
        const states = () => rep.last()?.states ?? {};
        const mails = async (): Promise<ParsedMail[]> => Promise.all(sink.messages.map((m) => simpleParser(m.raw)));
        const subjects = async () => (await mails()).map((m) => m.subject ?? '');
        const until = async (what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number) => {
          const end = Date.now() + timeoutMs;
          while (!(await ok())) {
            if (Date.now() > end)
              assert.fail(
                `timed out waiting for ${what} (states ${JSON.stringify(states())}, mails: ${(await subjects()).join(' | ')})`,
              );
            await new Promise((r) => setTimeout(r, 100));
          }
        };

        await until('both WANs online', () => states().wan0 === 'online' && states().wan1 === 'online', 30_000);
        await new Promise((r) => setTimeout(r, 3_000)); // a few rounds of steady state
        const mailsBefore = sink.messages.length;

        // 1. WAN1 (wan0) loses its upstream.
        const q = async (text: string) =>
          (await backend.ctx.influx.query(text, { placeholders: { d: DEVICE } })) as unknown as Array<
            Record<string, number>
          >;
        const cut1 = Date.now();
        await lab.cutUpstream('wan0');
        const cutTookMs = Date.now() - cut1; // the drop is in force from somewhere in here
        await until('the wan0 DOWN email', async () => (await subjects()).some((s) => /wan0 DOWN/.test(s)), 30_000);
        const downMailMs = Date.now() - cut1;
        // Detection: the tracker's own time of its offline decision, as stored (the email came from it).
        const [offline] = await q(
          `SELECT "seq" FROM "forever"."wan_transition" WHERE "device" = $d AND "iface" = 'wan0' AND "to_state" = 'offline' AND time >= ${cut1}ms`,
        );
        const detectedMs = offline ? (offline.time as unknown as Date).getTime() - cut1 : undefined;
        // While one WAN dies the reports keep flowing over the other: the longest pause between two
        // acknowledged uploads stays well under the watchdog (else the site is called unreachable).
        const uploadGapMs = longestUploadGapMs(rep.statuses, cut1 - 1_000, cut1 + downMailMs);
        assert.ok(
          uploadGapMs < WATCHDOG_MS - 1_000,
          `uploads paused ${uploadGapMs} ms around the wan0 cut; reporter status (ms after the cut):\n` +
            statusTimeline(rep.statuses, cut1 - 1_000, cut1 + downMailMs, cut1),
        );
        // The issue's budget: detection time + group wait + 2 s. Detection is the tracker's (mwan3's
        // DOWN rounds of interval + timeout, DETECTION_MS at most, plus ping start-up on a busy
        // machine); the rest is ours: upload, ingest, queue, group wait, SMTP.
        assert.ok(
          detectedMs !== undefined && detectedMs <= DETECTION_MS + 1_000,
          `tracker said offline after ${detectedMs} ms`,
        );
        const budgetMs = detectedMs! + GROUP_WAIT_MS + 2_000;
        const down = (await mails()).filter((m) => /wan0 DOWN/.test(m.subject ?? ''));
        assert.equal(down.length, 1, 'exactly one email for the failure');
        assert.match(down[0]!.subject!, /traffic now on wan1 \(FAIL_OVER: wan1 100%\)/);
        assert.deepEqual(
          down[0]!.to && !Array.isArray(down[0]!.to) ? down[0]!.to.value.map((v) => v.address).sort() : [],
          ['noc@example.test', 'owner@example.test'],
        );
        // Where the time went after detection: the reporter's upload, then the backend's records.
        const ev = await api('GET', `/api/v1/devices/${DEVICE}/events?from=${cut1 - 2_000}&to=${Date.now()}`);
        const records = (ev.body.events ?? []) as BackendRecord[];
        const pipeline = failoverPipeline(rep.statuses, records, cut1, detectedMs!, downMailMs);
        assert.ok(
          downMailMs <= budgetMs,
          `failover email after ${downMailMs} ms (tracker said offline after ${detectedMs} ms), budget ${budgetMs} ms; ` +
            `${JSON.stringify(pipeline)}\nBackend records (ms after the cut):\n${recordLines(records, cut1)}\n` +
            `Reporter status (ms after the cut):\n` +
            statusTimeline(rep.statuses, cut1 + detectedMs! - 1_000, cut1 + downMailMs, cut1),
        );

        // 2. WAN2 (wan1) too: the site is dark.
        await new Promise((r) => setTimeout(r, 3_000));
        const cut2 = Date.now();
        await lab.cutUpstream('wan1');
        await until('the unreachable email', async () => (await subjects()).some((s) => /UNREACHABLE/.test(s)), 40_000);
        const unreachableMailMs = Date.now() - cut2;
        await new Promise((r) => setTimeout(r, 6_000)); // stays dark a while, still measuring
        const spooledWhileDark = spooled.length;

        // 3. Both back.
        const restore = Date.now();
        await lab.restoreUpstream('wan0');
        await lab.restoreUpstream('wan1');
        await until('the back-online email', async () => (await subjects()).some((s) => /BACK ONLINE/.test(s)), 40_000);
        const backMailMs = Date.now() - restore;
        await until('both WANs online again', () => states().wan0 === 'online' && states().wan1 === 'online', 30_000);
        await new Promise((r) => setTimeout(r, GROUP_WAIT_MS + 3_000));

        const all = await subjects();
        const count = (re: RegExp) => all.filter((s) => re.test(s)).length;
        assert.equal(count(/UNREACHABLE/), 1, `one unreachable email: ${all.join(' | ')}`);
        assert.equal(count(/BACK ONLINE/), 1, `one back-online email: ${all.join(' | ')}`);
        assert.equal(
          count(/wan1 DOWN/),
          0,
          `no separate wan1 email while the device was unreachable: ${all.join(' | ')}`,
        );
        const back = (await mails()).find((m) => /BACK ONLINE/.test(m.subject ?? ''))!;
        assert.match(back.text ?? '', /wan1/, 'the back-online email summarises what was recorded while cut off');

        // 4. Stop the reporter (it flushes), then count: every sample it took is in InfluxDB, once.
        child.kill('SIGTERM');
        await until('the reporter to stop', () => rep.stoppedPending() !== undefined, 20_000);
        const samples = spooled.filter((s) => s.type === 'sample');
        const transitions = spooled.filter((s) => s.type === 'transition');
        const [sc] = await q(`SELECT count("seq") AS n FROM "raw"."wan_iface" WHERE "device" = $d`);
        const [tc] = await q(`SELECT count("seq") AS n FROM "forever"."wan_transition" WHERE "device" = $d`);
        assert.equal(sc?.n, samples.length, 'every sample in InfluxDB, none twice');
        assert.equal(tc?.n, transitions.length, 'every transition in InfluxDB, none twice');
        assert.ok(spooledWhileDark > 0);

        // 5. The uptime report matches the script to within one probe interval (plus the tracker's own detection).
        const report = await api('GET', `/api/v1/devices/${DEVICE}/uptime?from=${cut1 - 5_000}&to=${Date.now()}`);
        assert.equal(report.status, 200, JSON.stringify(report.body));
        const wan0 = report.body.ifaces.find((i: { iface: string }) => i.iface === 'wan0');
        const out0 = wan0.outages[0];
        assert.equal(wan0.outages.length, 1, JSON.stringify(wan0.outages));
        const tol = INTERVAL_MS;
        assert.ok(
          out0.startMs >= cut1 && out0.startMs <= cut1 + DETECTION_MS + tol,
          `wan0 outage starts ${out0.startMs - cut1} ms after the cut`,
        );
        assert.ok(
          out0.endMs >= restore && out0.endMs <= restore + UP * (INTERVAL_MS + 1_000) + tol,
          `wan0 outage ends ${out0.endMs - restore} ms after the restore; reporter status (ms after the restore):\n` +
            statusTimeline(rep.statuses, restore - 1_000, out0.endMs + 2_000, restore),
        );
        const internet = report.body.internet;
        assert.equal(internet.outages.length, 1, JSON.stringify(internet.outages));
        assert.ok(
          Math.abs(internet.outages[0].startMs - cut2) <= DETECTION_MS + tol,
          'internet outage starts when WAN2 is cut',
        );

        console.log(
          JSON.stringify({
            drill: 'failover',
            failoverEmailMs: downMailMs,
            failoverDetectedMs: detectedMs,
            cutTookMs,
            failoverBudgetMs: budgetMs,
            failoverAfterDetectionMs: downMailMs - detectedMs!,
            failoverPipeline: pipeline,
            wan0RecoveredMs: out0.endMs - restore,
            uploadGapAtCutMs: uploadGapMs,
            unreachableEmailMs: unreachableMailMs,
            backOnlineEmailMs: backMailMs,
            samples: samples.length,
            transitions: transitions.length,
            wan0OutageMs: out0.durationMs,
            scriptedWan0CutMs: restore - cut1,
            emails: all.length - mailsBefore,
            subjects: all.slice(mailsBefore),
          }),
        );
      },
    );
  });
