import { ProblemError } from '../contract/index.ts';

/**
 * One report of a device at a time: a reporter uploads one batch after the other, so a device with
 * several reports in flight is either racing the same batch over several WANs or hostile. Its
 * further reports wait their turn once their body has arrived (so an upload cut off mid-body on a
 * dead WAN never holds the turn of its retry over another WAN), so one device's flood takes one
 * device's share of the CPU, not the whole server's; past `maxWaiting` they are answered 429 (the
 * reporter backs off).
 * A refused report (4xx) holds the device's turn `refusedHoldMs` longer: a reporter isolating a bad
 * record sends a few such requests, a flood of bad reports is slowed to a trickle.
 *
 * | reports of this device in flight | waiting        | a new report           |
 * |----------------------------------|----------------|------------------------|
 * | < maxInFlight                    | 0              | goes ahead             |
 * | = maxInFlight                    | < maxWaiting   | waits for its turn     |
 * | = maxInFlight                    | = maxWaiting   | 429 `device_busy`      |
 *
 * | the finished report was answered | the next report of the device goes ahead |
 * |----------------------------------|------------------------------------------|
 * | 2xx, 5xx, 429                    | at once                                  |
 * | other 4xx                        | after `refusedHoldMs` (25 ms)            |
 */
export interface DeviceGate {
  /** Resolves once the device's report may go ahead, with the function to call (with the answer's status) when it is done. */
  enter(deviceId: string): Promise<(status?: number) => void>;
}

export function createDeviceGate(
  opts: { maxInFlight?: number; maxWaiting?: number; refusedHoldMs?: number } = {},
): DeviceGate {
  const maxInFlight = opts.maxInFlight ?? 1;
  const maxWaiting = opts.maxWaiting ?? 4;
  const refusedHoldMs = opts.refusedHoldMs ?? 25;
  const lanes = new Map<string, { inFlight: number; waiting: Array<() => void> }>();

  function handOn(deviceId: string): void {
    const lane = lanes.get(deviceId)!;
    const next = lane.waiting.shift();
    // The slot passes straight to the waiter: inFlight stays as it is.
    if (next) next();
    else if (--lane.inFlight === 0) lanes.delete(deviceId);
  }
  const releaser = (deviceId: string) => {
    let done = false;
    return (status?: number) => {
      if (done) return;
      done = true;
      const refused = status !== undefined && status >= 400 && status < 500 && status !== 429;
      if (refused && refusedHoldMs > 0) setTimeout(() => handOn(deviceId), refusedHoldMs);
      else handOn(deviceId);
    };
  };

  return {
    enter(deviceId) {
      let lane = lanes.get(deviceId);
      if (!lane) {
        lane = { inFlight: 0, waiting: [] };
        lanes.set(deviceId, lane);
      }
      if (lane.inFlight < maxInFlight) {
        lane.inFlight++;
        return Promise.resolve(releaser(deviceId));
      }
      if (lane.waiting.length >= maxWaiting) {
        return Promise.reject(
          new ProblemError(
            'device_busy',
            `device "${deviceId}" has ${lane.inFlight + lane.waiting.length} reports in flight; send one at a time`,
          ),
        );
      }
      const l = lane;
      return new Promise((resolve) => l.waiting.push(() => resolve(releaser(deviceId))));
    },
  };
}
