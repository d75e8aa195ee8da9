import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  reportV1Schema,
  findFutureRecord,
  findExpiredRecord,
  issuesToErrors,
  multiWanV2Schema,
  encodeTagValue,
  decodeTagValue,
  type ReportV1,
} from '../index.ts';
import { transitionTimestampNs, parseInfluxUrl, redactUrl } from '../../store/index.ts';

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);

function validReport(): ReportV1 {
  return {
    v: 1,
    deviceId: 'ce-0001',
    bootId: 'b00tb00t-0001',
    sentAtMs: T0 + 5_000,
    reportIntervalMs: 5_000,
    records: [
      {
        type: 'sample',
        seq: 41,
        timeMs: T0,
        iface: 'eth1',
        device: 'eth1',
        state: 'online',
        score: 4,
        roundOk: true,
        degraded: false,
        rttAvgMs: 14.04,
        rttMinMs: 12.83,
        rttMaxMs: 14.98,
        lossPct: 0,
        jitterMs: 0.9,
        targets: [
          {
            target: '192.0.2.1',
            status: 'up',
            sent: 1,
            received: 1,
            rttAvgMs: 14.04,
            rttMinMs: 14.04,
            rttMaxMs: 14.04,
            lossPct: 0,
            jitterMs: null,
          },
          {
            target: '192.0.2.2',
            status: 'skipped',
            sent: 0,
            received: 0,
            rttAvgMs: null,
            rttMinMs: null,
            rttMaxMs: null,
            lossPct: null,
            jitterMs: null,
          },
        ],
      },
      {
        type: 'transition',
        seq: 42,
        timeMs: T0 + 1,
        iface: 'eth1',
        from: 'online',
        to: 'offline',
        score: 0,
        reason: 'track',
      },
      {
        type: 'policy',
        seq: 43,
        timeMs: T0 + 2,
        policies: [
          {
            policy: 'FAIL_OVER',
            family: 'ipv4',
            lastResort: 'unreachable',
            lastResortActive: false,
            members: [
              { iface: 'eth0', sharePct: 100, metric: 2, weight: 1 },
              { iface: 'eth1', sharePct: 0, metric: 1, weight: 1 },
            ],
          },
        ],
      },
    ],
  };
}

function errorsOf(input: unknown) {
  const r = reportV1Schema.safeParse(input);
  assert.equal(r.success, false, 'expected the schema to reject the input');
  return issuesToErrors(r.error!.issues);
}

describe('report v1 schema', () => {
  it('round-trips a valid report unchanged through JSON', () => {
    const report = validReport();
    const parsed = reportV1Schema.parse(JSON.parse(JSON.stringify(report)));
    assert.deepEqual(parsed, report);
  });

  // Mutations reach into a deliberately loose copy of the report.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Loose = any;
  const cases: Array<[string, (r: Loose) => void, string]> = [
    ['wrong version', (r) => (r.v = 2), 'v'],
    ['state not an mwan3 state', (r) => (r.records[0].state = 'up'), 'records.0.state'],
    ['timestamp in seconds', (r) => (r.records[0].timeMs = Math.floor(T0 / 1000)), 'records.0.timeMs'],
    ['negative loss', (r) => (r.records[0].lossPct = -1), 'records.0.lossPct'],
    ['loss over 100', (r) => (r.records[0].targets[0].lossPct = 101), 'records.0.targets.0.lossPct'],
    ['latency as a string', (r) => (r.records[0].rttAvgMs = '14'), 'records.0.rttAvgMs'],
    ['fractional seq', (r) => (r.records[1].seq = 1.5), 'records.1.seq'],
    ['unknown field', (r) => (r.records[0].color = 'red'), 'records.0'],
    ['unknown record type', (r) => (r.records[2].type = 'policies'), 'records.2.type'],
    ['empty interface name', (r) => (r.records[1].iface = ''), 'records.1.iface'],
    [
      'share over 100',
      (r) => (r.records[2].policies[0].members[0].sharePct = 101),
      'records.2.policies.0.members.0.sharePct',
    ],
    [
      'metric over 256',
      (r) => (r.records[2].policies[0].members[0].metric = 257),
      'records.2.policies.0.members.0.metric',
    ],
    ['duplicate seq', (r) => (r.records[1].seq = 41), 'records.1.seq'],
    ['device id with a space', (r) => (r.deviceId = 'ce 1'), 'deviceId'],
    ['no records', (r) => (r.records = []), 'records'],
    ['interface name with a lone surrogate', (r) => (r.records[1].iface = 'wan\ud800'), 'records.1.iface'],
    [
      'target name with a lone low surrogate',
      (r) => (r.records[0].targets[0].target = '\udc00x'),
      'records.0.targets.0.target',
    ],
    ['policy name with a newline', (r) => (r.records[2].policies[0].policy = 'a\nb'), 'records.2.policies.0.policy'],
    [
      'member name with a C1 control',
      (r) => (r.records[2].policies[0].members[0].iface = 'x\u0085'),
      'records.2.policies.0.members.0.iface',
    ],
    ['linux device with DEL', (r) => (r.records[0].device = 'eth\u007f'), 'records.0.device'],
    ['interface name over 128 characters', (r) => (r.records[1].iface = 'w'.repeat(129)), 'records.1.iface'],
    ['latency of 1e21 ms', (r) => (r.records[0].rttAvgMs = 1e21), 'records.0.rttAvgMs'],
    [
      'target jitter over an hour',
      (r) => (r.records[0].targets[0].jitterMs = 3_600_001),
      'records.0.targets.0.jitterMs',
    ],
    ['score of 1e300', (r) => (r.records[0].score = 1e300), 'records.0.score'],
    ['probes sent over a million', (r) => (r.records[0].targets[0].sent = 1_000_001), 'records.0.targets.0.sent'],
  ];
  for (const [name, mutate, path] of cases) {
    it(`rejects ${name} and names ${path}`, () => {
      const r = validReport() as Loose;
      mutate(r);
      const errors = errorsOf(r);
      assert.ok(
        errors.some((e) => e.path === path),
        `expected an error at ${path}, got ${JSON.stringify(errors)}`,
      );
    });
  }

  it('accepts printable odd characters in names (they are escaped for InfluxDB, not refused)', () => {
    const r = validReport();
    for (const odd of ['wan 1,a=b"c\\d é中', '50% \\', 'wan-😀', '__proto__', 'constructor', 'w'.repeat(128)]) {
      (r.records[1] as { iface: string }).iface = odd;
      assert.equal((reportV1Schema.parse(r).records[1] as { iface: string }).iface, odd);
    }
  });

  it('finds sample and policy records older than the raw retention, never transitions', () => {
    const r = validReport();
    const day = 86_400_000;
    assert.equal(findExpiredRecord(r, T0 + 29 * day, 30 * day), undefined);
    // Within the last hour of the retention: InfluxDB's clock may already be past it.
    assert.deepEqual(findExpiredRecord(r, T0 + 30 * day - 30 * 60_000, 30 * day), { index: 0, timeMs: T0 });
    const onlyTransition = { ...r, records: r.records.filter((x) => x.type === 'transition') };
    assert.ok(onlyTransition.records.length > 0);
    assert.equal(findExpiredRecord(onlyTransition, T0 + 365 * day, 30 * day), undefined);
    assert.equal(findExpiredRecord(r, T0 + 365 * day, Number.POSITIVE_INFINITY), undefined);
  });

  it('finds records stamped too far in the future against the receiver clock', () => {
    const r = validReport();
    assert.equal(findFutureRecord(r, T0), undefined);
    r.records[2]!.timeMs = T0 + 10 * 60_000;
    assert.deepEqual(findFutureRecord(r, T0), { index: 2, timeMs: T0 + 10 * 60_000 });
  });
});

