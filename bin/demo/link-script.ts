/**
 * What the simulated links of a demo device do over time. Pure: the condition of a link is a
 * function of the script and the time since the demo started.
 *
 * Scripts repeat every `cycleMs`. Each device gets one of three stories, by index:
 *
 * | story       | eth1 (metric 1)            | eth0 (metric 2)                 | what people see                      |
 * |-------------|----------------------------|---------------------------------|--------------------------------------|
 * | `failover`  | down 20 %–45 % of cycle    | up                              | "eth1 DOWN — traffic now on eth0", then resolved with duration |
 * | `degraded`  | up                         | degraded 10 %–35 %, down 55 %–75 % | latency/loss on the dashboards, eth0 down/up |
 * | `site-dark` | down 15 %–45 %             | down 20 %–45 %                  | eth1 down, then "device unreachable", then "back online" with the back-filled transitions |
 */
export type LinkCondition = 'up' | 'down' | 'degraded';
export type Story = 'failover' | 'degraded' | 'site-dark';
export const STORIES: readonly Story[] = ['failover', 'degraded', 'site-dark'];

interface Window {
  link: string;
  condition: Exclude<LinkCondition, 'up'>;
  fromFrac: number;
  toFrac: number;
}

const WINDOWS: Record<Story, Window[]> = {
  failover: [{ link: 'eth1', condition: 'down', fromFrac: 0.2, toFrac: 0.45 }],
  degraded: [
    { link: 'eth0', condition: 'degraded', fromFrac: 0.1, toFrac: 0.35 },
    { link: 'eth0', condition: 'down', fromFrac: 0.55, toFrac: 0.75 },
  ],
  'site-dark': [
    { link: 'eth1', condition: 'down', fromFrac: 0.15, toFrac: 0.45 },
    { link: 'eth0', condition: 'down', fromFrac: 0.2, toFrac: 0.45 },
  ],
};

export function storyFor(index: number): Story {
  return STORIES[index % STORIES.length]!;
}

export function conditionAt(story: Story, link: string, elapsedMs: number, cycleMs: number): LinkCondition {
  const frac = (((elapsedMs % cycleMs) + cycleMs) % cycleMs) / cycleMs;
  const w = WINDOWS[story].find((x) => x.link === link && frac >= x.fromFrac && frac < x.toFrac);
  return w ? w.condition : 'up';
}

/** True while every link of the story is down: the simulated site cannot reach the cloud. */
export function allDown(story: Story, links: readonly string[], elapsedMs: number, cycleMs: number): boolean {
  return links.every((l) => conditionAt(story, l, elapsedMs, cycleMs) === 'down');
}
