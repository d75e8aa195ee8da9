import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
// Tests only: the REAL ingest is the peer (the reporter itself never imports backend code).
// eslint-disable-next-line no-restricted-imports
import { startTestIngest, type TestIngest } from '../../test-support/ingest.ts';
import { buildLean, LEAN_REPORTER, runHarness } from './lean-run.ts';

/**
 * The lean build over `https://` (luasec) with gzipped bodies (lua-zlib): the real ingest behind a
 * loopback TLS server whose certificate a throwaway CA signed. The reporter trusts what
 * SSL_CERT_FILE names: that CA — uploads acknowledged; another CA — every upload refused at the
 * handshake, nothing acknowledged, records kept.
 */
const dir = mkdtempSync(join(tmpdir(), 'ww-lean-tls-'));
let ing: TestIngest;
let server: https.Server;
let url = '';
const encodings: (string | undefined)[] = [];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

before(async () => {
  buildLean();
  for (const ca of ['ca', 'other-ca'])
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${ca}`,
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.pem`,
    );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    ...['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial'],
    ...['-days', '2', '-extfile', 'san.ext', '-out', 'server.pem'],
  );
  ing = await startTestIngest({ label: 'lean_tls' });
  server = https.createServer(
    { key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) },
    (req, res) => {
      if (req.url?.endsWith('/reports') === true) encodings.push(req.headers['content-encoding']);
      ing.app(req, res);
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await ing?.close();
  rmSync(dir, { recursive: true, force: true });
});

const MWAN3 = `config interface 'wan'\n\toption enabled '1'\n\tlist track_ip '127.0.0.1'\n\toption interval '1'\n`;

/** Runs the reporter for a while against the TLS ingest; what it uploaded and what it logged. */
async function runFor(device: string, caFile: string, untilUploads: number, maxMs: number) {
  const token = await ing.addDevice(device);
  writeFileSync(join(dir, 'mwan3'), MWAN3);
  const child = spawn(
    'lua5.1',
    [
      LEAN_REPORTER,
      'run',
      ...['--server', url, '--device-id', device, '--mwan3-config', join(dir, 'mwan3')],
      ...['--network-config', join(dir, 'none'), '--spool-dir', join(dir, `spool-${device}`), '--upload-interval', '1'],
    ],
    {
      env: {
        ...process.env,
        WANWATCH_REPORTER_CONFIG: join(dir, 'none'),
        WANWATCH_TOKEN: token,
        WANWATCH_TEST_TRACE: '1',
        SSL_CERT_FILE: caFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let uploads = 0;
  let out = '';
  let errText = '';
  child.stderr.on('data', (c: Buffer) => (errText += c.toString()));
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    const lines = out.split('\n');
    out = lines.pop()!;
    for (const line of lines)
      if (line.startsWith('st '))
        uploads = (JSON.parse(line.slice(3)) as { byRoute: Record<string, number> }).byRoute.default ?? 0;
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const end = Date.now() + maxMs;
  while (uploads < untilUploads && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  child.kill('SIGTERM');
  const code = await exited;
  return { uploads, code, errText };
}

describe('lean build: https through luasec', () => {
  it('checks the server name against the certificate (RFC 6125 wildcards)', async () => {
    const cases: [string, string, boolean][] = [
      ['ingest.example.com', 'ingest.example.com', true],
      ['INGEST.example.com', 'ingest.EXAMPLE.com', true],
      ['*.example.com', 'ingest.example.com', true],
      ['*.example.com', 'example.com', false],
      ['*.example.com', 'a.b.example.com', false],
      ['*.example.com', 'ingest.example.com.evil.test', false],
      ['example.com', 'ingest.example.com', false],
      ['127.0.0.1', '127.0.0.1', true],
      ['127.0.0.1', '127.0.0.2', false],
    ];
    const r = await runHarness(['tls-names'], { input: JSON.stringify(cases.map(([p, h]) => [p, h])) });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      JSON.parse(r.stdout),
      cases.map(([, , want]) => want),
    );
  });

  it('uploads gzipped reports to a server its CA store trusts', { timeout: 60_000 }, async () => {
    const r = await runFor('ce-tls-1', join(dir, 'ca.pem'), 2, 30_000);
    assert.equal(r.code, 0, r.errText);
    assert.ok(r.uploads >= 2, `acknowledged uploads: ${r.uploads}; ${r.errText}`);
    assert.ok(encodings.length >= 2 && encodings.every((e) => e === 'gzip'), `encodings ${encodings.join()}`);
    await ing.points.drain();
    const stored = await ing.influx.query<Record<string, unknown>>(
      `SELECT seq FROM raw.wan_iface WHERE device = 'ce-tls-1'`,
    );
    assert.ok(stored.length > 0, 'samples reached InfluxDB');
  });

  it(
    'refuses a server whose certificate another CA signed: nothing sent, records kept',
    { timeout: 60_000 },
    async () => {
      const r = await runFor('ce-tls-2', join(dir, 'other-ca.pem'), 1, 6_000);
      assert.equal(r.code, 0, r.errText);
      assert.equal(r.uploads, 0);
      assert.match(r.errText, /tls handshake: certificate verify failed/);
      assert.match(r.errText, /records stay spooled/);
    },
  );
});
