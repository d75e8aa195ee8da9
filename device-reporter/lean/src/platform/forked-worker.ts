/**
 * A long-lived forked copy of the reporter that runs blocking work (an upload: connect, TLS, POST,
 * answer) one request at a time, so the event loop never waits on a slow WAN — without forking
 * the Lua process for every upload. Requests and answers are frames `<bytes>\n<payload>` over two
 * pipes. A request past its deadline, or cut off, kills the worker; the next request forks a new one.
 */
import * as signal from 'posix.signal';
import * as unistd from 'posix.unistd';
import * as wait from 'posix.sys.wait';
import type { Child, ChildResult } from './children.ts';

export interface ForkedWorker {
  /** Sends `request` to the worker (forking it first if none runs); the job goes into the event loop. */
  run(request: string, deadlineMs: number, done: (this: void, r: ChildResult) => void): Child | undefined;
  close(): void;
}

const frame = (payload: string): string => `${payload.length}\n${payload}`;

/** The first complete frame in `buffer`, and what follows it. */
function takeFrame(buffer: string): [string, string] | undefined {
  const nl = buffer.indexOf('\n');
  if (nl < 0) return undefined;
  const n = tonumber(buffer.slice(0, nl));
  if (n === undefined || buffer.length < nl + 1 + n) return undefined;
  return [buffer.slice(nl + 1, nl + 1 + n), buffer.slice(nl + 1 + n)];
}

function writeAll(fd: number, data: string): boolean {
  let rest = data;
  while (rest.length > 0) {
    const [n] = unistd.write(fd, rest);
    if (n === undefined) return false;
    rest = rest.slice(n);
  }
  return true;
}

function serve(requests: number, answers: number, handle: (this: void, request: string) => string): never {
  // The worker ends with its parent (its request pipe closes), never on the parent's SIGTERM.
  signal.signal(signal.SIGTERM, signal.SIG_DFL);
  signal.signal(signal.SIGINT, signal.SIG_IGN);
  signal.signal(signal.SIGHUP, signal.SIG_IGN);
  let buffer = '';
  for (;;) {
    const got = takeFrame(buffer);
    if (got === undefined) {
      const data = unistd.read(requests, 65536);
      if (data === undefined || data === '') unistd._exit(0);
      buffer += data;
      continue;
    }
    buffer = got[1];
    const [ok, answer] = pcall(handle, got[0]);
    if (!writeAll(answers, frame(ok ? answer : ''))) unistd._exit(1);
  }
}

export function createForkedWorker(handle: (this: void, request: string) => string): ForkedWorker {
  let worker: { pid: number; toWorker: number; fromWorker: number } | undefined;

  function start(): typeof worker {
    const [reqR, reqW] = unistd.pipe();
    const [ansR, ansW] = unistd.pipe();
    const pid = unistd.fork();
    if (pid === undefined) {
      for (const fd of [reqR, reqW, ansR, ansW]) unistd.close(fd);
      return undefined;
    }
    if (pid === 0) {
      unistd.close(reqW);
      unistd.close(ansR);
      serve(reqR, ansW, handle);
    }
    unistd.close(reqR);
    unistd.close(ansW);
    return { pid, toWorker: reqW, fromWorker: ansR };
  }

  function stop(): void {
    if (worker === undefined) return;
    signal.kill(worker.pid, signal.SIGKILL);
    unistd.close(worker.toWorker);
    unistd.close(worker.fromWorker);
    wait.wait(worker.pid);
    worker = undefined;
  }

  return {
    run(request, deadlineMs, done) {
      worker ??= start();
      if (worker === undefined) return undefined;
      if (!writeAll(worker.toWorker, frame(request))) {
        stop();
        return undefined;
      }
      const w = worker;
      return {
        pid: w.pid,
        fd: w.fromWorker,
        output: [],
        deadlineMs,
        complete: (output) => {
          const got = takeFrame(output.join(''));
          return got === undefined ? undefined : { code: 0, output: got[0] };
        },
        end: () => {
          if (worker === w) stop();
        },
        done: (r) => done(r),
      };
    },
    close: () => stop(),
  };
}
