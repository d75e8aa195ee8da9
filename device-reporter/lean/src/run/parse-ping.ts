import type { PingSummary } from '../../../probers/parse-ping-output.ts';

/**
 * ping's statistics lines with Lua patterns, the same figures as
 * device-reporter/probers/parse-ping-output.ts (iputils and BusyBox formats).
 */
export function parsePingOutputLua(text: string): PingSummary | undefined {
  const [sentText, receivedText] = string.match(text, '(%d+) packets transmitted, (%d+) ');
  if (sentText === undefined || receivedText === undefined) return undefined;
  const sent = tonumber(sentText)!;
  const received = tonumber(receivedText)!;
  const [lossText] = string.match(text, '([%d%.]+)%% packet loss');
  const [mn, avg, mx, dev] = string.match(text, 'min/avg/max[/%a]* = ([%d%.]+)/([%d%.]+)/([%d%.]+)/?([%d%.]*) ms');
  return {
    sent,
    received,
    lossPct: lossText !== undefined ? tonumber(lossText)! : sent > 0 ? ((sent - received) * 100) / sent : null,
    rttMinMs: mn !== undefined ? tonumber(mn)! : null,
    rttAvgMs: avg !== undefined ? tonumber(avg)! : null,
    rttMaxMs: mx !== undefined ? tonumber(mx)! : null,
    rttMdevMs: dev !== undefined && dev !== '' ? tonumber(dev)! : null,
  };
}
