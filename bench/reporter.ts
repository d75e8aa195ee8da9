/**
 * bench/reporter: CPU seconds (the process plus every child it reaped, i.e. the ping processes)
 * and peak RSS of our tracker for 4 WANs × 2 targets at `interval 1`, next to a plain shell loop
 * of `ping` doing the same probes (the way mwan3track works), measured in the same run.
 *
 * Targets are 127.0.0.1–127.0.0.8 bound to `lo`: no packet leaves the host. Our side runs the
 * esbuild bundle of the tracker (as on the router) with plain node; CPU is read from /proc/<pid>/stat
 * (utime+stime+cutime+cstime) of the process and its live descendants (the helper shells, which
 * reap the pings) from the first round to the end, so start-up is not counted; the shell side is measured with bash's `times` (shell + reaped children).
 *
 *   node --import tsx bench/reporter.ts [--seconds 12]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '12' } } });
const seconds = Math.min(30, Math.max(3, Number(values.seconds)));
const WANS = 4;
const TARGETS = 2;
const target = (w: number, t: number): string => `127.0.0.${w * TARGETS + t + 1}`;
const repo = join(import.meta.dirname, '..');

function runChild(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const kill = setTimeout(() => c.kill('SIGKILL'), (seconds + 20) * 1000);
    c.on('error', reject);
    c.on('close', (code) => {
      clearTimeout(kill);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} exited ${code}`));
    });
  });
}

/** Entry for the bundled tracker: tracks for N seconds, prints its own figures as JSON. */
const ENTRY = `
import { readFileSync } from 'node:fs';
import { startTrackers } from ${JSON.stringify(join(repo, 'device-reporter/tracker/scheduler.ts'))};
import { withDefaults } from ${JSON.stringify(join(repo, 'device-reporter/tracker/tracking-options.ts'))};
import { createExecPingProber } from ${JSON.stringify(join(repo, 'device-reporter/probers/exec-ping-prober.ts'))};
const seconds = Number(process.argv[2]);
const targets = JSON.parse(process.argv[3]);
import { readdirSync } from 'node:fs';
// CPU ticks of a process and all its live descendants (helper shells) incl. everything they reaped (pings).
const stat = (pid) => { try { return readFileSync('/proc/' + pid + '/stat', 'utf8').split(') ')[1].split(' '); } catch { return undefined; } };
const ticks = (pid = process.pid) => {
  const f = stat(pid); if (!f) return 0;
  let t = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  for (const d of readdirSync('/proc')) { if (!/^\\d+$/.test(d)) continue; const g = stat(d); if (g && Number(g[1]) === pid) t += ticks(Number(d)); }
  return t;
};
const t0 = ticks();
let rounds = 0; let bytes = 0;
const prober = createExecPingProber();
const t = startTrackers({
  interfaces: targets.map((ts, i) => ({ name: 'wan' + i, device: 'lo', options: withDefaults({ trackIps: ts, reliability: ts.length, intervalS: 1, timeoutS: 1 }) })),
  prober,
  onSample: (s) => { rounds++; bytes += JSON.stringify(s).length; },
  onTransition: () => {},
});
await new Promise((r) => setTimeout(r, seconds * 1000));
await t.stop();
const cpuS = (ticks() - t0) / 100;
prober.close();
const hwm = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
console.log(JSON.stringify({ cpuS, peakRssMb: Number(hwm[1]) / 1024, rounds, bytes }));
`;

async function ours(dir: string, targets: string[][]): Promise<{ cpuS: number; peakRssMb: number; rounds: number }> {
  writeFileSync(join(dir, 'entry.ts'), ENTRY);
  await build({
    entryPoints: [join(dir, 'entry.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: join(dir, 'tracker.mjs'),
    logLevel: 'silent',
  });
  const out = await runChild(process.execPath, [join(dir, 'tracker.mjs'), String(seconds), JSON.stringify(targets)]);
  return JSON.parse(out.trim().split('\n').pop()!) as { cpuS: number; peakRssMb: number; rounds: number };
}

/** mwan3track-style loops: per WAN, ping each target (same arguments), then sleep interval. */
async function shellLoop(targets: string[][]): Promise<{ cpuS: number; rounds: number }> {
  const loops = targets
    .map(
      (ts) =>
        `( n=0; while [ $SECONDS -lt $end ]; do for ip in ${ts.join(' ')}; do ping -4 -n -c 1 -W 1 -s 56 -t 60 -q -I lo $ip >/dev/null 2>&1; done; n=$((n+1)); sleep 1; done; echo "rounds $n" ) &`,
    )
    .join('\n');
  const script = `end=$((SECONDS+${seconds}))\n${loops}\nwait\ntimes`;
  const out = await runChild('bash', ['-c', script]);
  const rounds = [...out.matchAll(/rounds (\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
  // `times`: line 1 = the shell, line 2 = its reaped children: "0m0.010s 0m0.020s"
  const secs = [...out.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { cpuS: secs.reduce((a, b) => a + b, 0), rounds };
}

const dir = mkdtempSync(join(tmpdir(), 'ww-bench-reporter-'));
try {
  const targets = Array.from({ length: WANS }, (_, w) => Array.from({ length: TARGETS }, (_, t) => target(w, t)));
  const a = await ours(dir, targets);
  const b = await shellLoop(targets);
  const round3 = (x: number): number => Math.round(x * 1000) / 1000;
  console.log(
    JSON.stringify({
      bench: 'reporter',
      wans: WANS,
      targetsPerWan: TARGETS,
      intervalS: 1,
      seconds,
      cpuS: round3(a.cpuS),
      baselineCpuS: round3(b.cpuS),
      ratio: round3(a.cpuS / b.cpuS),
      goal: 'ratio<=1.0 && peakRssMb<=60',
      peakRssMb: round3(a.peakRssMb),
      rounds: a.rounds,
      baselineRounds: b.rounds,
      cpuMsPerRound: round3((a.cpuS * 1000) / a.rounds),
      baselineCpuMsPerRound: round3((b.cpuS * 1000) / b.rounds),
      pass: a.cpuS <= b.cpuS && a.peakRssMb <= 60,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
