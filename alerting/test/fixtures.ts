import type { PolicyRecord, TransitionRecord } from '../../contract/index.ts';

export const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);

export function tr(
  seq: number,
  iface: string,
  from: TransitionRecord['from'],
  to: TransitionRecord['to'],
  timeMs = T0 + seq * 1000,
  extra: Partial<TransitionRecord> = {},
): TransitionRecord {
  return { type: 'transition', seq, timeMs, iface, from, to, score: 0, reason: 'track', ...extra };
}

/** FAIL_OVER style split: eth0 metric 1 (primary), eth1 metric 2; `online` names the online ifaces. */
export function pol(seq: number, online: string[], timeMs = T0 + seq * 1000, primary = 'eth1'): PolicyRecord {
  const order = primary === 'eth1' ? ['eth1', 'eth0'] : ['eth0', 'eth1'];
  const carrier = order.find((i) => online.includes(i));
  return {
    type: 'policy',
    seq,
    timeMs,
    policies: [
      {
        policy: 'FAIL_OVER',
        family: 'ipv4',
        members: order.map((iface, i) => ({ iface, sharePct: iface === carrier ? 100 : 0, metric: i + 1, weight: 1 })),
        lastResort: 'unreachable',
        lastResortActive: carrier === undefined,
      },
    ],
  };
}

export { eventsJob as job } from '../../test-support/records.ts';
