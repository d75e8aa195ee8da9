import type { Family, LastResort } from '../../contract/index.ts';
import { FAMILIES, LAST_RESORTS } from '../../contract/state-names.ts';
import { withDefaults, type TrackingOptions } from '../tracker/tracking-options.ts';
import { parseUci, uciList, uciString, type UciSection } from './uci.ts';

/** A config problem, naming the section and option, e.g. `interface 'wan' option 'down': …`. */
export class Mwan3ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Mwan3ConfigError';
  }
}

export interface Mwan3Interface {
  name: string;
  enabled: boolean;
  family: Family;
  tracking: TrackingOptions;
  flushConntrack: string[];
}

export interface Mwan3Member {
  name: string;
  iface: string;
  /** 1–256 is used; mwan3 ignores members with metric > 256 (kept here so policies can skip them). */
  metric: number;
  weight: number;
}

export interface Mwan3Policy {
  name: string;
  useMember: string[];
  lastResort: LastResort;
}

export interface Mwan3Rule {
  name?: string;
  usePolicy?: string;
  values: Record<string, string | string[]>;
}

export interface Mwan3Config {
  globals: Record<string, string | string[]>;
  interfaces: Mwan3Interface[];
  members: Mwan3Member[];
  policies: Mwan3Policy[];
  rules: Mwan3Rule[];
}

function where(s: UciSection, key?: string): string {
  const sec = `${s.type} '${s.name ?? `@${s.type} (line ${s.line})`}'`;
  return key !== undefined && key !== '' ? `${sec} option '${key}'` : sec;
}

/** `-?[0-9]+`, as mwan3's shell arithmetic accepts. */
function isIntegerText(text: string): boolean {
  const digits = text.startsWith('-') ? text.slice(1) : text;
  if (digits.length === 0) return false;
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function int(s: UciSection, key: string, min: number, max: number): number | undefined {
  const raw = uciString(s, key);
  if (raw === undefined) return undefined;
  if (!isIntegerText(raw.trim())) throw new Mwan3ConfigError(`${where(s, key)}: "${raw}" is not an integer`);
  const n = Number(raw.trim());
  if (n < min || n > max) throw new Mwan3ConfigError(`${where(s, key)}: ${n} is outside ${min}–${max}`);
  return n;
}

function bool(s: UciSection, key: string): boolean | undefined {
  const raw = uciString(s, key);
  if (raw === undefined) return undefined;
  if (['1', 'on', 'true', 'yes', 'enabled'].includes(raw)) return true;
  if (['0', 'off', 'false', 'no', 'disabled'].includes(raw)) return false;
  throw new Mwan3ConfigError(`${where(s, key)}: "${raw}" is not a boolean`);
}

function oneOf<T extends string>(s: UciSection, key: string, allowed: readonly T[]): T | undefined {
  const raw = uciString(s, key);
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw))
    throw new Mwan3ConfigError(`${where(s, key)}: "${raw}" is not one of ${allowed.join(', ')}`);
  return raw as T;
}

/** Drops undefined entries so that `withDefaults` fills them. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function parseInterface(s: UciSection): Mwan3Interface {
  const name = s.name ?? '';
  const family = oneOf(s, 'family', FAMILIES) ?? 'ipv4';
  const tracking = withDefaults(
    defined({
      family,
      trackMethod: uciString(s, 'track_method'),
      trackIps: uciList(s, 'track_ip'),
      reliability: int(s, 'reliability', 0, 1000),
      count: int(s, 'count', 1, 1000),
      sizeBytes: int(s, 'size', 0, 65507),
      maxTtl: int(s, 'max_ttl', 1, 255),
      timeoutS: int(s, 'timeout', 1, 3600),
      intervalS: int(s, 'interval', 1, 86400),
      failureIntervalS: int(s, 'failure_interval', 1, 86400),
      recoveryIntervalS: int(s, 'recovery_interval', 1, 86400),
      keepFailureInterval: bool(s, 'keep_failure_interval'),
      down: int(s, 'down', 0, 1000),
      up: int(s, 'up', 0, 1000),
      initialState: oneOf(s, 'initial_state', ['online', 'offline'] as const),
      checkQuality: bool(s, 'check_quality'),
      failureLatencyMs: int(s, 'failure_latency', 0, 10_000_000),
      recoveryLatencyMs: int(s, 'recovery_latency', 0, 10_000_000),
      failureLossPct: int(s, 'failure_loss', 0, 100),
      recoveryLossPct: int(s, 'recovery_loss', 0, 100),
      trackPort: int(s, 'track_port', 1, 65535),
      warnRttMs: int(s, 'warn_latency', 1, 10_000_000),
      warnLossPct: int(s, 'warn_loss', 1, 100),
    }),
  );
  return {
    name,
    enabled: bool(s, 'enabled') ?? false,
    family,
    tracking,
    flushConntrack: uciList(s, 'flush_conntrack'),
  };
}

/** Parses `/etc/config/mwan3` text into typed sections with mwan3's defaults applied. */
export function parseMwan3Config(text: string): Mwan3Config {
  const cfg: Mwan3Config = { globals: {}, interfaces: [], members: [], policies: [], rules: [] };
  for (const s of parseUci(text).sections) {
    if (s.type !== 'globals' && s.name === undefined && s.type !== 'rule') {
      throw new Mwan3ConfigError(`${where(s)}: mwan3 ${s.type} sections need a name`);
    }
    switch (s.type) {
      case 'globals':
        Object.assign(cfg.globals, Object.fromEntries(s.values));
        break;
      case 'interface':
        cfg.interfaces.push(parseInterface(s));
        break;
      case 'member': {
        const iface = uciString(s, 'interface');
        if (iface === undefined || iface === '') throw new Mwan3ConfigError(`${where(s, 'interface')}: missing`);
        cfg.members.push({
          name: s.name!,
          iface,
          metric: int(s, 'metric', 1, 1_000_000) ?? 1,
          weight: int(s, 'weight', 1, 1000) ?? 1,
        });
        break;
      }
      case 'policy':
        cfg.policies.push({
          name: s.name!,
          useMember: uciList(s, 'use_member'),
          lastResort: oneOf(s, 'last_resort', LAST_RESORTS) ?? 'unreachable',
        });
        break;
      case 'rule': {
        const rule: Mwan3Rule = { values: Object.fromEntries(s.values) };
        if (s.name !== undefined) rule.name = s.name;
        const p = uciString(s, 'use_policy');
        if (p !== undefined) rule.usePolicy = p;
        cfg.rules.push(rule);
        break;
      }
      default:
        break; // unknown section types are ignored, as mwan3 does
    }
  }
  return cfg;
}
