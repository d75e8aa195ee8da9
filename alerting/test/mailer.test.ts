import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { classifyMailError, createMailer } from '../../backend/mail.ts';

describe('mailer adapter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ww-outbox-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('without SMTP writes one .eml per Message-ID (a retry rewrites it), with text and HTML parts', async () => {
    const m = createMailer({ outboxDir: dir, from: 'wanwatch@test.local' });
    const msg = {
      to: ['a@test.local', 'b@test.local'],
      subject: 'eth1 DOWN',
      text: 'plain',
      html: '<p>html</p>',
      messageId: '<x1@wanwatch.local>',
    };
    await m.send(msg);
    await m.send(msg);
    m.close();
    const files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
    assert.deepEqual(files, ['_x1_wanwatch.local_.eml']);
    const parsed = await simpleParser(readFileSync(join(dir, files[0]!)));
    assert.equal(parsed.subject, 'eth1 DOWN');
    assert.equal(parsed.messageId, '<x1@wanwatch.local>');
    assert.equal(parsed.text?.trim(), 'plain');
    assert.equal(parsed.html, '<p>html</p>');
  });

  it('classifies errors once: 5xx permanent, 4xx and connection errors transient', () => {
    const cases: Array<[object, boolean]> = [
      [{ responseCode: 550, message: 'no' }, false],
      [{ responseCode: 554, code: 'EENVELOPE' }, false],
      [{ responseCode: 451, message: 'later' }, true],
      [{ responseCode: 421 }, true],
      [{ code: 'ECONNECTION' }, true],
      [{ code: 'ETIMEDOUT' }, true],
      [{ code: 'EMESSAGE' }, false],
      [new Error('weird'), true],
    ];
    for (const [err, transient] of cases)
      assert.equal(classifyMailError(err).transient, transient, JSON.stringify(err));
  });
});
