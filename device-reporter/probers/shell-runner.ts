import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';

/**
 * A long-lived `sh` that runs one command per request line and answers with its output and exit
 * code. Forking ping from a 50 MB node process costs far more CPU than the ping itself (the
 * kernel copies node's page tables on every fork); a small shell forks cheaply, as mwan3track's
 * own loop does. One runner handles one command at a time; `ShellRunnerPool` hands out idle ones.
 */
const END = '__wanwatch_end__';
// `exec 2>&1` once: every command's stderr comes back on stdout, before the end marker.
const SCRIPT = `exec 2>&1; while IFS= read -r line; do eval "$line" </dev/null; echo "${END} $?"; done`;

export function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export interface RunResult {
  code: number | null;
  output: string;
  /** Set when the command was killed (deadline or abort) or the shell died. */
  error?: string;
}

class ShellRunner {
  private child: ChildProcessByStdio<Writable, Readable, null>;
  private buf = '';
  private pending: ((r: RunResult) => void) | undefined;
  dead = false;

  constructor() {
    // detached: own process group, so a kill reaches the running command too
    this.child = spawn('sh', ['-c', SCRIPT], { stdio: ['pipe', 'pipe', 'ignore'], detached: true });
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => this.onData(d));
    this.child.on('error', (e) => this.die(`shell: ${e.message}`));
    this.child.on('close', () => this.die('shell exited'));
    this.child.stdin.on('error', () => this.die('shell stdin closed'));
    this.idle();
  }

  private onData(d: string): void {
    this.buf += d;
    const at = this.buf.lastIndexOf(`${END} `);
    if (at < 0 || !this.buf.includes('\n', at)) return;
    const m = new RegExp(`${END} (\\d+)\\n`).exec(this.buf.slice(at));
    const output = this.buf.slice(0, at);
    this.buf = '';
    const done = this.pending;
    this.pending = undefined;
    done?.({ code: m ? Number(m[1]) : null, output });
  }

  private die(error: string): void {
    if (this.dead) return;
    this.dead = true;
    const done = this.pending;
    this.pending = undefined;
    done?.({ code: null, output: this.buf, error });
  }

  /** Idle runners must not keep the event loop (and so the process) alive. */
  private idle(): void {
    this.child.unref();
    (this.child.stdout as unknown as Socket).unref();
    (this.child.stdin as unknown as Socket).unref();
  }

  private busy(): void {
    this.child.ref();
    (this.child.stdout as unknown as Socket).ref();
    (this.child.stdin as unknown as Socket).ref();
  }

  run(argv: readonly string[], deadlineMs: number, signal?: AbortSignal): Promise<RunResult> {
    return new Promise((resolve) => {
      if (this.dead) return resolve({ code: null, output: '', error: 'shell exited' });
      this.busy();
      const timer = setTimeout(() => this.kill('deadline exceeded'), deadlineMs);
      const onAbort = (): void => this.kill('aborted');
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending = (r) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (!this.dead) this.idle();
        resolve(r);
      };
      this.child.stdin.write(`${argv.map(shellQuote).join(' ')}\n`);
    });
  }

  kill(reason = 'closed'): void {
    try {
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    this.die(reason);
  }
}

/** Idle shell runners, created on demand (one per concurrent command), killed by `close()`. */
export class ShellRunnerPool {
  private idleRunners: ShellRunner[] = [];
  private all = new Set<ShellRunner>();

  async run(argv: readonly string[], deadlineMs: number, signal?: AbortSignal): Promise<RunResult> {
    let r = this.idleRunners.pop();
    while (r?.dead) r = this.idleRunners.pop();
    if (!r) {
      r = new ShellRunner();
      this.all.add(r);
    }
    const res = await r.run(argv, deadlineMs, signal);
    if (r.dead) this.all.delete(r);
    else this.idleRunners.push(r);
    return res;
  }

  close(): void {
    for (const r of this.all) r.kill();
    this.all.clear();
    this.idleRunners = [];
  }
}
