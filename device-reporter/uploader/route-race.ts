import type { TransportOutcome } from './http-transport.ts';
import type { UploadRoute } from './routes.ts';

/** One attempt through one WAN: `signal` abandons it, `onConnected` says its connection is up. */
export type RouteAttempt = (
  route: UploadRoute,
  o: { signal: AbortSignal; onConnected: () => void },
) => Promise<TransportOutcome>;

export interface RaceResult {
  /** The outcome that counts: the first one that is not `network` (the server answered), else the last. */
  outcome: TransportOutcome;
  /** The WAN it came through; undefined when there was no route at all. */
  route?: UploadRoute;
  /**
   * Attempts that failed at the network level, in the order they ended. Not those abandoned because
   * another WAN connected first or the report already went through: those WANs did not fail.
   */
  failed: Array<{ route: UploadRoute; error: string }>;
}

/**
 * Sends one report through `routes` (already in preference order), racing a WAN that stays silent.
 *
 * An upload through a WAN whose upstream died quietly gets no error: its SYN goes nowhere until the
 * connect timeout, and the tracker may need several probe rounds to notice. So, like RFC 8305's
 * "connection attempt delay" between addresses, applied here between WANs:
 *
 * | event                                            | then                                             |
 * |--------------------------------------------------|--------------------------------------------------|
 * | an attempt starts                                | the next route starts after `connectRaceMs` unless some attempt has connected by then (`connectRaceMs` ≤ 0: never) |
 * | an attempt connects                              | the attempts still connecting are abandoned; no new one starts while it runs |
 * | an attempt fails at the network level            | the next route starts at once, unless another attempt is connected |
 * | an attempt gets any answer (ack, 4xx, 5xx)       | that is the result; the other attempts are abandoned |
 * | nothing is running and no route is left          | the result is the last network failure            |
 *
 * `live` holds the running attempts' abort controllers by interface, so that the caller can abandon
 * the one on a WAN the tracker has just seen fail (`routeDown`). A slow-but-connected WAN is never
 * raced: a second copy would only add load to a backend that is already slow. Sending a report twice
 * is safe anyway (the backend rewrites the same points and queues a transition once).
 */
export function raceRoutes(
  routes: readonly UploadRoute[],
  attempt: RouteAttempt,
  connectRaceMs: number,
  live: Map<string, AbortController>,
): Promise<RaceResult> {
  return new Promise((resolve) => {
    const failed: RaceResult['failed'] = [];
    const abandoned = new Set<string>();
    let last: { outcome: TransportOutcome; route?: UploadRoute } = {
      outcome: { kind: 'network', error: 'no route with a source address' },
    };
    let next = 0;
    let running = 0;
    let connectedIface: string | undefined;
    let finished = false;
    let timer: NodeJS.Timeout | undefined;

    const finish = () => {
      finished = true;
      clearTimeout(timer);
      for (const c of live.values()) c.abort(new Error(`the report went through ${last.route?.iface}`));
      resolve({ ...last, failed });
    };

    const startNext = () => {
      clearTimeout(timer);
      if (next >= routes.length) return;
      const route = routes[next++]!;
      const ctrl = new AbortController();
      live.set(route.iface, ctrl);
      running++;
      if (connectRaceMs > 0 && next < routes.length)
        timer = setTimeout(() => {
          if (!finished && connectedIface === undefined) startNext();
        }, connectRaceMs);
      const onConnected = () => {
        if (finished || connectedIface !== undefined) return;
        connectedIface = route.iface;
        clearTimeout(timer);
        for (const [iface, c] of live) {
          if (iface === route.iface) continue;
          abandoned.add(iface);
          c.abort(new Error(`${route.iface} connected first`));
        }
      };
      attempt(route, { signal: ctrl.signal, onConnected })
        .catch((err: unknown): TransportOutcome => ({ kind: 'network', error: String(err) }))
        .then((outcome) => settle(route, ctrl, outcome));
    };

    const settle = (route: UploadRoute, ctrl: AbortController, outcome: TransportOutcome) => {
      if (live.get(route.iface) === ctrl) live.delete(route.iface);
      running--;
      if (finished) return;
      if (outcome.kind !== 'network') {
        last = { outcome, route };
        return finish();
      }
      if (!abandoned.has(route.iface)) {
        failed.push({ route, error: outcome.error });
        last = { outcome, route };
      }
      if (connectedIface === route.iface) connectedIface = undefined;
      if (connectedIface === undefined && next < routes.length) startNext();
      else if (running === 0) finish();
    };

    if (routes.length === 0) return finish();
    startNext();
  });
}