describe('multiWanV2 schema', () => {
  it('accepts the seed device settings', () => {
    const seed = JSON.parse(
      readFileSync(new URL('../../fixtures/seed/last_config_response.json', import.meta.url), 'utf8'),
    );
    const mw = multiWanV2Schema.parse(seed.multiWanV2);
    assert.equal(mw.mode, 'LOAD_BALANCE');
    assert.deepEqual(Object.keys(mw.wanInterfacesConfig).sort(), ['eth0', 'eth1', 'pppoe0', 'wlm0']);
  });
  it('names the bad field for a metric out of range', () => {
    const seed = JSON.parse(
      readFileSync(new URL('../../fixtures/seed/last_config_response.json', import.meta.url), 'utf8'),
    );
    seed.multiWanV2.wanInterfacesConfig.eth0.multiWANMetric = 300;
    const r = multiWanV2Schema.safeParse(seed.multiWanV2);
    assert.equal(r.success, false);
    assert.deepEqual(
      issuesToErrors(r.error!.issues).map((e) => e.path),
      ['wanInterfacesConfig.eth0.multiWANMetric'],
    );
  });
});

describe('tag encoding', () => {
  const table: Array<[string, string]> = [
    ['eth0', 'eth0'],
    ['wan 1,a=b"', 'wan 1,a=b"'],
    ['a\\b', 'a%5Cb'],
    ['trailing\\', 'trailing%5C'],
    ['x\ny', 'x%0Ay'],
    ['50%', '50%25'],
    ['é中', 'é中'],
  ];
  for (const [raw, encoded] of table) {
    it(`encodes ${JSON.stringify(raw)} as ${JSON.stringify(encoded)} and back`, () => {
      assert.equal(encodeTagValue(raw), encoded);
      assert.equal(decodeTagValue(encoded), raw);
    });
  }
});

describe('transition timestamps', () => {
  it('are unique for two transitions in one millisecond and stable across retries', () => {
    assert.notEqual(transitionTimestampNs(T0, 7), transitionTimestampNs(T0, 8));
    assert.equal(transitionTimestampNs(T0, 7), transitionTimestampNs(T0, 7));
    assert.equal(transitionTimestampNs(T0, 7), `${T0}000007`);
  });
});

describe('InfluxDB URL', () => {
  it('parses credentials, host, port and database', () => {
    assert.deepEqual(parseInfluxUrl('http://u:p%40ss@127.0.0.1:8086/wanwatch'), {
      protocol: 'http',
      host: '127.0.0.1',
      port: 8086,
      database: 'wanwatch',
      username: 'u',
      password: 'p@ss',
    });
  });
  it('requires a database', () => {
    assert.throws(() => parseInfluxUrl('http://127.0.0.1:8086/'), /path must name the database/);
  });
  it('redacts the password for logs', () => {
    assert.equal(redactUrl('http://u:secret@h:1/db'), 'http://u:***@h:1/db');
  });
});
