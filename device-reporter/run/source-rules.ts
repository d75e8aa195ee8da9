import { execFile } from 'node:child_process';
import type { ReporterLogger } from '../spool/logger.ts';
import type { UploadRoute } from '../uploader/routes.ts';

/**
 * Optional (`source_rules 1`): makes "bind the upload to a WAN's source address" pick that WAN on
 * a stock mwan3 router. mwan3 routes by firewall mark and incoming interface only (its rules
 * 1000+id iif, 2000+id fwmark, 3000+id unreachable), and `mwan3 use` sets the mark through an
 * LD_PRELOAD library that a Node process cannot load. One rule per WAN,
 * `ip rule add pref 900+id from <source address> lookup <id>`, sends traffic from that address
 * into mwan3's own table for the WAN (id = the interface's 1-based position among the `interface`
 * sections of /etc/config/mwan3, as mwan3_get_iface_id counts). Forwarded LAN traffic is not
 * affected (its source is a LAN address until SNAT, which comes after routing).
 */
export const SOURCE_RULE_PREF_BASE = 900;

export interface SourceRule {
  pref: number;
  from: string;
  table: number;
  family: 'ipv4' | 'ipv6';
}

/** The rules for the current routes. Pure. `ifaceOrder` lists every mwan3 interface section in file order. */
export function planSourceRules(
  ifaceOrder: readonly { name: string; family: 'ipv4' | 'ipv6' }[],
  routes: readonly UploadRoute[],
): SourceRule[] {
  const out: SourceRule[] = [];
  for (const r of routes) {
    const idx = ifaceOrder.findIndex((i) => i.name === r.iface);
    if (idx < 0 || r.localAddress === undefined) continue;
    out.push({
      pref: SOURCE_RULE_PREF_BASE + idx + 1,
      from: r.localAddress,
      table: idx + 1,
      family: ifaceOrder[idx]!.family,
    });
  }
  return out;
}

export type IpRunner = (args: string[]) => Promise<void>;

const ipCommand: IpRunner = (args) =>
  new Promise((resolve, reject) => execFile('ip', args, { timeout: 5_000 }, (err) => (err ? reject(err) : resolve())));

export interface SourceRuleManager {
  /** Installs what changed (serialised; called whenever routes are computed). */
  sync(rules: readonly SourceRule[]): void;
  /** Removes every rule this process installed. */
  clear(): Promise<void>;
}

export function createSourceRuleManager(deps: { logger: ReporterLogger; ip?: IpRunner }): SourceRuleManager {
  const ip = deps.ip ?? ipCommand;
  const installed = new Map<number, SourceRule>();
  let chain: Promise<void> = Promise.resolve();
  let lastKey = '';
  const fam = (r: SourceRule) => (r.family === 'ipv6' ? '-6' : '-4');

  async function apply(rules: readonly SourceRule[]): Promise<void> {
    const want = new Map(rules.map((r) => [r.pref, r]));
    for (const [pref, r] of installed) {
      const w = want.get(pref);
      if (w && w.from === r.from && w.table === r.table) continue;
      await ip([fam(r), 'rule', 'del', 'pref', String(pref)]).catch(() => undefined);
      installed.delete(pref);
    }
    for (const r of rules) {
      if (installed.has(r.pref)) continue;
      // A rule left by a crashed run has the same pref: replace it.
      await ip([fam(r), 'rule', 'del', 'pref', String(r.pref)]).catch(() => undefined);
      try {
        await ip([fam(r), 'rule', 'add', 'pref', String(r.pref), 'from', r.from, 'lookup', String(r.table)]);
        installed.set(r.pref, r);
        deps.logger.info({ rule: r }, 'source rule installed: uploads from this address use its WAN');
      } catch (err) {
        deps.logger.warn(
          { err, rule: r },
          'could not install source rule; uploads through this WAN may take the default route',
        );
      }
    }
  }

  return {
    sync(rules) {
      const key = JSON.stringify(rules);
      if (key === lastKey) return;
      lastKey = key;
      chain = chain.then(() => apply(rules));
    },
    async clear() {
      lastKey = '';
      chain = chain.then(() => apply([]));
      await chain;
    },
  };
}
