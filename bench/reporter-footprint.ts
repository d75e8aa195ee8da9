/**
 * bench/reporter-footprint: the whole reporter (`run`: trackers, spool, status file, uploads) of
 * both builds side by side with a mwan3track-style shell loop, in the same run (issue #16):
 * 4 WANs × 2 targets at `interval 1` (reliability 2: both targets every round), uploading every
 * second to a loopback ingest stand-in that acknowledges every report.
 *
 * - RSS: the reporter process's peak (VmHWM), and the peak sum over its process tree (the `sh`
 *   helpers and their pings and, for the lean build, the upload worker), sampled every 250 ms.
 *   Shell: the peak sum of its loops.
 * - CPU: utime+stime+cutime+cstime of the process and its live descendants (so every reaped
 *   `ping` counts), from the end of a 2 s warm-up to the end; the shell's from bash's `times`.
 * - Installed size: dist/wanwatch-reporter.lua (and as `luac -s` bytecode), the Node bundle.
 *
 * Targets are 127.0.0.1–127.0.0.8 on `lo` and the ingest listens on 127.0.0.1: no packet leaves
 * the host. Bounded: `--seconds` (default 15, at most 60) per contender.
 *
 *   node --import tsx bench/reporter-footprint.ts [--seconds 15]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { buildLua } from '../device-reporter/build-lua.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '15' } } });
const seconds = Math.min(60, Math.max(5, Number(values.seconds)));
const WARMUP_MS = 2_000;
const WANS = 4;
const TARGETS = 2;
const repo = join(import.meta.dirname, '..');
const target = (w: number, t: number): string => `127.0.0.${w * TARGETS + t + 1}`;

function mwan3Text(): string {
  const parts: string[] = [];
  for (let w = 0; w < WANS; w++) {
    parts.push(
      `config interface 'wan${w}'\n\toption enabled '1'\n` +
        Array.from({ length: TARGETS }, (_, t) => `\tlist track_ip '${target(w, t)}'\n`).join('') +
        `\toption interval '1'\n\toption timeout '1'\n\toption reliability '${TARGETS}'\n\toption down '3'\n\toption up '3'\n`,
      `config member 'wan${w}_m1_w1'\n\toption interface 'wan${w}'\n\toption metric '1'\n\toption weight '1'\n`,
    );
  }
  parts.push(
    `config policy 'balanced'\n${Array.from({ length: WANS }, (_, w) => `\tlist use_member 'wan${w}_m1_w1'\n`).join('')}`,
  );
  return parts.join('\n');
}

const networkText = Array.from({ length: WANS }, (_, w) => `config interface 'wan${w}'\n\toption device 'lo'\n`).join(
  '\n',
);

/** A stand-in for the ingest on loopback: acknowledges every report up to its highest seq. */
function startAckServer(): Promise<{ url: string; reports: () => number; records: () => number; close(): void }> {
  let reports = 0;
  let records = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      // Both builds gzip their reports (the lean build when lua-zlib is installed).
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString();
      const r = JSON.parse(body) as { bootId: string; records: { seq: number }[] };
      reports++;
      records += r.records.length;
      const ackSeq = Math.max(...r.records.map((x) => x.seq));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ v: 1, bootId: r.bootId, ackSeq, accepted: r.records.length, duplicateTransitions: 0 }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
        reports: () => reports,
        records: () => records,
        close: () => {
          server.closeAllConnections();
          server.close();
        },
      }),
    ),
  );
}

const statOf = (pid: number): string[] | undefined => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  } catch {
    return undefined;
  }
};
/** The process and its live descendants, from one pass over /proc. */
function tree(pid: number): number[] {
  const kids = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const ppid = Number(statOf(Number(d))?.[1]);
    if (!Number.isFinite(ppid)) continue;
    kids.set(ppid, [...(kids.get(ppid) ?? []), Number(d)]);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...(kids.get(p) ?? []));
  }
  return out;
}
/** CPU ticks of the process tree, including what each reaped (cutime/cstime). */
const ticks = (pid: number): number =>
  tree(pid).reduce((n, p) => {
    const f = statOf(p);
    return f ? n + Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) : n;
  }, 0);
