import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
// Tests only: the REAL ingest is the peer (the reporter itself never imports backend code).
// eslint-disable-next-line no-restricted-imports
import { startTestIngest, type TestIngest } from '../../test-support/ingest.ts';
import { planSourceRules } from '../run/source-rules.ts';
import { assertStoredOnce } from './stored-once.ts';
import {
  resolveRunConfig,
  settingsFromArgv,
  settingsFromEnv,
  settingsFromUci,
  SETTINGS,
  startMwan3Source,
  startReporter,
  type RunningReporter,
} from '../run/index.ts';
import { silentLogger } from '../spool/index.ts';
import { readStatusFile } from '../status/status-file.ts';
import {
  lines,
  MWAN3_TEXT,
  switchableProber,
  waitFor,
  WANC,
  type Spooled,
  type SpooledRecord,
} from './run-fixtures.ts';

describe('run settings (flags > env > UCI), validated', () => {
  it('merges the three places and names a bad key in all its spellings', () => {
    const uci = settingsFromUci(
      `config reporter 'main'\n\toption server 'http://127.0.0.1:1'\n\toption device_id 'ce-1'\n\toption token 'tok-uci-123'\n\toption spool_dir '/overlay/wanwatch'\n`,
    );
    const env = settingsFromEnv({ WANWATCH_TOKEN: 'tok-env-123', WANWATCH_SOURCE: 'mwan3' });
    const flags = settingsFromArgv(['--token', 'tok-flag-123', '--spool-max-bytes=1048576']).settings;
    const cfg = resolveRunConfig(uci.settings, env, flags);
    assert.equal(cfg.token, 'tok-flag-123');
    assert.equal(cfg.source, 'mwan3');
    assert.equal(cfg.spoolDir, '/overlay/wanwatch');
    assert.equal(cfg.spoolMaxBytes, 1048576);
    assert.equal(cfg.mwan3Config, '/etc/config/mwan3');
    assert.throws(
      () => resolveRunConfig({ server: 'ftp://x', deviceId: 'ce 1', token: 'tok-flag-123' }),
      (e: Error) => {
        assert.match(e.message, /server \(--server, WANWATCH_SERVER, uci option server\)/);
        assert.match(e.message, /deviceId \(--device-id, WANWATCH_DEVICE_ID, uci option device_id\)/);
        return true;
      },
    );
    assert.throws(() => resolveRunConfig({}), /token \(--token, WANWATCH_TOKEN, uci option token\): is required/);
    assert.throws(() => settingsFromArgv(['--bogus', '1']), /unknown option --bogus/);
    assert.throws(
      () => resolveRunConfig(uci.settings, { sourceRules: 'maybe' }),
      /sourceRules \(--source-rules, WANWATCH_SOURCE_RULES, uci option source_rules\): must be 0 or 1/,
    );
    assert.equal(resolveRunConfig(uci.settings, { sourceRules: '1' }).sourceRules, true);
    assert.equal(cfg.sourceRules, false);
    assert.equal(settingsFromUci(`config reporter 'main'\n\toption enabled '0'\n`).enabled, false);
  });
});

