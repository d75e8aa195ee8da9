/** Unit tests of the pure parts of alerting's fault handling (no services). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutageError, classifyInfluxError, classifyRedisError, isOutage } from '../adapters/outage.ts';
import { LockTimeoutError } from '../adapters/store.ts';
import { MailError } from '../../backend/mail.ts';
import { decideStrandedInbox, type EventsJobState } from '../core/stranded-inbox.ts';
import { decideStuckGroup, flushTarget, type FlushJobState } from '../core/stuck-group.ts';
import { outageDelayMs } from '../step-runner.ts';

describe('stuck group watchdog decision', () => {
  const due = { flushAtMs: 1000 };
  const cases: Array<[FlushJobState, number, 'flush' | 'none']> = [
    ['unknown', 1000, 'flush'],
    ['failed', 5000, 'flush'],
    ['completed', 1000, 'flush'],
    ['delayed', 5000, 'none'],
    ['waiting', 5000, 'none'],
    ['active', 5000, 'none'],
    ['prioritized', 5000, 'none'],
    ['unknown', 999, 'none'],
  ];
  for (const [job, nowMs, want] of cases) {
    it(`flush job ${job}, now ${nowMs} (due 1000) -> ${want}`, () => {
      assert.equal(decideStuckGroup(due, job, nowMs), want);
    });
  }
  it('no group -> none', () => assert.equal(decideStuckGroup(null, 'unknown', 5000), 'none'));
});

describe('flush target of the watchdog', () => {
  const group = { id: 'g2', flushAtMs: 2000 };
  const outbox = { groupId: 'g1', flushAtMs: 1000 };
  it('an outbox goes first, then the pending group, else nothing', () => {
    assert.deepEqual(flushTarget({ outbox, group }), { id: 'g1', flushAtMs: 1000 });
    assert.deepEqual(flushTarget({ outbox: null, group }), { id: 'g2', flushAtMs: 2000 });
    assert.equal(flushTarget({ outbox: null, group: null }), null);
  });
});

describe('stranded inbox watchdog decision', () => {
  const cases: Array<[number, EventsJobState[], 'forget' | 'wait' | 'drain']> = [
    [0, [], 'forget'],
    [0, ['failed'], 'forget'],
    [0, ['active'], 'forget'],
    [1, [], 'drain'],
    [1, ['failed'], 'drain'],
    [1, ['completed'], 'drain'],
    [1, ['unknown'], 'drain'],
    [3, ['failed', 'completed', 'unknown'], 'drain'],
    [1, ['active'], 'wait'],
    [1, ['waiting'], 'wait'],
    [1, ['delayed'], 'wait'],
    [1, ['prioritized'], 'wait'],
    [1, ['waiting-children'], 'wait'],
    [2, ['failed', 'delayed'], 'wait'],
  ];
  for (const [records, states, want] of cases) {
    it(`${records} records, jobs [${states.join(', ')}] -> ${want}`, () =>
      assert.equal(decideStrandedInbox(records, states), want));
  }
});

describe('outage backoff', () => {
  it('doubles from the base and stays at the cap, however long the outage', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 50, 10_000].map((n) => outageDelayMs(n, 100, 1000)),
      [100, 200, 400, 800, 1000, 1000, 1000, 1000],
    );
  });
});

describe('error classification', () => {
  it('InfluxDB: refused / 5xx / timeout are outages; a 4xx answer is not', () => {
    assert.ok(
      classifyInfluxError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) instanceof
        OutageError,
    );
    class ServiceNotAvailableError extends Error {}
    assert.ok(classifyInfluxError(new ServiceNotAvailableError('No host available')) instanceof OutageError);
    class RequestError extends Error {}
    const bad = new RequestError('A 400 Bad Request error occurred: field type conflict');
    assert.equal(classifyInfluxError(bad), bad);
  });
  it('Redis: connection loss and LOADING are outages; WRONGTYPE and bugs are not', () => {
    assert.ok(isOutage(new Error('Connection is closed.')));
    assert.ok(isOutage(Object.assign(new Error('LOADING Redis is loading'), { name: 'ReplyError' })));
    assert.ok(!isOutage(Object.assign(new Error('WRONGTYPE Operation'), { name: 'ReplyError' })));
    assert.ok(!isOutage(new TypeError('x is not iterable')));
    assert.ok(isOutage(new LockTimeoutError('device d: alert lock busy')));
    assert.ok(classifyRedisError(Object.assign(new Error('x'), { code: 'ECONNRESET' })) instanceof OutageError);
  });
  it('SMTP errors follow the delivery plan, never the outage rule', () => {
    assert.ok(!isOutage(new MailError('connect ECONNREFUSED', true, null, 'ECONNREFUSED')));
  });
});
