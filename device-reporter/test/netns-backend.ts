/**
 * Makes a backend reachable from a lab's CE namespace through every ISP, the way a cloud service
 * is reachable over each WAN: the address `BACKEND_ADDR` exists in every ISP namespace, where a
 * forwarder pipes each TCP connection to the test's server on a Unix socket (Unix sockets are not
 * bound to a network namespace). The CE routes it via wan0 by default and via each WAN in mwan3's
 * per-WAN table (id = position in /etc/config/mwan3); the reporter's source rules pick the table.
 * No packet leaves the namespaces.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { NetnsLab } from './netns.ts';

const run = promisify(execFile);
export const BACKEND_ADDR = '10.200.0.1';
export const BACKEND_PORT = 8080;

/**
 * Writes the lab's `dir/mwan3` (every WAN tracked by its ISP's target, interval and timeout 1 s) and
 * `dir/network` (every WAN on its CE device), with one policy over all WANs: `balanced` (every
 * member metric 1) or `FAIL_OVER` (metric = position, wan0 first).
 */
export function writeLabMwan3(
  lab: NetnsLab,
  dir: string,
  o: { down: number; up: number; policy: 'balanced' | 'FAIL_OVER' },
): void {
  const metric = (n: number) => (o.policy === 'FAIL_OVER' ? n + 1 : 1);
  const member = (n: number) => `wan${n}_m${metric(n)}_w1`;
  const iface = (n: number) =>
    `config interface 'wan${n}'\n\toption enabled '1'\n\tlist track_ip '${lab.wans[n]!.target}'\n\toption interval '1'\n\toption timeout '1'\n\toption down '${o.down}'\n\toption up '${o.up}'\n\n` +
    `config member '${member(n)}'\n\toption interface 'wan${n}'\n\toption metric '${metric(n)}'\n\toption weight '1'\n\n`;
  const n = lab.wans.map((_, i) => i);
  writeFileSync(
    join(dir, 'mwan3'),
    `${n.map(iface).join('')}config policy '${o.policy}'\n${n.map((i) => `\tlist use_member '${member(i)}'\n`).join('')}`,
  );
  writeFileSync(
    join(dir, 'network'),
    lab.wans
      .map((w) => `config interface '${w.name}'\n\toption device '${w.ceDev}'\n\toption proto 'static'\n\n`)
      .join(''),
  );
}

/** Returns the forwarder processes; kill them (SIGKILL is fine) before `lab.destroy()`. */
export async function exposeBackendThroughIsps(lab: NetnsLab, socketPath: string): Promise<ChildProcess[]> {
  const ip = (...a: string[]) => run('ip', a);
  const procs: ChildProcess[] = [];
  for (const [i, w] of lab.wans.entries()) {
    await ip('-n', w.ispNs, 'addr', 'add', `${BACKEND_ADDR}/32`, 'dev', 'lo');
    await ip(
      '-n',
      lab.ceNs,
      'route',
      'add',
      `${BACKEND_ADDR}/32`,
      'via',
      w.ispIp,
      'dev',
      w.ceDev,
      'table',
      String(i + 1),
    );
    const fwd = spawn(
      'ip',
      [
        'netns',
        'exec',
        w.ispNs,
        process.execPath,
        join(import.meta.dirname, 'netns-upload-forwarder.mjs'),
        BACKEND_ADDR,
        String(BACKEND_PORT),
        socketPath,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    procs.push(fwd);
    await new Promise<void>((r) => fwd.stdout!.once('data', () => r()));
  }
  await ip('-n', lab.ceNs, 'route', 'add', `${BACKEND_ADDR}/32`, 'via', lab.wans[0]!.ispIp, 'dev', lab.wans[0]!.ceDev);
  return procs;
}

export interface ReporterChildStatus {
  t: number;
  states: Record<string, string>;
  byRoute: Record<string, number>;
  pending: number;
}

/** The real reporter running inside the CE namespace (netns-upload-child.ts), with what it prints. */
export interface ReporterChild {
  child: ChildProcess;
  /** `s <seq> <type>`: every record as it is durably spooled. */
  spooled: Array<{ seq: number; type: string }>;
  /** `st <json>`: states and uploads per route, every 100 ms. */
  statuses: ReporterChildStatus[];
  last(): ReporterChildStatus | undefined;
  /** Records still pending when it stopped (after SIGTERM); undefined until then. */
  stoppedPending(): number | undefined;
  exited: Promise<void>;
}

/** Which reporter build runs: the Node one (netns-upload-child.ts) or the lean Lua one (docs/lean-reporter.md). */
export type ReporterBuild = 'node' | 'lua';

/** The command that runs `build` in the CE namespace, printing the same `s`/`st`/`stopped` lines. */
function reporterCommand(build: ReporterBuild, dir: string, token: string, deviceId: string): string[] {
  const server = `http://${BACKEND_ADDR}:${BACKEND_PORT}`;
  if (build === 'node')
    return [
      process.execPath,
      '--import',
      'tsx',
      join(import.meta.dirname, 'netns-upload-child.ts'),
      dir,
      server,
      token,
      deviceId,
    ];
  return [
    'env',
    'WANWATCH_TEST_TRACE=1',
    'WANWATCH_TEST_UPLOAD_DELAY_MS=200',
    `WANWATCH_REPORTER_CONFIG=${join(dir, 'none')}`,
    'lua5.1',
    join(import.meta.dirname, '..', '..', 'dist', 'wanwatch-reporter.lua'),
    'run',
    ...['--server', server, '--device-id', deviceId, '--token', token],
    ...['--mwan3-config', join(dir, 'mwan3'), '--network-config', join(dir, 'network')],
    ...['--spool-dir', join(dir, 'spool'), '--policy-interval', '1', '--upload-interval', '1'],
    ...['--source-rules', '1', '--log-level', 'warn'],
  ];
}

/** Starts the reporter in the lab's CE namespace with `dir/mwan3`, `dir/network`, `dir/spool`, uploading to BACKEND_ADDR. */
export function startReporterInCe(
  lab: NetnsLab,
  dir: string,
  token: string,
  deviceId: string,
  build: ReporterBuild = 'node',
): ReporterChild {
  const child = spawn('ip', ['netns', 'exec', lab.ceNs, ...reporterCommand(build, dir, token, deviceId)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const spooled: ReporterChild['spooled'] = [];
  const statuses: ReporterChildStatus[] = [];
  let stoppedPending: number | undefined;
  let buf = '';
  child.stdout!.on('data', (c: Buffer) => {
    buf += c.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.startsWith('s ')) {
        const [, seq, type] = line.split(' ');
        spooled.push({ seq: Number(seq), type: type! });
      } else if (line.startsWith('st ')) statuses.push(JSON.parse(line.slice(3)) as ReporterChildStatus);
      else if (line.startsWith('stopped ')) stoppedPending = Number(line.slice(8));
    }
  });
  return {
    child,
    spooled,
    statuses,
    last: () => statuses[statuses.length - 1],
    stoppedPending: () => stoppedPending,
    exited: new Promise<void>((r) => child.on('exit', () => r())),
  };
}
