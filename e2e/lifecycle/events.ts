/**
 * The lifecycle events of issue #13, as the drill runs them (the same list in both phases): what a
 * router and a backend live through in a normal week, none of which is news for a NOC.
 *
 * | event                         | what the drill does                                              |
 * |-------------------------------|------------------------------------------------------------------|
 * | reload, no change             | SIGHUP (procd sends it on every change of mwan3/network/wanwatch) |
 * | reload, tracking changed      | wan0 gets `option size '64'`, then SIGHUP                         |
 * | reload, back as before        | the option removed again, then SIGHUP                            |
 * | clean stop and start          | SIGTERM (`/etc/init.d/wanwatch stop`), down 2 s, start           |
 * | crash and restart             | SIGKILL, started again 2 s later (procd respawn), inside the watchdog |
 * | reboot                        | SIGTERM (`reboot` stops services first), down longer than the watchdog, started again: a new boot with the spool kept |
 * | backend crash                 | SIGKILL of the whole backend for 2 × the watchdog, then started  |
 * | Redis restart                 | SIGTERM, down 1.5 s, started on its append-only file             |
 * | InfluxDB restart              | SIGTERM, down 1.5 s, started on its data                         |
 *
 * After each event the drill waits (bounded) until the reporter runs with the expected link states
 * and the backend has heard from it again; what did not happen in time becomes a note on the event.
 */
import type { BackendProcess } from './backend-process.ts';
import type { BundleReporter } from './reporter-process.ts';
import type { RestartableServices } from './services.ts';
import type { Timeline } from './timeline.ts';

export interface EventContext {
  timeline: Timeline;
  phase: string;
  reporter: BundleReporter;
  backend: BackendProcess;
  services: RestartableServices;
  watchdogMs: number;
  /** No new event starts after this, and waits end by it: the drill ends with its findings, not a test timeout. */
  deadlineMs: number;
  /** Rewrites the reporter's mwan3 config; `changed`: with wan0's tracking option changed. */
  writeMwan3(changed: boolean): void;
  /** The backend's last report time for the device (undefined while it does not answer). */
  lastSeenMs(): Promise<number | undefined>;
  /** Whether the reporter's link states are the phase's steady ones. */
  steady(states: Record<string, string>): boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const STATES_TIMEOUT_MS = 20_000;
/** Long enough for the reporter's upload back-off after a 2 × watchdog backend outage (up to ~16 s). */
const HEARD_TIMEOUT_MS = 40_000;

/** Waits until the reporter shows the phase's steady states and the backend heard from it after `sinceMs`. */
export async function settle(ctx: EventContext, sinceMs = Date.now()): Promise<void> {
  const end = Math.min(Date.now() + STATES_TIMEOUT_MS, ctx.deadlineMs);
  while (!(ctx.reporter.running() && ctx.steady(ctx.reporter.states()))) {
    if (Date.now() > end) {
      ctx.timeline.note(
        `link states not steady within ${STATES_TIMEOUT_MS} ms (or the drill's deadline): ${JSON.stringify(ctx.reporter.states())}`,
      );
      break;
    }
    await sleep(100);
  }
  const heardBy = Math.min(Date.now() + HEARD_TIMEOUT_MS, ctx.deadlineMs);
  for (;;) {
    const seen = await ctx.lastSeenMs();
    if (seen !== undefined && seen >= sinceMs) {
      const counters = ctx.reporter.counters();
      ctx.timeline.note(
        `backend heard the reporter ${Date.now() - sinceMs} ms after the event ended` +
          (counters ? `; reporter counters ${JSON.stringify(counters)}` : ''),
      );
      break;
    }
    if (Date.now() > heardBy) {
      ctx.timeline.note(
        `backend did not hear the reporter within ${HEARD_TIMEOUT_MS} ms or the drill's deadline (last seen ${seen})`,
      );
      break;
    }
    await sleep(200);
  }
  // A breath between events, so an email an event causes is listed under it (group wait is 2 s).
  await sleep(1_000);
}

export interface LifecycleEvent {
  label: string;
  run(ctx: EventContext): Promise<void>;
}

export const LIFECYCLE_EVENTS: LifecycleEvent[] = [
  {
    label: 'reload (SIGHUP), no change',
    run: async (ctx) => ctx.reporter.reload(),
  },
  {
    label: "reload (SIGHUP) after wan0's tracking option changed (size 64)",
    run: async (ctx) => {
      ctx.writeMwan3(true);
      ctx.reporter.reload();
    },
  },
  {
    label: 'reload (SIGHUP) with the option back as before',
    run: async (ctx) => {
      ctx.writeMwan3(false);
      ctx.reporter.reload();
    },
  },
  {
    label: 'clean stop (SIGTERM), down 2 s, start',
    run: async (ctx) => {
      await ctx.reporter.stop();
      await sleep(2_000);
      await ctx.reporter.start();
    },
  },
  {
    // Down long enough that an uptime report which passes the crash off as data is caught (the
    // tolerance is 1 s), short enough to stay inside the watchdog.
    label: 'crash (SIGKILL), restart 2 s later',
    run: async (ctx) => {
      await ctx.reporter.kill9();
      await sleep(2_000);
      await ctx.reporter.start();
    },
  },
  {
    label: 'reboot: SIGTERM, down watchdog + 3 s, start (new boot, spool kept)',
    run: async (ctx) => {
      await ctx.reporter.stop();
      await sleep(ctx.watchdogMs + 3_000);
      await ctx.reporter.start();
    },
  },
  {
    label: 'backend SIGKILL, down 2 × watchdog, start',
    run: async (ctx) => {
      await ctx.backend.kill9();
      await sleep(2 * ctx.watchdogMs);
      await ctx.backend.start();
    },
  },
  {
    label: 'Redis restart (down 1.5 s, data kept)',
    run: async (ctx) => {
      const r = await ctx.services.restartRedis(1_500);
      ctx.timeline.note(`Redis down ${r.startedAtMs - r.stoppedAtMs} ms`);
    },
  },
  {
    label: 'InfluxDB restart (down 1.5 s, data kept)',
    run: async (ctx) => {
      const r = await ctx.services.restartInflux(1_500);
      ctx.timeline.note(`InfluxDB down ${r.startedAtMs - r.stoppedAtMs} ms`);
    },
  },
];

/** Runs every lifecycle event in order, each followed by `settle`; returns the labels of events the deadline left out. */
export async function runLifecycleEvents(ctx: EventContext): Promise<string[]> {
  for (const [i, ev] of LIFECYCLE_EVENTS.entries()) {
    if (Date.now() > ctx.deadlineMs) {
      const left = LIFECYCLE_EVENTS.slice(i).map((e) => e.label);
      ctx.timeline.note(`the drill's deadline passed; not run in ${ctx.phase}: ${left.join('; ')}`);
      return left;
    }
    ctx.timeline.begin(ctx.phase, ev.label);
    await ev.run(ctx);
    await settle(ctx);
  }
  ctx.timeline.end();
  return [];
}
