import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import request from 'supertest';
import { parseReceiverSetup } from '../receivers/routes-file.ts';
import { RECEIVERS_QUEUE, receiverJobId, type ReceiverJob } from '../receivers/delivery.ts';
import { createHttpTransport } from '../receivers/http-sender.ts';
import { bullConnection, sleep, startHarness, waitFor, type Harness } from './harness.ts';
import { job, pol, tr } from './fixtures.ts';

/** What the local receiver saw: every request, and the answer it gave (`hang` = none). */
interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answer: number | 'hang';
}

/**
 * A small HTTP receiver on loopback standing in for the services: records every request and
 * answers from a per-path script (then 200 for ever; 202 for PagerDuty and Teams as they do).
 */
function startReceiver() {
  const seen: Seen[] = [];
  const scripts = new Map<string, Array<number | 'hang'>>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      const answer = scripts.get(path)?.shift() ?? (/pd|teams/.test(path) ? 202 : 200);
      seen.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString(), answer });
      if (answer === 'hang') return; // the sender's timeout ends it
      res
        .writeHead(answer, { 'content-type': 'application/json' })
        .end(answer < 300 ? '{"ok":true}' : '{"error":"no"}');
    });
  });
  return {
    seen,
    script: (path: string, answers: Array<number | 'hang'>) => scripts.set(path, answers),
    at: (path: string) => seen.filter((s) => s.path === path),
    accepted: (path: string) => seen.filter((s) => s.path === path && typeof s.answer === 'number' && s.answer < 300),
    async listen() {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const now = () => Date.now();
const SECRET = 'webhook-secret-0123456789';
let rx: ReturnType<typeof startReceiver>;
let base: string;
const harnesses: Harness[] = [];

before(async () => {
  rx = startReceiver();
  base = await rx.listen();
});
after(async () => {
  for (const h of harnesses) await h.close().catch(() => undefined);
  await rx.close();
});

async function harness(label: string, receivers: unknown[], routing: object = {}) {
  const setup = parseReceiverSetup({ receivers, ...routing });
  const h = await startHarness(label, {
    options: { retryCoverageMs: 20_000 },
    receivers: { setup: () => setup, transport: createHttpTransport({ timeoutMs: 400 }) },
  });
  harnesses.push(h);
  return h;
}

async function linkDown(h: Harness, id: string, site = 'Berlin') {
  await h.addDevice(id, { site });
  await h.post(
    job(id, [
      tr(1, 'eth0', 'unknown', 'online', now() - 5000),
      tr(2, 'eth1', 'unknown', 'online', now() - 5000),
      pol(3, ['eth0', 'eth1'], now() - 5000),
    ]),
  );
  await h.post(job(id, [tr(10, 'eth1', 'online', 'offline', now()), pol(11, ['eth0'], now())]));
}

const linkUp = (h: Harness, id: string) =>
  h.post(job(id, [tr(20, 'eth1', 'offline', 'online', now()), pol(21, ['eth0', 'eth1'], now())]));

const json = (s: Seen) => JSON.parse(s.body) as Record<string, unknown> & { event_action?: string; dedup_key?: string };

describe('receivers against a local HTTP receiver (real BullMQ, Redis, InfluxDB)', () => {
  it('link down + failover, then up: each receiver told twice; PagerDuty one trigger, one resolve', async () => {
    const h = await harness('rx_happy', [
      { type: 'webhook', name: 'hook', url: `${base}/a/hook`, secret: SECRET },
      { type: 'slack', name: 'slack', url: `${base}/a/slack` },
      { type: 'teams', name: 'teams', url: `${base}/a/teams` },
      { type: 'telegram', name: 'tg', botToken: '42:TOKEN', chatId: 7, apiUrl: `${base}/a/tg` },
      { type: 'pagerduty', name: 'pd', routingKey: 'RKEY', url: `${base}/a/pd` },
    ]);
    await linkDown(h, 'a1');
    await waitFor(
      'the DOWN at every receiver',
      async () => rx.seen.filter((s) => s.path.startsWith('/a/')).length >= 5,
    );
    await linkUp(h, 'a1');
    await waitFor('the UP at every receiver', async () => rx.seen.filter((s) => s.path.startsWith('/a/')).length >= 10);
    await sleep(1000); // nothing more may come
    for (const p of ['/a/hook', '/a/slack', '/a/teams', '/a/tg/bot42:TOKEN/sendMessage'])
      assert.equal(rx.at(p).length, 2, p);
    const pd = rx.at('/a/pd').map(json);
    assert.deepEqual(
      pd.map((b) => [b.event_action, b.dedup_key]),
      [
        ['trigger', 'a1/link/eth1'],
        ['resolve', 'a1/link/eth1'],
      ],
    );
    for (const s of rx.at('/a/hook')) {
      const ts = Number(s.headers['x-wanwatch-timestamp']);
      assert.ok(Math.abs(ts - now() / 1000) < 120, 'timestamp is now');
      const mac = createHmac('sha256', SECRET).update(`${ts}.${s.body}`).digest('hex');
      assert.equal(s.headers['x-wanwatch-signature'], `sha256=${mac}`);
      const b = json(s) as { device: { id: string }; events: unknown[]; links: { dashboard: string } };
      assert.equal(b.device.id, 'a1');
      assert.ok(b.events.length >= 1);
      assert.equal(b.links.dashboard, 'http://grafana.test/d/wanwatch-a1');
    }
    assert.match(String(json(rx.at('/a/slack')[0]!).text), /eth1/);
    const sent = await request(h.api).get('/api/v1/notifications?status=sent&deviceId=a1').expect(200);
    const recipients = sent.body.notifications.flatMap((n: { recipients: string[] }) => n.recipients);
    assert.ok(recipients.includes('webhook:hook') && recipients.includes('pagerduty:pd'));
    assert.ok(!JSON.stringify(sent.body).includes(base), 'no receiver URL in the answer');
    assert.ok(!JSON.stringify(sent.body).includes('TOKEN'), 'no bot token in the answer');
  });

  it('500, 429 and a hang are retried and delivered once; a 400 fails at once, visible, not retried; a replay sends nothing', async () => {
    rx.script('/b/flaky', [500, 503]);
    rx.script('/b/limited', [429]);
    rx.script('/b/slow', ['hang']);
    rx.script('/b/bad', [400, 400, 400]);
    const h = await harness('rx_faults', [
      { type: 'webhook', name: 'flaky', url: `${base}/b/flaky`, secret: SECRET },
      { type: 'slack', name: 'limited', url: `${base}/b/limited` },
      { type: 'teams', name: 'slow', url: `${base}/b/slow` },
      { type: 'slack', name: 'bad', url: `${base}/b/bad` },
    ]);
    await linkDown(h, 'b1');
    for (const p of ['/b/flaky', '/b/limited', '/b/slow'])
      await waitFor(`${p} delivered`, async () => rx.accepted(p).length >= 1, 20_000);
    const failed = await waitFor('the 400 recorded failed', async () => {
      const r = await request(h.api).get('/api/v1/notifications?status=failed&deviceId=b1');
      return r.body.notifications.length >= 1 && r.body.notifications;
    });
    assert.deepEqual(failed[0].recipients, ['slack:bad']);
    assert.equal(failed[0].attempt, 1);
    assert.match(failed[0].error, /^HTTP 400/);
    assert.ok(!failed[0].error.includes(base));
    await sleep(1500);
    assert.equal(rx.at('/b/bad').length, 1, 'a 400 is not retried');
    assert.equal(rx.at('/b/flaky').length, 3);
    assert.equal(rx.accepted('/b/flaky').length, 1);
    assert.equal(rx.accepted('/b/limited').length, 1);
    assert.equal(rx.accepted('/b/slow').length, 1);
    const retrying = await request(h.api).get('/api/v1/notifications?status=retrying&deviceId=b1').expect(200);
    assert.ok(retrying.body.notifications.length >= 4);

    // A replay of the delivered job (its worker died after the POST, say) re-sends nothing.
    const q = new Queue<ReceiverJob>(RECEIVERS_QUEUE, { connection: bullConnection(h.redisUrl), prefix: h.keys.bull });
    try {
      const done = (await q.getCompleted()).find((j) => j.data.receiver === 'flaky')!;
      assert.equal(done.id, receiverJobId('b1', done.data.message.notificationId, 'flaky'));
      const idempotencyKey = rx.accepted('/b/flaky')[0]!.headers['idempotency-key'];
      assert.equal(idempotencyKey, done.id);
      await done.remove();
      const again = await q.add('send', done.data, { jobId: done.id! });
      await waitFor('the replayed job to complete', async () => (await again.getState()) === 'completed');
      assert.equal(rx.at('/b/flaky').length, 3, 'no second delivery');
    } finally {
      await q.close();
    }
  });

  it('routes by site, with a default route; per-device emails keep working', async () => {
    const h = await harness(
      'rx_routes',
      [
        { type: 'slack', name: 'berlin', url: `${base}/c/berlin` },
        { type: 'slack', name: 'rest', url: `${base}/c/rest` },
      ],
      {
        routes: [{ name: 'berlin noc', sites: ['Berlin'], kinds: ['link_down'], receivers: ['berlin'] }],
        default: ['rest'],
      },
    );
    await linkDown(h, 'c1', 'Berlin');
    await linkDown(h, 'c2', 'Paris');
    await waitFor('both routed', async () => rx.at('/c/berlin').length >= 1 && rx.at('/c/rest').length >= 1);
    await sleep(1000);
    assert.equal(rx.at('/c/berlin').length, 1);
    assert.match(json(rx.at('/c/berlin')[0]!).text as string, /Router c1/);
    assert.equal(rx.at('/c/rest').length, 1);
    assert.match(json(rx.at('/c/rest')[0]!).text as string, /Router c2/);
    const mails = await waitFor('both emails', async () => {
      const p = await h.parsed();
      return p.length >= 2 && p;
    });
    assert.ok(mails.some((m) => JSON.stringify(m.to).includes('owner-c1@test.local')));
  });

  it('the API: receivers and routes validated with the bad field named, secrets redacted, used at once', async () => {
    const h = await startHarness('rx_api', { options: { retryCoverageMs: 20_000 } });
    harnesses.push(h);
    const api = request(h.api);
    assert.deepEqual((await api.get('/api/v1/receivers').expect(200)).body, { source: 'api', receivers: [] });
    const bad = await api
      .put('/api/v1/receivers')
      .send({ receivers: [{ type: 'slack', name: 'chat', url: 'nope' }] })
      .expect(422);
    assert.equal(bad.type, 'application/problem+json');
    assert.equal(bad.body.code, 'validation_failed');
    assert.equal(bad.body.errors[0].path, 'receivers[0].url');
    const put = await api
      .put('/api/v1/receivers')
      .send({ receivers: [{ type: 'slack', name: 'chat', url: `${base}/d/chat` }] })
      .expect(200);
    assert.deepEqual(put.body.receivers, [{ type: 'slack', name: 'chat', url: '[redacted]' }]);
    assert.ok(!JSON.stringify((await api.get('/api/v1/receivers').expect(200)).body).includes(base));
    const badRoute = await api
      .put('/api/v1/routes')
      .send({ routes: [{ name: 'x', receivers: ['nobody'] }] })
      .expect(422);
    assert.equal(badRoute.body.errors[0].path, 'routes[0].receivers[0]');
    const time = { timeZone: 'Europe/Berlin', from: '00:00', to: '00:00' };
    await api
      .put('/api/v1/routes')
      .send({ routes: [{ name: 'all day', kinds: ['link_down'], time, receivers: ['chat'] }], default: [] })
      .expect(200);
    const routes = (await api.get('/api/v1/routes').expect(200)).body;
    assert.deepEqual(routes.routes[0].time, time);
    assert.deepEqual(routes.default, []);
    await linkDown(h, 'd1');
    await waitFor('the API-configured receiver told', async () => rx.accepted('/d/chat').length >= 1);
  });

  it('with a routes file the API only reads', async () => {
    const h = harnesses.find((x) => x.prefix.includes('rx_routes'))!;
    const r = await request(h.api).put('/api/v1/routes').send({ routes: [] }).expect(403);
    assert.equal(r.body.code, 'forbidden');
    assert.equal((await request(h.api).get('/api/v1/receivers').expect(200)).body.source, 'file');
  });
});
