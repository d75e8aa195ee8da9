import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import { failedProbe, type ProbeRequest, type ProbeResult, type Prober } from '../tracker/prober.ts';
import { parsePingOutput } from './parse-ping-output.ts';
import { pingArgs, probeResultOf } from './ping-result.ts';

export { pingArgs };
import { ShellRunnerPool } from './shell-runner.ts';

export interface ExecPingOptions {
  /** Command and leading arguments, e.g. `['ping']` or `['ip', 'netns', 'exec', 'ce', 'ping']`. */
  command?: string[];
  /** BusyBox ping has no `-n` (it never resolves replies); iputils gets `-n` like mwan3. */
  busybox?: boolean;
  /** PATH used to detect a BusyBox `ping` when `busybox` is not given (default: process.env.PATH). */
  searchPath?: string;
  /** Extra seconds before a hung ping is killed, beyond its own (count-1)+timeout. */
  graceS?: number;
  /**
   * `shell` (default): pings are forked by small long-lived helper shells (cheap forks, like
   * mwan3track's loop); `spawn`: node spawns each ping itself.
   */
  via?: 'shell' | 'spawn';
}

export interface ExecPingProber extends Prober {
  /** Kills the helper shells (idle ones never keep the process alive). */
  close(): void;
}

/**
 * `ping` as a child process. Success is ping's exit code 0 (≥ 1 reply), as in mwan3track;
 * figures come from its summary. Spawn errors, kills and timeouts become failed results.
 */
/**
 * Whether `ping` on this PATH is BusyBox's applet (a link to the busybox binary), as on OpenWrt
 * without iputils-ping.
 */
export function isBusyboxPing(searchPath = process.env.PATH ?? ''): boolean {
  for (const dir of searchPath.split(':').filter(Boolean)) {
    try {
      return basename(realpathSync(join(dir, 'ping'))) === 'busybox';
    } catch {
      // not in this directory
    }
  }
  return false;
}

export function createExecPingProber(opts: ExecPingOptions = {}): ExecPingProber {
  const [cmd, ...lead] = opts.command ?? ['ping'];
  const busybox = opts.busybox ?? (opts.command === undefined && isBusyboxPing(opts.searchPath));
  const deadlineMs = (req: ProbeRequest): number => ((req.count - 1) * 1 + req.timeoutS + (opts.graceS ?? 2)) * 1000;
  if (opts.via !== 'spawn') {
    const pool = new ShellRunnerPool();
    return {
      async probe(req, signal) {
        if (signal?.aborted) return failedProbe(req.target, 0, 'aborted');
        const r = await pool.run([cmd!, ...lead, ...pingArgs(req, busybox)], deadlineMs(req), signal);
        return probeResultOf(req, parsePingOutput(r.output), r.code, r.output, r.error);
      },
      close: () => pool.close(),
    };
  }
  return {
    close: () => undefined,
    probe(req: ProbeRequest, signal?: AbortSignal): Promise<ProbeResult> {
      return new Promise((resolve) => {
        if (signal?.aborted) return resolve(failedProbe(req.target, 0, 'aborted'));
        const child = spawn(cmd!, [...lead, ...pingArgs(req, busybox)], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs(req));
        const onAbort = (): void => void child.kill('SIGKILL');
        signal?.addEventListener('abort', onAbort, { once: true });
        let settled = false;
        const finish = (r: ProbeResult): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(r);
        };
        child.on('error', (e) => finish(failedProbe(req.target, 0, `spawn ${cmd}: ${e.message}`)));
        child.on('close', (code, sig) =>
          finish(
            probeResultOf(
              req,
              parsePingOutput(out + err),
              code,
              out + err,
              code === null ? `killed by ${sig}` : undefined,
            ),
          ),
        );
      });
    },
  };
}
