import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReportAck } from '../../contract/index.ts';
import type { TransportOutcome } from './http-transport.ts';
import { raceRoutes, type RouteAttempt } from './route-race.ts';
import type { UploadRoute } from './routes.ts';

const RACE_MS = 150;
const routes: UploadRoute[] = [
  { iface: 'wan', localAddress: '10.0.0.2', online: true },
  { iface: 'wanb', localAddress: '10.1.0.2', online: true },
  { iface: 'wanc', localAddress: '10.2.0.2', online: true },
];
const ack: TransportOutcome = {
  kind: 'ack',
  ack: { v: 1, bootId: 'boot-aaaaaaaa', ackSeq: 1, accepted: 1, duplicateTransitions: 0 } satisfies ReportAck,
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What each WAN does, as a script: `silent` never connects (a dead upstream) until aborted; `connect`
 * connects after `connectMs`, then gives `answer` after `answerMs`; `fail` errors after `failMs`.
 */
type Script =
  | { do: 'silent' }
  | { do: 'connect'; connectMs: number; answerMs: number; answer: TransportOutcome }
  | { do: 'fail'; failMs: number };

/** A fake attempt (our own RouteAttempt) that plays the script and records when each WAN started and how it ended. */
function scripted(scripts: Record<string, Script>) {
  const t0 = Date.now();
  const log: Array<{ iface: string; startedMs: number; endedMs?: number; end?: string }> = [];
  const attempt: RouteAttempt = (route, { signal, onConnected }) => {
    const entry: (typeof log)[number] = { iface: route.iface, startedMs: Date.now() - t0 };
    log.push(entry);
    const s = scripts[route.iface]!;
    return new Promise<TransportOutcome>((resolve) => {
      const timers: NodeJS.Timeout[] = [];
      const end = (out: TransportOutcome, how: string) => {
        if (entry.end) return;
        timers.forEach(clearTimeout);
        entry.endedMs = Date.now() - t0;
        entry.end = how;
        resolve(out);
      };
      signal.addEventListener('abort', () =>
        end(
          { kind: 'network', error: String((signal.reason as Error).message) },
          `aborted: ${(signal.reason as Error).message}`,
        ),
      );
      if (s.do === 'fail')
        timers.push(setTimeout(() => end({ kind: 'network', error: 'ECONNREFUSED' }, 'failed'), s.failMs));
      if (s.do === 'connect')
        timers.push(
          setTimeout(() => {
            onConnected();
            timers.push(setTimeout(() => end(s.answer, 'answered'), s.answerMs));
          }, s.connectMs),
        );
    });
  };
  return { attempt, log, byIface: (i: string) => log.find((e) => e.iface === i) };
}

describe('raceRoutes (an upload races a silent WAN)', () => {
  it('a WAN that stays silent is raced by the next after connectRaceMs; the winner abandons it, not marking it failed', async () => {
    const f = scripted({
      wan: { do: 'silent' },
      wanb: { do: 'connect', connectMs: 5, answerMs: 5, answer: ack },
      wanc: { do: 'connect', connectMs: 5, answerMs: 5, answer: ack },
    });
    const live = new Map<string, AbortController>();
    const r = await raceRoutes(routes, f.attempt, RACE_MS, live);
    assert.equal(r.route?.iface, 'wanb');
    assert.deepEqual(r.outcome, ack);
    assert.deepEqual(r.failed, [], 'a WAN abandoned for a faster one did not fail');
    const wanb = f.byIface('wanb')!;
    assert.ok(
      wanb.startedMs >= RACE_MS - 5 && wanb.startedMs < RACE_MS + 2_000,
      `wanb started at ${wanb.startedMs} ms`,
    );
    assert.equal(f.byIface('wan')!.end, 'aborted: wanb connected first');
    assert.equal(f.byIface('wanc'), undefined, 'no third attempt once one connected');
    assert.equal(live.size, 0, 'nothing left running');
  });

  it('a WAN that connected is never raced, however slow its answer', async () => {
    const f = scripted({
      wan: { do: 'connect', connectMs: 5, answerMs: RACE_MS * 4, answer: ack },
      wanb: { do: 'connect', connectMs: 5, answerMs: 5, answer: ack },
      wanc: { do: 'silent' },
    });
    const r = await raceRoutes(routes, f.attempt, RACE_MS, new Map());
    assert.equal(r.route?.iface, 'wan');
    assert.deepEqual(
      f.log.map((e) => e.iface),
      ['wan'],
    );
  });

  it('a network failure starts the next WAN at once and is reported as failed', async () => {
    const f = scripted({
      wan: { do: 'fail', failMs: 10 },
      wanb: { do: 'connect', connectMs: 5, answerMs: 5, answer: ack },
      wanc: { do: 'silent' },
    });
    const r = await raceRoutes(routes, f.attempt, RACE_MS * 20, new Map());
    assert.equal(r.route?.iface, 'wanb');
    assert.ok(f.byIface('wanb')!.startedMs < RACE_MS * 10, `wanb started at ${f.byIface('wanb')!.startedMs} ms`);
    assert.deepEqual(
      r.failed.map((x) => [x.route.iface, x.error]),
      [['wan', 'ECONNREFUSED']],
    );
  });

  it('every WAN failing gives the last network failure, each one listed', async () => {
    const f = scripted({
      wan: { do: 'fail', failMs: 5 },
      wanb: { do: 'fail', failMs: 5 },
      wanc: { do: 'fail', failMs: 5 },
    });
    const r = await raceRoutes(routes, f.attempt, RACE_MS, new Map());
    assert.equal(r.route?.iface, 'wanc');
    assert.equal(r.outcome.kind, 'network');
    assert.deepEqual(
      r.failed.map((x) => x.route.iface),
      ['wan', 'wanb', 'wanc'],
    );
  });

  it('the server answering with an error is the result: no other WAN is tried', async () => {
    const busy: TransportOutcome = { kind: 'server', status: 503, code: 'influx_unavailable' };
    const f = scripted({
      wan: { do: 'connect', connectMs: 5, answerMs: 5, answer: busy },
      wanb: { do: 'connect', connectMs: 5, answerMs: 5, answer: ack },
      wanc: { do: 'silent' },
    });
    const r = await raceRoutes(routes, f.attempt, RACE_MS, new Map());
    assert.deepEqual([r.route?.iface, r.outcome, r.failed], ['wan', busy, []]);
    assert.equal(f.log.length, 1);
  });

  it('the connected WAN dying mid-answer lets the race go on with the WANs not yet tried', async () => {
    const f = scripted({
      wan: { do: 'silent' },
      wanb: { do: 'connect', connectMs: 5, answerMs: 20, answer: { kind: 'network', error: 'socket hang up' } },
      wanc: { do: 'connect', connectMs: 5, answerMs: 5, answer: ack },
    });
    const r = await raceRoutes(routes, f.attempt, RACE_MS, new Map());
    assert.equal(r.route?.iface, 'wanc');
    assert.deepEqual(
      r.failed.map((x) => x.route.iface),
      ['wanb'],
      'wan was abandoned (not failed), wanb failed',
    );
  });

  it('aborting a WAN through `live` (the tracker saw it fail) counts as a failure and starts the next at once', async () => {
    const f = scripted({
      wan: { do: 'silent' },
      wanb: { do: 'connect', connectMs: 5, answerMs: 5, answer: ack },
      wanc: { do: 'silent' },
    });
    const live = new Map<string, AbortController>();
    const pending = raceRoutes(routes, f.attempt, RACE_MS * 20, live);
    await sleep(20);
    live.get('wan')!.abort(new Error('wan failed a probe round'));
    const r = await pending;
    assert.equal(r.route?.iface, 'wanb');
    assert.ok(f.byIface('wanb')!.startedMs < RACE_MS * 10, `wanb started at ${f.byIface('wanb')!.startedMs} ms`);
    assert.deepEqual(r.failed, [{ route: routes[0], error: 'wan failed a probe round' }]);
  });

  it('connectRaceMs 0: one WAN after the other, a silent one is waited for', async () => {
    const f = scripted({
      wan: { do: 'silent' },
      wanb: { do: 'connect', connectMs: 5, answerMs: 5, answer: ack },
      wanc: { do: 'silent' },
    });
    const live = new Map<string, AbortController>();
    const pending = raceRoutes(routes, f.attempt, 0, live);
    await sleep(RACE_MS * 2);
    assert.deepEqual(
      f.log.map((e) => e.iface),
      ['wan'],
    );
    live.get('wan')!.abort(new Error('connect timeout'));
    assert.equal((await pending).route?.iface, 'wanb');
  });

  it('no route at all: a network outcome through `none`', async () => {
    const r = await raceRoutes([], scripted({}).attempt, RACE_MS, new Map());
    assert.deepEqual(r, { outcome: { kind: 'network', error: 'no route with a source address' }, failed: [] });
  });
});
