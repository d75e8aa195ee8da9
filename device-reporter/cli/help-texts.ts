/**
 * Help texts shared by both reporter builds (Node and Lua), so `--help` reads the same on every
 * router.
 */

export const RENDER_MWAN3_HELP = `wanwatch-reporter render-mwan3 --multiwan FILE [--network-config FILE]

Prints the /etc/config/mwan3 that the cloud's multiWanV2 settings produce.
  --multiwan FILE         last_config_response.json (or a bare multiWanV2 block)
  --network-config FILE   /etc/config/network; WANs without an interface there get no section`;

export const STATUS_HELP = `wanwatch-reporter status [--config FILE] [--spool-dir DIR] [--mwan3-config FILE] [--assume-online eth0,eth1]

Says whether the reporter runs, prints its record counters, then the live state in the layout of
\`mwan3 status\`: interfaces, then policies with percentages. A reporter that is not running (pid
gone, or stopped) or whose status file is stale (older than 3 update intervals) is said so plainly,
and its last states are not shown as live.

Settings come from UCI /etc/config/wanwatch (spool_dir, mwan3_config), then the WANWATCH_*
environment variables, then the flags — the same places \`run\` reads.
  --config FILE           another UCI file (or WANWATCH_REPORTER_CONFIG)
  --spool-dir DIR         where the running reporter writes status.json (default /tmp/wanwatch)
  --mwan3-config FILE     default /etc/config/mwan3
  --network-config FILE   accepted for symmetry with run; not needed for the output
  --assume-online LIST    what if only these links were up (comma-separated; empty = none); no reporter needed

Exit codes: 0 reporter running (or --assume-online), 3 no reporter running or state stale, 2 bad input.`;

export const RUN_HELP = `wanwatch-reporter run — track every WAN, spool, upload to the wanwatch backend

Usage: wanwatch-reporter run --server URL --device-id ID --token TOKEN
         [--mwan3-config /etc/config/mwan3] [--network-config /etc/config/network]
         [--spool-dir /tmp/wanwatch] [--source native|mwan3]
         [--spool-max-bytes 4194304] [--policy-interval 10] [--upload-interval 5] [--log-level info]
         [--source-rules 0|1]
         [--config /etc/config/wanwatch]

Settings come from UCI /etc/config/wanwatch (config reporter 'main'), then WANWATCH_* environment
variables (WANWATCH_SERVER, WANWATCH_DEVICE_ID, WANWATCH_TOKEN, WANWATCH_MWAN3_CONFIG,
WANWATCH_NETWORK_CONFIG, WANWATCH_SPOOL_DIR, WANWATCH_SOURCE, WANWATCH_SPOOL_MAX_BYTES,
WANWATCH_POLICY_INTERVAL, WANWATCH_UPLOAD_INTERVAL, WANWATCH_LOG_LEVEL, WANWATCH_SOURCE_RULES), then flags;
later wins. --upload-interval S: samples wait at most S seconds (default 5) for a batch; transitions go at once.

  --source native   probe each WAN like mwan3track does (default)
  --source mwan3    take link state from \`ubus call mwan3 status\` (mwan3 already tracks)
  --source-rules 1  add \`ip rule from <WAN address> lookup <mwan3 table>\` per WAN so that uploads
                    bound to a WAN's address leave through that WAN (removed on exit)

Lifecycle (records per interface; docs/openwrt.md):
  start     'start' from the last confirmed state of the previous run (kept in
            <spool-dir>/confirmed-links.json) to initial_state; routing follows initial_state.
            When the probes confirm a different state, one 'track' transition says so.
  SIGHUP    re-reads the mwan3/network config: unchanged interfaces keep their state (no records);
            changed, added or removed ones get 'config' transitions.
  SIGTERM   (or SIGINT) 'stop' to unknown for every interface, no policy snapshot, then the spool
            is flushed for up to 5 s and the process exits.
  hotplug   /etc/hotplug.d/iface/30-wanwatch writes netifd's ifdown/ifup to <spool-dir>/hotplug/:
            ifdown takes the interface offline at once ('ifdown'), ifup restarts its tracking ('ifup').
\`wanwatch-reporter status\` says whether the reporter runs and shows its record counters.
Logs are JSON lines on stderr. Exit codes: 0 stopped cleanly, 2 bad settings, 1 failure.`;

/** The reporter's commands and their one-line summaries, in help order. */
export const REPORTER_COMMANDS: ReadonlyArray<readonly [name: string, summary: string]> = [
  ['run', 'track every WAN, spool and upload to the wanwatch backend'],
  ['render-mwan3', 'print the /etc/config/mwan3 that multiWanV2 settings produce'],
  ['status', 'is the reporter running, its record counters, live state as `mwan3 status`'],
];

export const REPORTER_HELP = `wanwatch-reporter — the wanwatch agent for mwan3 routers

Usage: wanwatch-reporter <command> [options]   (wanwatch-reporter <command> --help for details)

Commands:
${REPORTER_COMMANDS.map(([name, summary]) => `  ${name.padEnd(13)} ${summary}`).join('\n')}
`;
