import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MultiWanV2 } from '../../contract/index.ts';
import { renderMwan3 } from '../../device-reporter/render/render-mwan3.ts';
import { writeUci } from '../../device-reporter/config/uci.ts';
import { parseNetworkConfig } from '../../device-reporter/config/network-config.ts';
import { startReporter, type RunningReporter } from '../../device-reporter/run/index.ts';
import { createJsonLogger } from '../../device-reporter/spool/logger.ts';
import { allDown, storyFor, type Story } from './link-script.ts';
import { createSimulatedProber } from './simulated-prober.ts';

/**
 * N simulated CE devices for `wanwatch up --demo-devices N`: each is registered through the HTTP
 * API like a real one (with a multiWanV2 block whose notificationEmails become its recipients),
 * gets an /etc/config/mwan3 rendered from those settings, and runs the real reporter (tracker,
 * spool, uploader) over simulated links (see link-script.ts). While a story has every link down,
 * the device has no upload route, so it spools and back-fills later — as a cut-off site does.
 */
export interface DemoOptions {
  apiUrl: string;
  adminToken: string;
  count: number;
  dataDir: string;
  /** Length of one story cycle. */
  cycleMs: number;
  /** Tracking interval of the simulated devices (mwan3 `interval`, seconds). */
  intervalS: number;
  nowMs?: () => number;
}

export interface DemoDevice {
  id: string;
  name: string;
  site: string;
  story: Story;
  spoolDir: string;
  reporter: RunningReporter;
}

const SITES = ['Berlin office', 'Lyon warehouse', 'Porto shop', 'Oslo branch', 'Graz lab', 'Turin depot'];
const NETWORK = `config interface 'loopback'
\toption device 'lo'
\toption proto 'static'

config interface 'eth0'
\toption device 'eth0'
\toption proto 'dhcp'

config interface 'eth1'
\toption device 'eth1'
\toption proto 'dhcp'
`;

function multiWan(index: number, intervalS: number): MultiWanV2 {
  const wan = (name: string, metric: number) => ({
    interfaceName: name,
    // Documentation addresses (RFC 5737): the simulated prober never sends a packet.
    targetIps: ['192.0.2.1', '198.51.100.1'],
    failureInterval: intervalS,
    recoveryInterval: intervalS,
    pingInterval: intervalS,
    pingTimeout: 1,
    multiWANMetric: metric,
    multiWANWeight: 1,
    enable: true,
  });
  return {
    enable: true,
    mode: index % 2 === 0 ? 'FAIL_OVER' : 'LOAD_BALANCE',
    notificationEmails: [`owner-${index + 1}@example.com`],
    wanInterfaces: null,
    wanInterfacesConfig: { eth1: wan('eth1', 1), eth0: wan('eth0', 2) },
  };
}

async function api(
  o: DemoOptions,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> | undefined }> {
  const res = await fetch(`${o.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${o.adminToken}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

export async function startDemoFleet(o: DemoOptions): Promise<{ devices: DemoDevice[]; stop(): Promise<void> }> {
  const nowMs = o.nowMs ?? Date.now;
  const startedAtMs = nowMs();
  const devices: DemoDevice[] = [];
  for (let i = 0; i < o.count; i++) {
    const id = `demo-ce-${String(i + 1).padStart(2, '0')}`;
    const site = SITES[i % SITES.length]!;
    const name = `CE router ${i + 1}`;
    // Device tokens are stored hashed, so a restarted demo cannot reuse the old one: re-register
    // (the device's history in InfluxDB is kept; only the registry entry is replaced).
    let reg = await api(o, 'POST', '/api/v1/devices', { id, name, site });
    if (reg.status === 409) {
      await api(o, 'DELETE', `/api/v1/devices/${id}`);
      reg = await api(o, 'POST', '/api/v1/devices', { id, name, site });
    }
    if (reg.status !== 201)
      throw new Error(`demo: registering ${id} failed: ${reg.status} ${JSON.stringify(reg.json)}`);
    const mw = multiWan(i, o.intervalS);
    const put = await api(o, 'PUT', `/api/v1/devices/${id}/multiwan`, mw);
    if (put.status >= 300)
      throw new Error(`demo: multiwan for ${id} failed: ${put.status} ${JSON.stringify(put.json)}`);

    const dir = join(o.dataDir, 'demo', id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'network'), NETWORK);
    writeFileSync(join(dir, 'mwan3'), writeUci(renderMwan3(mw, parseNetworkConfig(NETWORK))));
    const story = storyFor(i);
    const spoolDir = join(dir, 'spool');
    const reporter = await startReporter(
      {
        serverUrl: o.apiUrl,
        deviceId: id,
        token: String(reg.json?.token),
        mwan3ConfigPath: join(dir, 'mwan3'),
        networkConfigPath: join(dir, 'network'),
        spoolDir,
        policyIntervalMs: 10_000,
        // Uploads every 2 s (a router default is 5 s): the demo should feel live, and the
        // watchdog then notices a dark site after max(15 s, 3 x 2 s).
        uploader: { maxDelayMs: 2_000 },
        agent: 'wanwatch-demo/0.1.0',
      },
      {
        logger: createJsonLogger('silent'),
        prober: createSimulatedProber({ story, cycleMs: o.cycleMs, startedAtMs, nowMs }),
        // A site whose links are all down cannot reach the cloud: no upload route at all.
        routes: () =>
          allDown(story, ['eth0', 'eth1'], nowMs() - startedAtMs, o.cycleMs)
            ? []
            : [{ iface: 'default', online: true }],
        nowMs,
      },
    );
    devices.push({ id, name, site, story, spoolDir, reporter });
  }
  return {
    devices,
    async stop() {
      await Promise.all(devices.map((d) => d.reporter.stop()));
    },
  };
}
