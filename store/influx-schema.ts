/**
 * InfluxDB names: database layout, retention policies, measurements, tags and fields.
 * Documented in docs/metrics.md; renaming anything here breaks users' queries and dashboards.
 * Units are in field names. Tags stay low-cardinality: device, iface, target, policy, family, kind, status.
 * Tag values are written through `encodeTagValue` (see tag-encoding.ts).
 */

/** Retention policies. `raw` is the default RP of the database. */
export const RP = {
  /** Raw samples; 30 days by default (WANWATCH_RAW_RETENTION). */
  raw: 'raw',
  /** 1-minute rollups made by continuous queries; 400 days. */
  rollup: 'rollup_1m',
  /** Transitions, incidents, notifications, device reachability: kept forever (uptime reports are computed from them). */
  forever: 'forever',
  /** The audit log of API writes (`wanwatch_audit`); AUDIT_RETENTION. */
  audit: 'audit',
} as const;

export const DEFAULT_RAW_RETENTION = '30d';
export const ROLLUP_RETENTION = '400d';
/** How long the audit log keeps API writes (RP `audit`). */
export const AUDIT_RETENTION = '400d';

export const M = {
  /** One point per tracker round per interface (RP raw). */
  iface: 'wan_iface',
  /** One point per probed target per round (RP raw). */
  target: 'wan_target',
  /** One point per policy member per policy snapshot (RP raw): its share of new connections. */
  policyMember: 'wan_policy_member',
  /** One point per policy per snapshot (RP raw): which members are active, last resort. */
  policy: 'wan_policy',
  /** Interface state transitions decided by the device (RP forever). */
  transition: 'wan_transition',
  /** Device reachability decided by the cloud watchdog (RP forever). */
  deviceState: 'wan_device_state',
  /** Registry name and site of a device, written when it is added, changed or removed (RP forever). */
  deviceInfo: 'wan_device_info',
  /** Changes of a link's degraded verdict, cloud-side or router-side (RP forever; tags device, iface). */
  linkQuality: 'wan_link_quality',
  /** Incidents opened/updated/resolved by alerting (RP forever). */
  incident: 'wan_incident',
  /** Every notification attempt (RP forever). */
  notification: 'wan_notification',
  /** 1-minute rollup of wan_iface (RP rollup_1m), written by a continuous query. */
  ifaceRollup: 'wan_iface_1m',
  /** 1-minute rollup of wan_target (RP rollup_1m). */
  targetRollup: 'wan_target_1m',
  /** One point per API write by a token (RP audit; tags role, method): who, what, outcome. */
  audit: 'wanwatch_audit',
} as const;

export const TAG = {
  device: 'device',
  iface: 'iface',
  target: 'target',
  policy: 'policy',
  family: 'family',
  kind: 'kind',
  status: 'status',
} as const;

/** Fields of `wan_iface`. */
export const IFACE_FIELDS = {
  state: 'state', // string: IfaceState
  stateCode: 'state_code', // integer: STATE_CODE[state]
  up: 'up', // integer 0/1: state === 'online'
  score: 'score', // integer
  roundOk: 'round_ok', // integer 0/1
  degraded: 'degraded', // integer 0/1
  rttAvgMs: 'rtt_avg_ms', // float, absent when no reply
  rttMinMs: 'rtt_min_ms',
  rttMaxMs: 'rtt_max_ms',
  lossPct: 'loss_pct', // float 0..100
  jitterMs: 'jitter_ms',
  seq: 'seq', // integer
  linuxDevice: 'linux_device', // string
} as const;

/** Fields of `wan_target`. */
export const TARGET_FIELDS = {
  status: 'status_text', // string: up|down|skipped|unknown
  up: 'up', // integer 0/1
  sent: 'sent',
  received: 'received',
  rttAvgMs: 'rtt_avg_ms',
  rttMinMs: 'rtt_min_ms',
  rttMaxMs: 'rtt_max_ms',
  lossPct: 'loss_pct',
  jitterMs: 'jitter_ms',
} as const;

/** Fields of `wan_policy_member` (tags device, policy, family, iface). */
export const POLICY_MEMBER_FIELDS = { sharePct: 'share_pct', metric: 'metric', weight: 'weight' } as const;
/** Fields of `wan_policy` (tags device, policy, family). */
export const POLICY_FIELDS = {
  activeMembers: 'active_members', // string: comma-joined ifaces carrying traffic
  lastResort: 'last_resort', // string
  lastResortActive: 'last_resort_active', // integer 0/1
} as const;

/** Fields of `wan_transition` (tags device, iface). */
export const TRANSITION_FIELDS = {
  from: 'from_state',
  to: 'to_state',
  toCode: 'to_code', // integer STATE_CODE
  up: 'up', // integer 0/1 after the transition
  score: 'score',
  reason: 'reason',
  seq: 'seq',
  bootId: 'boot_id',
} as const;

/** Fields of `wan_link_quality` (tags device, iface): one point per change of the degraded verdict. */
export const LINK_QUALITY_FIELDS = {
  degraded: 'degraded', // boolean
  source: 'source', // 'cloud' | 'router'
  lossPct: 'loss_pct', // float, window figure (cloud only)
  rttP95Ms: 'rtt_p95_ms', // float (cloud only, when measured)
  jitterMs: 'jitter_ms', // float (cloud only, when measured)
} as const;

/** Fields of `wan_device_state` (tag device): cloud-side reachability. */
export const DEVICE_STATE_FIELDS = {
  state: 'state', // 'reachable' | 'unreachable'
  reachable: 'reachable', // integer 0/1
  lastSeenMs: 'last_seen_ms', // integer
} as const;

/**
 * Fields of `wan_device_info` (tag device): what Grafana needs to show a device by name without a
 * registry lookup. Latest point per device wins; `removed` = 1 once it is deleted from the registry.
 */
export const DEVICE_INFO_FIELDS = {
  name: 'name', // string
  site: 'site', // string, '' when none
  removed: 'removed', // integer 0/1
} as const;

/** Fields of `wan_incident` (tags device, kind, status). */
export const INCIDENT_FIELDS = {
  incidentId: 'incident_id',
  iface: 'iface_name',
  title: 'title',
  text: 'text',
  durationMs: 'duration_ms',
} as const;

/** Fields of `wan_notification` (tags device, status: sent|failed|retrying|suppressed|no_recipients). */
export const NOTIFICATION_FIELDS = {
  incidentId: 'incident_id',
  notificationId: 'notification_id',
  recipients: 'recipients',
  subject: 'subject',
  attempt: 'attempt',
  error: 'error',
  messageId: 'message_id',
} as const;

/**
 * Timestamp (ns) of a transition point. Two transitions of one interface can share a millisecond
 * (mwan3 with `up 1` emits `connecting` and `connected` in one round), and InfluxDB keeps one point
 * per series and timestamp, so the sub-millisecond digits carry `seq % 1e6`: unique, and the same on
 * every retry, so a retried batch rewrites the point instead of adding one.
 */
export function transitionTimestampNs(timeMs: number, seq: number): string {
  return (BigInt(timeMs) * 1_000_000n + BigInt(seq % 1_000_000)).toString();
}
