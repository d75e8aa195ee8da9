import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadExtraSettings } from '../backend-plugins.ts';

describe('backend settings beyond WANWATCH_* basics', () => {
  it('defaults: no alerting overrides, scheduled reports off (every scheduler removed)', () => {
    const x = loadExtraSettings({});
    assert.deepEqual(x.alerting, {});
    assert.ok(x.schedule && Object.values(x.schedule).every((e) => e === false));
  });
  it('reads the alerting tunables', () => {
    assert.deepEqual(
      loadExtraSettings({ WANWATCH_GROUP_WAIT_MS: '2500', WANWATCH_REMINDER_INTERVAL_MS: '0' }).alerting,
      {
        groupWaitMs: 2500,
        reminderIntervalMs: 0,
      },
    );
  });
  it('weekly turns on the weekly reports only', () => {
    const s = loadExtraSettings({ WANWATCH_REPORT_SCHEDULE: 'weekly' }).schedule!;
    assert.ok(s['device-weekly'] && s['fleet-weekly']);
    assert.equal(s['device-monthly'], false);
  });
  it('names the variable when a value is wrong', () => {
    assert.throws(() => loadExtraSettings({ WANWATCH_GROUP_WAIT_MS: 'soon' }), /WANWATCH_GROUP_WAIT_MS/);
    assert.throws(
      () => loadExtraSettings({ WANWATCH_REPORT_SCHEDULE: 'daily' }),
      /WANWATCH_REPORT_SCHEDULE: .*unknown word "daily"/,
    );
  });
});
