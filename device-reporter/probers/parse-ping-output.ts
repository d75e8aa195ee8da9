/** Figures from the summary of iputils or BusyBox `ping` output. */
export interface PingSummary {
  sent: number;
  received: number;
  lossPct: number | null;
  rttMinMs: number | null;
  rttAvgMs: number | null;
  rttMaxMs: number | null;
  /** iputils' mdev (population standard deviation); BusyBox prints none. */
  rttMdevMs: number | null;
}

// iputils: "3 packets transmitted, 2 received, +1 errors, 33.3333% packet loss, time 2003ms"
// BusyBox: "6 packets transmitted, 6 packets received, 0% packet loss"
const COUNTS = /(\d+) packets transmitted, (\d+) (?:packets )?received/;
const LOSS = /([\d.]+)% packet loss/;
// iputils: "rtt min/avg/max/mdev = 0.030/0.040/0.050/0.008 ms"; BusyBox: "round-trip min/avg/max = 12.831/14.044/14.979 ms"
const RTT = /(?:rtt|round-trip) min\/avg\/max(?:\/(?:mdev|stddev))? = ([\d.]+)\/([\d.]+)\/([\d.]+)(?:\/([\d.]+))? ms/;

/** Parses ping's statistics lines; undefined when there are none (ping failed before sending). */
export function parsePingOutput(text: string): PingSummary | undefined {
  const counts = COUNTS.exec(text);
  if (!counts) return undefined;
  const sent = Number(counts[1]);
  const received = Number(counts[2]);
  const loss = LOSS.exec(text);
  const rtt = RTT.exec(text);
  return {
    sent,
    received,
    // Computed from the counts when ping did not print it; both tools print it in practice.
    lossPct: loss ? Number(loss[1]) : sent > 0 ? ((sent - received) * 100) / sent : null,
    rttMinMs: rtt ? Number(rtt[1]) : null,
    rttAvgMs: rtt ? Number(rtt[2]) : null,
    rttMaxMs: rtt ? Number(rtt[3]) : null,
    rttMdevMs: rtt?.[4] !== undefined ? Number(rtt[4]) : null,
  };
}
