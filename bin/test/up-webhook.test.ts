import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseReceivers } from '../../alerting/receivers/config.ts';
import { DEMO_WEBHOOK, webhookCurlLines, webhookUrlProblem } from '../commands/up-webhook.ts';

describe('wanwatch up: the webhook receiver lines', () => {
  it('are two curl PUTs whose bodies the receivers API accepts', () => {
    const lines = webhookCurlLines(
      'http://127.0.0.1:8080',
      'tok',
      'http://127.0.0.1:9000/hook',
      'a-secret-of-16-chars',
    );
    assert.equal(lines.length, 2);
    const bodies = lines.map((l) => JSON.parse(/-d '(.*)'$/.exec(l)![1]!) as Record<string, unknown>);
    assert.match(
      lines[0]!,
      /^curl -X PUT -H "Authorization: Bearer tok" .* http:\/\/127\.0\.0\.1:8080\/api\/v1\/receivers /,
    );
    assert.deepEqual(
      parseReceivers(bodies[0]!.receivers).map((r) => [r.type, r.name]),
      [['webhook', DEMO_WEBHOOK]],
    );
    assert.match(lines[1]!, /\/api\/v1\/routes -d '\{"routes":\[\],"default":\["demo-webhook"\]\}'$/);
  });
  it('--webhook takes http(s) URLs only', () => {
    assert.equal(webhookUrlProblem('https://hooks.example.test/x'), undefined);
    assert.match(webhookUrlProblem('ftp://x')!, /http\(s\)/);
    assert.match(webhookUrlProblem('not a url')!, /http\(s\)/);
  });
});
