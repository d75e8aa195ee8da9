/**
 * End to end: a scripted day-in-the-life of a two-WAN site goes through the real ingest API into
 * InfluxDB; the watchdog's reachability points and a silence are written where alerting writes
 * them; then `GET /api/v1/devices/:id/uptime` must equal figures computed by hand, the CSV must
 * carry them, and the HTML page — opened in real headless Chromium — must show them.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Router } from 'express';
import { pino } from 'pino';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { encodeTagValue, type ReportRecord } from '../contract/index.ts';
import { M, RP } from '../store/index.ts';
import { startTestIngest, type TestIngest } from '../test-support/ingest.ts';
import { launchChromium } from '../test-support/launch-chromium.ts';
import { LINK_QUALITY } from '../reports/adapters/influx-history.ts';
import { createReportsHttpApi } from '../reports/index.ts';
import { formatDuration, formatPct } from '../reports/render/format.ts';
import { testServices } from '../stack/testing.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const at = (min: number) => T0 + Math.round(min * MIN);
const DEV = 'ce-e2e-1';

type Tr = Extract<ReportRecord, { type: 'transition' }>;
const tr = (
  seq: number,
  min: number,
  iface: string,
  from: Tr['from'],
  to: Tr['to'],
  reason: Tr['reason'] = 'track',
): Tr => ({
  type: 'transition',
  seq,
  timeMs: at(min),
  iface,
  from,
  to,
  score: to === 'online' ? 12 : 0,
  reason,
});

describe('uptime report end to end (ingest API -> InfluxDB -> reports API)', () => {
  let t: TestIngest;
  let token: string;
  let influxBase: string;
  const admin = () => ({ Authorization: `Bearer ${t.adminToken}` });

  before(async () => {
    // The reports router needs the influx/redis clients the ingest helper creates, so mount a
    // forwarding router first and point it at the real one once they exist.
    const slot: { router?: Router } = {};
    const forward = Router();
    forward.use((req, res, next) => (slot.router ? slot.router(req, res, next) : next()));
    t = await startTestIngest({ label: 'reports_e2e', routers: [forward] });
    slot.router = createReportsHttpApi({
      influx: t.influx,
      redis: t.redis,
      keys: t.keys,
      logger: pino({ level: 'silent' }),
      nowMs: () => at(24 * 60),
    });
    influxBase = (await testServices()).influxBaseUrl;
    token = await t.addDevice(DEV, { name: 'Shop <Main St.>' });

    const post = async (bootId: string, sentMin: number, records: ReportRecord[]) => {
      const report = { v: 1, deviceId: DEV, bootId, sentAtMs: at(sentMin), reportIntervalMs: 5000, records };
      const res = await request(t.app).post('/api/v1/reports').set('Authorization', `Bearer ${token}`).send(report);
      assert.equal(res.status, 200, JSON.stringify(res.body));
    };
    // Boot A: both links up before the period; wanb fails at 10, wan at 20 (site dark).
    await post('bootAAAA-1', 19, [
      tr(1, -30, 'wan', 'unknown', 'online', 'start'),
      tr(2, -30, 'wanb', 'unknown', 'online', 'start'),
      tr(3, 10, 'wanb', 'online', 'offline'),
    ]);
    // Back online at 30:05 with the same boot: back-filled transitions.
    await post('bootAAAA-1', 30.1, [tr(4, 20, 'wan', 'online', 'offline'), tr(5, 30, 'wan', 'offline', 'online')]);
    await post('bootAAAA-1', 41, [tr(6, 40, 'wanb', 'offline', 'online')]);
    // Power cut after 45; new boot B starts at 50.
    await post('bootBBBB-2', 50.2, [
      tr(7, 50, 'wan', 'unknown', 'online', 'start'),
      tr(8, 50, 'wanb', 'unknown', 'online', 'start'),
    ]);

    // What alerting's watchdog writes (wan_device_state, RP forever) and a silence on wanb.
    const dev = encodeTagValue(DEV);
    const lines = [
      `${M.deviceState},device=${dev} state="unreachable",reachable=0i,last_seen_ms=${at(19)}i ${at(20.5)}`,
      `${M.deviceState},device=${dev} state="reachable",reachable=1i,last_seen_ms=${at(30 + 5 / 60)}i ${at(30 + 5 / 60)}`,
      `${M.deviceState},device=${dev} state="unreachable",reachable=0i,last_seen_ms=${at(45)}i ${at(46)}`,
      `${M.deviceState},device=${dev} state="reachable",reachable=1i,last_seen_ms=${at(50 + 10 / 60)}i ${at(50 + 10 / 60)}`,
    ];
    const w = await fetch(`${influxBase}/write?db=${t.db}&rp=${RP.forever}&precision=ms`, {
      method: 'POST',
      body: lines.join('\n'),
    });
    assert.equal(w.status, 204, await w.text());
    // Stored as before weekly windows existed (v1): it still counts.
    const silence = {
      v: 1,
      id: 'sil-1',
      deviceId: DEV,
      iface: 'wanb',
      startMs: at(55),
      endMs: at(90),
      comment: 'ISP maintenance',
      createdBy: 'test',
      createdAtMs: at(0),
    };
    await t.redis.hset(t.keys.silences, silence.id, JSON.stringify(silence));

    // The cloud evaluator's verdicts (wan_link_quality, RP forever): wan below quality 52-56.
    const quality = [
      `${LINK_QUALITY},device=${dev},iface=wan degraded=true,source="cloud",loss_pct=12,rtt_p95_ms=240,jitter_ms=30 ${at(52)}`,
      `${LINK_QUALITY},device=${dev},iface=wan degraded=false,source="cloud",loss_pct=0,rtt_p95_ms=20,jitter_ms=2 ${at(56)}`,
    ];
    const wq = await fetch(`${influxBase}/write?db=${t.db}&rp=${RP.forever}&precision=ms`, {
      method: 'POST',
      body: quality.join('\n'),
    });
    assert.equal(wq.status, 204, await wq.text());
    // The device's SLA and calendar, through the admin API.
    await request(t.app)
      .put(`/api/v1/report-targets/devices/${DEV}`)
      .set(admin())
      .send({ slaTargetPct: 99.9, timeZone: 'Europe/Berlin' })
      .expect(200);
  });
  after(async () => {
    await t.close();
  });

  const url = (fmt = '') => `/api/v1/devices/${DEV}/uptime?from=${new Date(at(0)).toISOString()}&to=${at(60)}${fmt}`;

  it('JSON equals the hand-computed figures', async () => {
    const res = await request(t.app).get(url()).set(admin()).expect(200);
    const r = res.body;
    assert.equal(r.periodMs, 60 * MIN);
    assert.equal(r.name, 'Shop <Main St.>');
    const pick = (f: Record<string, unknown>) => ({
      onlineMs: f.onlineMs,
      offlineMs: f.offlineMs,
      unknownMs: f.unknownMs,
      maintenanceMs: f.maintenanceMs,
      availabilityPct: f.availabilityPct,
      outageCount: f.outageCount,
      longestOutageMs: f.longestOutageMs,
    });
    const byIface = Object.fromEntries(r.ifaces.map((i: { iface: string }) => [i.iface, i]));
    // wan: up 0-20, down 20-30 (site dark from 19), up 30-45, no data 45-50 (new boot), up 50-60.
    assert.deepEqual(pick(byIface.wan), {
      onlineMs: 45 * MIN,
      offlineMs: 10 * MIN,
      unknownMs: 5 * MIN,
      maintenanceMs: 0,
      availabilityPct: 81.818,
      outageCount: 1,
      longestOutageMs: 10 * MIN,
    });
    // wanb: up 0-10, down 10-40, up 40-45, no data 45-50, up 50-55, silenced 55-60.
    assert.deepEqual(pick(byIface.wanb), {
      onlineMs: 20 * MIN,
      offlineMs: 30 * MIN,
      unknownMs: 5 * MIN,
      maintenanceMs: 5 * MIN,
      availabilityPct: 40,
      outageCount: 1,
      longestOutageMs: 30 * MIN,
    });
    assert.deepEqual(byIface.wanb.outages[0].parts, [
      { startMs: at(10), endMs: at(19), cause: 'link_down' },
      { startMs: at(19), endMs: at(30 + 5 / 60), cause: 'device_unreachable' },
      { startMs: at(30 + 5 / 60), endMs: at(40), cause: 'link_down' },
    ]);
    assert.equal(byIface.wan.outages[0].cause, 'device_unreachable');
    // Degraded: wan 52-56 (inside its online time); the site's internet stayed at full quality on wanb.
    assert.deepEqual(
      [
        byIface.wan.degradedMs,
        byIface.wan.degradedCount,
        byIface.wan.longestDegradedMs,
        byIface.wan.qualityAvailabilityPct,
      ],
      [4 * MIN, 1, 4 * MIN, 74.545],
    );
    assert.equal(r.internet.degradedMs, 0);
    // Coverage: measured ÷ (period − maintenance).
    assert.deepEqual(
      [r.internet.coveragePct, byIface.wan.coveragePct, byIface.wanb.coveragePct],
      [91.667, 91.667, 90.909],
    );
    assert.equal(r.internet.availabilityNote, null);
    // SLA 99.9 % of 55 measured minutes allows 3.3 s; 10 minutes were down.
    assert.deepEqual(r.sla, {
      targetPct: 99.9,
      met: false,
      allowedDowntimeMs: 3300,
      remainingBudgetMs: 3300 - 10 * MIN,
    });
    assert.equal(r.timeZone, 'Europe/Berlin');
    // Internet: down only 20-30 (both links), unknown 45-50; wanb's silence does not matter while wan is up.
    assert.deepEqual(pick(r.internet), {
      onlineMs: 45 * MIN,
      offlineMs: 10 * MIN,
      unknownMs: 5 * MIN,
      maintenanceMs: 0,
      availabilityPct: 81.818,
      outageCount: 1,
      longestOutageMs: 10 * MIN,
    });
  });

  it('CSV carries the same figures with RFC 4180 quoting', async () => {
    const res = await request(t.app)
      .get(url('&format=csv'))
      .set(admin())
      .expect(200)
      .expect('content-type', /text\/csv/);
    const lines = res.text.split('\r\n');
    assert.equal(
      lines[0],
      'device_id,iface,from,to,online_ms,offline_ms,unknown_ms,maintenance_ms,availability_pct,outages,total_outage_ms,longest_outage_ms,mttr_ms,mtbf_ms,' +
        'degraded_ms,degraded_count,longest_degraded_ms,quality_availability_pct,coverage_pct,availability_note,sla_target_pct,sla_met,error_budget_remaining_ms,time_zone,kind',
    );
    assert.equal(
      lines[1],
      `${DEV},(internet),2026-01-05T08:00:00.000Z,2026-01-05T09:00:00.000Z,${45 * MIN},${10 * MIN},${5 * MIN},0,81.818,1,${10 * MIN},${10 * MIN},${10 * MIN},${45 * MIN},` +
        `0,0,0,81.818,91.667,,99.9,false,${3300 - 10 * MIN},Europe/Berlin,internet`,
    );
    assert.ok(
      lines.some(
        (l) =>
          l.startsWith(`${DEV},wan,`) && l.includes(`,${4 * MIN},1,${4 * MIN},74.545,91.667,,,,,Europe/Berlin,link`),
      ),
    );
    assert.ok(
      lines.includes(
        `${DEV},wanb,2026-01-05T08:10:00.000Z,2026-01-05T08:40:00.000Z,${30 * MIN},link_down,false,false,link`,
      ),
    );
  });

  it('bad input gets a problem answer; an unknown device is not found', async () => {
    const bad = await request(t.app).get(`/api/v1/devices/${DEV}/uptime?from=yesterday`).set(admin()).expect(400);
    assert.equal(bad.body.code, 'invalid_query');
    assert.match(bad.headers['content-type']!, /application\/problem\+json/);
    const reversed = await request(t.app)
      .get(`/api/v1/devices/${DEV}/uptime?from=${at(60)}&to=${at(0)}`)
      .set(admin())
      .expect(400);
    assert.equal(reversed.body.code, 'invalid_query');
    const fmt = await request(t.app).get(url('&format=pdf')).set(admin()).expect(400);
    assert.equal(fmt.body.code, 'invalid_query');
    const missing = await request(t.app).get(`/api/v1/devices/nope/uptime`).set(admin()).expect(404);
    assert.equal(missing.body.code, 'not_found');
    await request(t.app).get(url()).expect(401);
  });

  it('coverage below the threshold: availability is flagged not meaningful, in JSON and CSV', async () => {
    // 3 hours from 06:00: nothing known before 07:30 (the first transitions), so about half is measured.
    const q = `/api/v1/devices/${DEV}/uptime?from=${at(-120)}&to=${at(60)}`;
    const r = (await request(t.app).get(q).set(admin()).expect(200)).body;
    assert.equal(r.internet.coveragePct, 47.222);
    assert.match(r.internet.availabilityNote, /only 47.222 % of the period measured \(below 90 %\)/);
    assert.equal(r.sla.met, null);
    const csv = (await request(t.app).get(`${q}&format=csv`).set(admin()).expect(200)).text;
    assert.match(csv.split('\r\n')[1]!, /,47\.222,only 47\.222 % of the period measured \(below 90 %\),99\.9,,/);
  });

  it('dates are read on the device calendar (Europe/Berlin), or in tz=', async () => {
    const berlin = (
      await request(t.app).get(`/api/v1/devices/${DEV}/uptime?from=2026-01-05&to=2026-01-06`).set(admin()).expect(200)
    ).body;
    assert.deepEqual([berlin.fromMs, berlin.toMs], [Date.UTC(2026, 0, 4, 23), Date.UTC(2026, 0, 5, 23)]);
    const utc = (
      await request(t.app)
        .get(`/api/v1/devices/${DEV}/uptime?from=2026-01-05&to=2026-01-06&tz=UTC`)
        .set(admin())
        .expect(200)
    ).body;
    assert.deepEqual([utc.fromMs, utc.timeZone], [Date.UTC(2026, 0, 5), 'UTC']);
    const bad = await request(t.app).get(`/api/v1/devices/${DEV}/uptime?tz=Mars/Olympus`).set(admin()).expect(400);
    assert.equal(bad.body.code, 'invalid_query');
  });

  it('report targets: listed, validated, removed', async () => {
    const list = (await request(t.app).get('/api/v1/report-targets').set(admin()).expect(200)).body;
    assert.deepEqual(list.targets, [{ scope: 'device', id: DEV, slaTargetPct: 99.9, timeZone: 'Europe/Berlin' }]);
    const hostile = 'HQ <script>"x"';
    await request(t.app)
      .put(`/api/v1/report-targets/sites/${encodeURIComponent(hostile)}`)
      .set(admin())
      .send({ slaTargetPct: 99 })
      .expect(200);
    const bad = await request(t.app)
      .put('/api/v1/report-targets/sites/x')
      .set(admin())
      .send({ slaTargetPct: 120, timeZone: 'Nowhere/Else' })
      .expect(422);
    assert.equal(bad.body.code, 'validation_failed');
    assert.deepEqual(bad.body.errors.map((e: { path: string }) => e.path).sort(), ['slaTargetPct', 'timeZone']);
    await request(t.app)
      .delete(`/api/v1/report-targets/sites/${encodeURIComponent(hostile)}`)
      .set(admin())
      .expect(204);
    const gone = await request(t.app).delete('/api/v1/report-targets/sites/nowhere').set(admin()).expect(404);
    assert.equal(gone.body.code, 'not_found');
    await request(t.app).get('/api/v1/report-targets').expect(401);
  });

  it('fleet report lists the device with the same internet figures', async () => {
    const res = await request(t.app)
      .get(`/api/v1/uptime?from=${at(0)}&to=${at(60)}`)
      .set(admin())
      .expect(200);
    assert.equal(res.body.deviceCount, 1);
    assert.equal(res.body.devices[0].deviceId, DEV);
    assert.equal(res.body.devices[0].internet.availabilityPct, 81.818);
    assert.equal(res.body.internet.offlineMs, 10 * MIN);
    assert.equal(res.body.devices[0].sla.met, false);
    assert.equal(res.body.internet.coveragePct, 91.667);
  });

  it('`wanwatch uptime` prints the same report (json and table)', async () => {
    const api = (await request(t.app).get(url()).set(admin()).expect(200)).body;
    const cli = (fmt: string) =>
      promisify(execFile)(
        process.execPath,
        [
          join(import.meta.dirname, '..', 'bin', 'wanwatch.js'),
          'uptime',
          '--device',
          DEV,
          '--from',
          '2026-01-05T08:00:00Z',
          '--to',
          String(at(60)),
          '--format',
          fmt,
        ],
        {
          env: {
            ...process.env,
            WANWATCH_INFLUX_URL: t.influxUrl,
            WANWATCH_REDIS_URL: t.redisUrl,
            WANWATCH_REDIS_PREFIX: t.prefix,
          },
          timeout: 30_000,
        },
      );
    const json = JSON.parse((await cli('json')).stdout);
    assert.deepEqual({ ...json, generatedAtMs: 0 }, { ...api, generatedAtMs: 0 });
    const table = (await cli('table')).stdout;
    assert.match(
      table,
      /^wanb\s+40\.000 %\s+90\.909 %\s+40\.000 %\s+20m 00s\s+0s\s+30m 00s\s+5m 00s\s+5m 00s\s+1\s+30m 00s/m,
    );
    assert.match(table, /SLA 99\.900 %: MISSED, error budget overspent by 9m 56s \(allowed 3\.300s\)/);
    assert.match(table, /Period: 2026-01-05 09:00:00 CET/);
    await assert.rejects(cli('yaml'), (e: { code?: number }) => e.code === 2);
    const fleet = (
      await promisify(execFile)(
        process.execPath,
        [
          join(import.meta.dirname, '..', 'bin', 'wanwatch.js'),
          'uptime',
          '--fleet',
          '--from',
          String(at(0)),
          '--to',
          String(at(60)),
          '--format',
          'json',
        ],
        {
          env: {
            ...process.env,
            WANWATCH_INFLUX_URL: t.influxUrl,
            WANWATCH_REDIS_URL: t.redisUrl,
            WANWATCH_REDIS_PREFIX: t.prefix,
          },
          timeout: 30_000,
        },
      )
    ).stdout;
    const api2 = (
      await request(t.app)
        .get(`/api/v1/uptime?from=${at(0)}&to=${at(60)}`)
        .set(admin())
        .expect(200)
    ).body;
    assert.deepEqual({ ...JSON.parse(fleet), generatedAtMs: 0 }, { ...api2, generatedAtMs: 0 });
  });

  describe('HTML in headless Chromium', () => {
    let browser: Browser;
    before(async () => {
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
    });

    it('shows the figures of the JSON, and a screenshot is saved', async () => {
      const json = (await request(t.app).get(url()).set(admin()).expect(200)).body;
      const html = (
        await request(t.app)
          .get(url('&format=html'))
          .set(admin())
          .expect(200)
          .expect('content-type', /text\/html/)
      ).text;
      assert.doesNotMatch(html, /<script/i);
      const page = await browser.newPage({ viewport: { width: 1040, height: 900 } });
      // Block every request: the page must need nothing from outside.
      await page.route('**/*', (route) => route.abort());
      await page.setContent(html, { waitUntil: 'load' });
      assert.equal(await page.title(), 'Uptime report — Shop <Main St.>');
      const rows: Array<[string, Record<string, number | null>]> = [
        ['Internet (any WAN)', json.internet],
        ...json.ifaces.map(
          (i: { iface: string }) =>
            [i.iface, i as unknown as Record<string, number | null>] as [string, Record<string, number | null>],
        ),
      ];
      for (const [label, fig] of rows) {
        const cell = (field: string) => page.locator(`tr[data-row="${label}"] td[data-field="${field}"]`).innerText();
        assert.equal(await cell('availabilityPct'), formatPct(fig.availabilityPct!), `${label} availability`);
        for (const f of [
          'onlineMs',
          'offlineMs',
          'unknownMs',
          'maintenanceMs',
          'longestOutageMs',
          'mttrMs',
          'mtbfMs',
        ]) {
          assert.equal(await cell(f), formatDuration(fig[f] ?? null), `${label} ${f}`);
        }
        assert.equal(await cell('outageCount'), String(fig.outageCount));
        assert.equal(await cell('coveragePct'), formatPct(fig.coveragePct!), `${label} coverage`);
        assert.equal(await cell('degradedMs'), formatDuration(fig.degradedMs ?? null), `${label} degraded`);
        assert.equal(await cell('qualityAvailabilityPct'), formatPct(fig.qualityAvailabilityPct!), `${label} quality`);
      }
      const sla = page.locator('p[data-field="sla"]');
      assert.equal(await sla.getAttribute('data-met'), 'false');
      assert.equal(await sla.getAttribute('data-remaining-ms'), String(3300 - 10 * MIN));
      assert.match(await sla.innerText(), /SLA 99\.900 %: MISSED/);
      assert.match(await page.locator('body').innerText(), /2026-01-05 09:00:00 CET/);
      assert.equal(await page.locator('svg').count(), 1 + json.ifaces.length);
      assert.equal(await page.locator('tr[data-outage]').count(), 3);
      const box = await page.locator('svg').first().boundingBox();
      assert.ok(box && box.width > 500, 'the timeline is drawn at full width');
      const dir = join(import.meta.dirname, '..', 'test-output');
      mkdirSync(dir, { recursive: true });
      const shot = join(dir, 'reports-uptime.png');
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`screenshot: ${shot}`);
      await page.close();
    });

    it('the fleet page shows each device with the JSON figures', async () => {
      const q = `/api/v1/uptime?from=${at(0)}&to=${at(60)}`;
      const json = (await request(t.app).get(q).set(admin()).expect(200)).body;
      const html = (await request(t.app).get(`${q}&format=html`).set(admin()).expect(200)).text;
      const page = await browser.newPage({ viewport: { width: 1040, height: 600 } });
      await page.route('**/*', (route) => route.abort());
      await page.setContent(html, { waitUntil: 'load' });
      const label = `${DEV} (Shop <Main St.>)`;
      const cell = (field: string) => page.locator(`tr[data-row="${label}"] td[data-field="${field}"]`).innerText();
      assert.equal(await cell('availabilityPct'), formatPct(json.devices[0].internet.availabilityPct));
      assert.equal(await cell('offlineMs'), formatDuration(json.devices[0].internet.offlineMs));
      assert.equal(await cell('coveragePct'), formatPct(json.devices[0].internet.coveragePct));
      assert.match(await cell('sla'), /missed 99\.900 %/);
      // Below the coverage threshold the availability is greyed with the reason.
      const low = await request(t.app)
        .get(`/api/v1/uptime?from=${at(-120)}&to=${at(60)}&format=html`)
        .set(admin())
        .expect(200);
      await page.setContent(low.text, { waitUntil: 'load' });
      const greyed = page.locator(`tr[data-row="${label}"] td[data-field="availabilityPct"]`);
      assert.equal(await greyed.getAttribute('data-meaningful'), 'false');
      assert.match(await greyed.innerText(), /not meaningful: only 47\.222 % of the period measured/);
      assert.doesNotMatch(low.text, /<Main St/);
      const shot = join(import.meta.dirname, '..', 'test-output', 'reports-fleet.png');
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`screenshot: ${shot}`);
      await page.close();
    });
  });
});
