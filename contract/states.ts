import { z } from 'zod';
import { FAMILIES, IFACE_STATES, LAST_RESORTS, TARGET_STATUSES } from './state-names.ts';

export { FAMILIES, IFACE_STATES, LAST_RESORTS, TARGET_STATUSES };

export const ifaceStateSchema = z.enum(IFACE_STATES);
export type IfaceState = z.infer<typeof ifaceStateSchema>;

/**
 * Whether routing uses the interface. mwan3 changes routing only on `connected`/`disconnected`
 * (docs/mwan3-reference.md, "Policies": connecting/disconnecting do not change routing), so only `online` carries traffic.
 * A `disconnecting` interface is still routed (it was online); a `connecting` one is not.
 */
export function isRouted(state: IfaceState, previousRouted: boolean): boolean {
  if (state === 'online') return true;
  if (state === 'disconnecting') return previousRouted;
  return false;
}

export const targetStatusSchema = z.enum(TARGET_STATUSES);
export type TargetStatus = z.infer<typeof targetStatusSchema>;

/** A numeric code per state, written as an InfluxDB integer field so Grafana can colour a state timeline. */
export const STATE_CODE: Record<IfaceState, number> = {
  offline: 0,
  online: 1,
  connecting: 2,
  disconnecting: 3,
  disabled: 4,
  unknown: 5,
};

export const lastResortSchema = z.enum(LAST_RESORTS);
export type LastResort = z.infer<typeof lastResortSchema>;

export const familySchema = z.enum(FAMILIES);
export type Family = z.infer<typeof familySchema>;
