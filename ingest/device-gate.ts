import { ProblemError } from '../contract/index.ts';

/**
 * One report of a device at a time: a reporter uploads one batch after the other, so a device with
 * several reports in flight is either retrying after a timeout or hostile. Its further reports wait
 * their turn (before their body is read), so one device's flood takes one device's share of the
 * CPU, not the whole server's; past `maxWaiting` they are answered 429 (the reporter backs off).
 *
 * | reports of this device in flight | waiting        | a new report           |
 * |----------------------------------|----------------|------------------------|
 * | < maxInFlight                    | 0              | goes ahead             |
 * | = maxInFlight                    | < maxWaiting   | waits for its turn     |
 * | = maxInFlight                    | = maxWaiting   | 429 `device_busy`      |
 */
export interface DeviceGate {
  /** Resolves with the release function once the device's report may go ahead. */
  enter(deviceId: string): Promise<() => void>;
}

export function createDeviceGate(opts: { maxInFlight?: number; maxWaiting?: number } = {}): DeviceGate {
  const maxInFlight = opts.maxInFlight ?? 1;
  const maxWaiting = opts.maxWaiting ?? 4;
  const lanes = new Map<string, { inFlight: number; waiting: Array<() => void> }>();

  function release(deviceId: string): void {
    const lane = lanes.get(deviceId)!;
    const next = lane.waiting.shift();
    if (next) next();
    else if (--lane.inFlight === 0) lanes.delete(deviceId);
  }
  const releaser = (deviceId: string) => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      release(deviceId);
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
      // The slot passes straight to the waiter: inFlight stays as it is.
      return new Promise((resolve) => lane.waiting.push(() => resolve(releaser(deviceId))));
    },
  };
}
