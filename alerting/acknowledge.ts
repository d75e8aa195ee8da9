import { ProblemError } from '../contract/index.ts';
import type { Recorder } from './adapters/recorder.ts';
import type { AlertStore } from './adapters/store.ts';
import { openIncident } from './core/state.ts';

export interface Acknowledgement {
  deviceId: string;
  incidentId: string;
  kind: 'link_down' | 'device_unreachable';
  iface: string | null;
  by: string;
  comment: string;
  atMs: number;
}

/**
 * Acknowledges an open incident (docs/alerts.md, "Acknowledgement"), for the API and the signed
 * links alike: marked under the device's lock so the sweep sends it no more reminders, then
 * recorded as an incident point (status `acknowledged`) that the events API shows with who.
 * ProblemError `not_found` when the incident is not open on that device.
 */
export async function acknowledgeIncident(
  deps: { store: AlertStore; recorder: Pick<Recorder, 'ack'>; nowMs: () => number },
  a: { deviceId: string; incidentId: string; by: string; comment: string },
): Promise<Acknowledgement> {
  const open = await deps.store.withDeviceLock(a.deviceId, async () => {
    const found = openIncident(await deps.store.loadState(a.deviceId), a.incidentId);
    if (found) await deps.store.putAck(a.deviceId, found.id, { by: a.by, comment: a.comment, atMs: deps.nowMs() });
    return found;
  });
  if (!open) throw new ProblemError('not_found', `no open incident ${a.incidentId} on device ${a.deviceId}`);
  const ack: Acknowledgement = {
    deviceId: a.deviceId,
    incidentId: open.id,
    kind: open.kind,
    iface: open.kind === 'link_down' ? open.iface : null,
    by: a.by,
    comment: a.comment,
    atMs: deps.nowMs(),
  };
  try {
    await deps.recorder.ack(ack);
  } catch (err) {
    throw new ProblemError('influx_unavailable', `recording the acknowledgement failed: ${(err as Error).message}`);
  }
  return ack;
}
