/**
 * Starts, SIGKILLs and restarts the backend child (backend-child.ts) on a fixed port and socket,
 * and keeps its stderr (pino lines) in a file for failure messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AlertingOptions } from '../../alerting/options.ts';
import type { BackendConfig } from '../../backend/host.ts';

export interface BackendProcess {
  readonly port: number;
  /** Whether a backend child is running now. */
  running(): boolean;
  start(): Promise<void>;
  /** SIGKILL, as a crash or an OOM kill: no graceful shutdown, nothing flushed. */
  kill9(): Promise<void>;
  /** Graceful stop (SIGTERM), bounded. */
  stop(): Promise<void>;
  /** The last `lines` lines the backend logged (warnings and errors). */
  logTail(lines?: number): string;
}

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

export function backendProcess(o: {
  config: BackendConfig;
  socketPath: string;
  alerting: Partial<AlertingOptions>;
  logFile: string;
}): BackendProcess {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const exitOf = (c: ChildProcess) =>
    new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
  const waitExit = async (what: string) => {
    const timeout = new Promise<never>((_, rej) =>
      setTimeout(
        () => rej(new Error(`backend did not exit within ${STOP_TIMEOUT_MS} ms after ${what}`)),
        STOP_TIMEOUT_MS,
      ).unref(),
    );
    await Promise.race([exited, timeout]);
  };
  return {
    port: o.config.port,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    async start() {
      const log = openSync(o.logFile, 'a');
      const c = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'backend-child.ts')], {
        stdio: ['ignore', 'pipe', log],
        env: { ...process.env, WANWATCH_DRILL_BACKEND: JSON.stringify(o) },
      });
      closeSync(log);
      child = c;
      exited = exitOf(c);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          c.kill('SIGKILL');
          reject(new Error(`backend not ready within ${START_TIMEOUT_MS} ms:\n${this.logTail()}`));
        }, START_TIMEOUT_MS);
        c.stdout!.on('data', (d: Buffer) => {
          if (d.toString().includes('ready')) {
            clearTimeout(timer);
            resolve();
          }
        });
        c.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`backend exited at start (${code ?? signal}):\n${this.logTail()}`));
        });
      });
    },
    async kill9() {
      child?.kill('SIGKILL');
      await waitExit('SIGKILL');
    },
    async stop() {
      if (!this.running()) return;
      child!.kill('SIGTERM');
      await waitExit('SIGTERM').catch(async () => {
        child?.kill('SIGKILL');
        await exited;
      });
    },
    logTail(lines = 30) {
      try {
        return readFileSync(o.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '(no backend log)';
      }
    },
  };
}