const statusKb = (pid: number, key: 'VmRSS' | 'VmHWM'): number => {
  try {
    const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
};

interface Figures {
  peakRssMb: number;
  peakTreeRssMb: number;
  cpuS: number;
  reports?: number;
  records?: number;
  rounds?: number;
}

async function runReporter(cmd: string, args: string[], dir: string): Promise<Figures> {
  const ack = await startAckServer();
  const child = spawn(
    cmd,
    [
      ...args,
      'run',
      ...['--server', ack.url, '--device-id', 'bench-1', '--token', 'bench-token-0123'],
      ...['--mwan3-config', join(dir, 'mwan3'), '--network-config', join(dir, 'network')],
      ...[
        '--spool-dir',
        join(dir, `spool-${cmd.replace(/\W/g, '')}`),
        '--upload-interval',
        '1',
        '--log-level',
        'error',
      ],
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, WANWATCH_REPORTER_CONFIG: join(dir, 'none') } },
  );
  const pid = child.pid!;
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  let peakTreeKb = 0;
  const sampler = setInterval(() => {
    peakTreeKb = Math.max(
      peakTreeKb,
      tree(pid).reduce((n, p) => n + statusKb(p, 'VmRSS'), 0),
    );
  }, 250);
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  const t0 = ticks(pid);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpuS = (ticks(pid) - t0) / 100;
  const hwmKb = statusKb(pid, 'VmHWM');
  clearInterval(sampler);
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(killer);
  ack.close();
  return {
    peakRssMb: hwmKb / 1024,
    peakTreeRssMb: peakTreeKb / 1024,
    cpuS,
    reports: ack.reports(),
    records: ack.records(),
  };
}

/** mwan3track-style: one shell loop per WAN pinging each target (mwan3track's arguments), then sleep 1. */
async function shellLoop(): Promise<Figures> {
  const loops = Array.from({ length: WANS }, (_, w) => {
    const ts = Array.from({ length: TARGETS }, (_, t) => target(w, t)).join(' ');
    return `( n=0; while [ $SECONDS -lt $end ]; do for ip in ${ts}; do ping -4 -n -c 1 -W 1 -s 56 -t 60 -q -I lo $ip >/dev/null 2>&1; done; n=$((n+1)); sleep 1; done; echo "rounds $n" ) &`;
  }).join('\n');
  const script = `end=$((SECONDS+${seconds}))\n${loops}\nwait\ntimes`;
  const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  let peakTreeKb = 0;
  const sampler = setInterval(() => {
    const shells = tree(child.pid!).filter(
      (p) => statOf(p)?.[0] !== undefined && /bash/.test(readFileSync(`/proc/${p}/comm`, 'utf8')),
    );
    peakTreeKb = Math.max(
      peakTreeKb,
      shells.reduce((n, p) => n + statusKb(p, 'VmRSS'), 0),
    );
  }, 250);
  const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + 20) * 1000);
  await new Promise<void>((r) => child.on('close', () => r()));
  clearTimeout(killer);
  clearInterval(sampler);
  const rounds = [...out.matchAll(/rounds (\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
  const secs = [...out.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return {
    peakRssMb: peakTreeKb / 1024,
    peakTreeRssMb: peakTreeKb / 1024,
    cpuS: secs.reduce((a, b) => a + b, 0),
    rounds,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'ww-bench-footprint-'));
try {
  writeFileSync(join(dir, 'mwan3'), mwan3Text());
  writeFileSync(join(dir, 'network'), networkText);
  const lua = buildLua('reporter');
  execFileSync(process.execPath, ['--import', 'tsx', join(repo, 'device-reporter', 'build.ts')], { stdio: 'ignore' });
  const luaFile = join(repo, 'dist', 'wanwatch-reporter.lua');
  const nodeFile = join(repo, 'dist', 'wanwatch-reporter.mjs');
  const luacFile = join(dir, 'wanwatch-reporter.luac');
  execFileSync('luac5.1', ['-s', '-o', luacFile, luaFile]);
  const l = await runReporter('lua5.1', [luaFile], dir);
  const n = await runReporter(process.execPath, [nodeFile], dir);
  const s = await shellLoop();
  const r3 = (x: number): number => Math.round(x * 1000) / 1000;
  const kb = (b: number): number => Math.round(b / 1024);
  const luaKb = kb(lua.bytes);
  console.log(
    JSON.stringify({
      bench: 'reporter-footprint',
      wans: WANS,
      targetsPerWan: TARGETS,
      intervalS: 1,
      seconds,
      luaPeakRssMb: r3(l.peakRssMb),
      luaPeakTreeRssMb: r3(l.peakTreeRssMb),
      nodePeakRssMb: r3(n.peakRssMb),
      nodePeakTreeRssMb: r3(n.peakTreeRssMb),
      shellPeakRssMb: r3(s.peakRssMb),
      luaCpuS: r3(l.cpuS),
      nodeCpuS: r3(n.cpuS),
      shellCpuS: r3(s.cpuS),
      luaVsShellCpu: r3(l.cpuS / s.cpuS),
      luaVsNodeCpu: r3(l.cpuS / n.cpuS),
      luaInstalledKb: luaKb,
      luaBytecodeKb: kb(statSync(luacFile).size),
      nodeBundleKb: kb(statSync(nodeFile).size),
      luaReports: l.reports,
      luaRecords: l.records,
      nodeReports: n.reports,
      nodeRecords: n.records,
      shellRounds: s.rounds,
      goal: 'luaPeakRssMb<=8 && luaInstalledKb<=300 && luaCpuS<=nodeCpuS && luaVsShellCpu<=1.0',
      pass: l.peakRssMb <= 8 && luaKb <= 300 && l.cpuS <= n.cpuS && l.cpuS <= s.cpuS,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