let ing: TestIngest;
let server: http.Server;
const dir = mkdtempSync(join(tmpdir(), 'ww-run-'));
before(async () => {
  ing = await startTestIngest({ label: 'run' });
  server = http.createServer(ing.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await ing.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('startReporter against the real ingest', () => {
  it('streams samples, transitions and policy splits; reloads only changed links; stops with stop transitions and no policy', async (t) => {
    const DEVICE = 'ce-run-1';
    const token = await ing.addDevice(DEVICE);
    writeFileSync(join(dir, 'mwan3'), MWAN3_TEXT);
    const sw = switchableProber();
    const spooled: Spooled[] = [];
    // A failed assertion must not leave a reporter running (the test would hang until its timeout).
    const running = new Set<RunningReporter>();
    t.after(async () => {
      for (const r of running) await r.stop();
    });
    const stop = async (r: RunningReporter) => {
      running.delete(r);
      await r.stop();
    };
    const start = async () => {
      const r = await startReporter(
        {
          serverUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          deviceId: DEVICE,
          token,
          mwan3ConfigPath: join(dir, 'mwan3'),
          spoolDir: join(dir, 'spool'),
          policyIntervalMs: 700,
          uploader: { maxDelayMs: 100, backoffBaseMs: 100, backoffMaxMs: 500 },
        },
        {
          logger: silentLogger,
          prober: sw.prober,
          routes: () => [{ iface: 'lo', localAddress: '127.0.0.1', online: true }],
          onSpooled: (e) => spooled.push({ seq: e.seq, type: e.type, rec: JSON.parse(e.json) as SpooledRecord }),
        },
      );
      running.add(r);
      return r;
    };
    const rep = await start();
    await waitFor('both links online, confirmed', () => {
      const c = readStatusFile(join(dir, 'spool'))?.counters;
      return rep.stats().states.wan === 'online' && rep.stats().states.wanb === 'online' && (c?.recorded ?? 0) > 6;
    });
    // First policy snapshot only after both links have a state: it never says "no link carries traffic".
    const firstPolicy = spooled.findIndex((r) => r.type === 'policy');
    assert.deepEqual(lines(spooled.slice(0, firstPolicy), 'transition'), [
      'wan:unknown>online:start',
      'wanb:unknown>online:start',
    ]);
    assert.equal(lines([spooled[firstPolicy]!], 'policy')[0], 'balanced wan=50 wanb=50');

    sw.setDown('192.0.2.2', true);
    await waitFor('wanb offline', () => rep.stats().states.wanb === 'offline');
    const status = readStatusFile(join(dir, 'spool'));
    assert.equal(status?.ifaces.wanb?.state, 'offline');
    assert.equal(status?.pid, process.pid);
    assert.ok(status!.counters!.recorded >= status!.counters!.uploaded, JSON.stringify(status?.counters));
    assert.deepEqual(
      status?.policies[0]?.members.map((m) => [m.iface, m.sharePct]),
      [
        ['wan', 100],
        ['wanb', 0],
      ],
    );

    // Reload with nothing changed: the trackers keep their state, no transition at all.
    let mark = spooled.length;
    await rep.reload();
    assert.equal(rep.stats().states.wanb, 'offline', 'wanb keeps its tracker state across the reload');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(lines(spooled.slice(mark), 'transition'), []);

    // wanb's tracking changes and wanc is added: only they get config transitions.
    writeFileSync(
      join(dir, 'mwan3'),
      MWAN3_TEXT.replace(/(list track_ip '192.0.2.2'\n\toption interval ')1'/, (_m, head: string) => `${head}2'`) +
        WANC,
    );
    mark = spooled.length;
    await rep.reload();
    await waitFor('wanc tracked', () => rep.stats().states.wanc === 'online');
    assert.deepEqual(
      lines(spooled.slice(mark), 'transition').filter((l) => l.endsWith(':config')),
      ['wanb:offline>unknown:config', 'wanb:unknown>online:config', 'wanc:unknown>online:config'],
    );
    // wanc removed again (wanb's interval back too).
    writeFileSync(join(dir, 'mwan3'), MWAN3_TEXT);
    mark = spooled.length;
    await rep.reload();
    const removed = lines(spooled.slice(mark), 'transition').filter((l) => l.endsWith(':config'));
    assert.equal(removed.length, 3, removed.join(' '));
    assert.match(removed[0]!, /^wanb:(online|disconnecting|offline)>unknown:config$/);
    assert.deepEqual(removed.slice(1).sort(), ['wanb:unknown>online:config', 'wanc:online>unknown:config']);
    assert.equal(rep.stats().states.wanc, undefined);
    await waitFor('wanb offline again', () => rep.stats().states.wanb === 'offline');

    mark = spooled.length;
    await stop(rep);
    const stopped = spooled.slice(mark);
    assert.deepEqual(lines(stopped, 'transition').sort(), ['wan:online>unknown:stop', 'wanb:offline>unknown:stop']);
    assert.deepEqual(lines(stopped, 'policy'), [], 'a clean stop emits no policy snapshot');
    assert.ok(readStatusFile(join(dir, 'spool'))?.stoppedMs, 'the status file says the reporter stopped');
    // Every snapshot of the run had wan (always online) carrying traffic: none from a lifecycle ending.
    assert.ok(
      lines(spooled, 'policy').every((l) => !/wan=0\b/.test(l)),
      lines(spooled, 'policy').join(' | '),
    );

    // wanb healthy again before the next start: it opens from its carried state (offline), and once
    // the probes confirm it (up = 2 good rounds) one track transition tells the cloud it recovered.
    sw.setDown('192.0.2.2', false);
    mark = spooled.length;
    const rep2 = await start();
    await waitFor('wanb confirmed online after the restart', () =>
      lines(spooled.slice(mark), 'transition').includes('wanb:offline>online:track'),
    );
    const after = lines(spooled.slice(mark), 'transition');
    assert.deepEqual(after.slice(0, 2).sort(), ['wan:online>online:start', 'wanb:offline>online:start']);
    assert.equal(after.filter((l) => l === 'wanb:offline>online:track').length, 1);
    await stop(rep2);

    await ing.points.drain();
    const q = (s: string) => ing.influx.query<Record<string, unknown>>(s);
    const tr = await q(`SELECT * FROM forever.wan_transition WHERE device = '${DEVICE}'`);
    assert.equal(tr.length, spooled.filter((s) => s.type === 'transition').length, 'every transition arrived once');
    await assertStoredOnce(q, DEVICE, spooled);
    const pol = await q(`SELECT * FROM raw.wan_policy WHERE device = '${DEVICE}'`);
    assert.ok(pol.length >= 2, `policy snapshots: ${pol.length}`);
  });
});

describe('the shipped OpenWrt sample config', () => {
  it('parses, is disabled until configured, and names every setting the reporter knows', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(join(import.meta.dirname, '..', 'openwrt', 'wanwatch.config'), 'utf8');
    const u = settingsFromUci(text);
    assert.equal(u.enabled, false);
    const cfg = resolveRunConfig(u.settings);
    assert.equal(cfg.spoolDir, '/tmp/wanwatch');
    assert.equal(cfg.source, 'native');
    assert.equal(cfg.spoolMaxBytes, 4194304);
    assert.equal(cfg.sourceRules, true);
    assert.equal(cfg.uploadIntervalS, 5);
    assert.deepEqual(Object.keys(u.settings).sort(), Object.keys(SETTINGS).sort());
  });
});

describe('--source mwan3 (ubus call mwan3 status)', () => {
  it('turns each poll into samples and each state change into a transition with reason mwan3', async () => {
    const polls = [
      {
        interfaces: {
          wan: {
            status: 'online',
            enabled: true,
            up: true,
            score: 20,
            track_ip: [{ ip: '192.0.2.1', status: 'up', latency: 12, packetloss: 0 }],
          },
          lte: { status: 'online', enabled: false },
        },
      },
      {
        interfaces: {
          wan: {
            status: 'offline',
            enabled: true,
            up: true,
            score: 0,
            track_ip: [{ ip: '192.0.2.1', status: 'down' }],
          },
        },
      },
    ];
    let n = 0;
    const samples: Array<{ iface: string; state: string; rttAvgMs: number | null }> = [];
    const transitions: Array<{ iface: string; from: string; to: string; reason: string }> = [];
    const src = startMwan3Source({
      pollMs: 20,
      readStatus: async () => polls[Math.min(n++, polls.length - 1)],
      onSample: (r) => samples.push(r),
      onTransition: (r) => transitions.push(r),
      logger: silentLogger,
    });
    const end = Date.now() + 3000;
    while (transitions.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    await src.stop();
    assert.deepEqual(
      transitions.slice(0, 2).map((t) => `${t.iface}:${t.from}>${t.to}:${t.reason}`),
      ['wan:unknown>online:mwan3', 'wan:online>offline:mwan3'],
    );
    assert.deepEqual(samples[0], { ...samples[0], iface: 'wan', state: 'online', rttAvgMs: 12 });
    assert.ok(
      samples.every((x) => x.iface === 'wan'),
      'disabled interfaces are not reported',
    );
    assert.equal(src.states().wan, 'offline');
  });
});

describe('source rules (pure plan)', () => {
  it('maps each WAN with an address to pref 900+id and mwan3 table id (position among interface sections)', () => {
    const order = [
      { name: 'wan', family: 'ipv4' as const },
      { name: 'lte', family: 'ipv4' as const },
      { name: 'wan6', family: 'ipv6' as const },
    ];
    const rules = planSourceRules(order, [
      { iface: 'wan6', localAddress: '2001:db8::2', online: true },
      { iface: 'wan', localAddress: '192.0.2.2', online: true },
      { iface: 'lte', online: true },
      { iface: 'default', online: true },
    ]);
    assert.deepEqual(rules, [
      { pref: 903, from: '2001:db8::2', table: 3, family: 'ipv6' },
      { pref: 901, from: '192.0.2.2', table: 1, family: 'ipv4' },
    ]);
  });
});
