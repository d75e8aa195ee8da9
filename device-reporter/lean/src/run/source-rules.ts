import { planSourceRules, type SourceRule } from '../../../run/source-rule-plan.ts';
import type { UploadRoute } from '../../../uploader/route-order.ts';
import { runSync } from '../platform/children.ts';
import { encodeJson } from '../platform/json-encode.ts';
import type { LeanLogger } from './lean-logger.ts';

/**
 * `source_rules 1` in the lean build: the same rules as the Node build (run/source-rules.ts,
 * `ip rule add pref 900+id from <WAN address> lookup <id>`), installed when the routes change and
 * removed on exit.
 */
export function createLeanSourceRules(log: LeanLogger, nowMs: (this: void) => number) {
  const installed = new Map<number, SourceRule>();
  let lastKey = '';
  const ip = (args: string[]): boolean => runSync(['ip', ...args], 5_000, nowMs).code === 0;
  const fam = (r: SourceRule): string => (r.family === 'ipv6' ? '-6' : '-4');
  function apply(rules: readonly SourceRule[]): void {
    const want = new Map(rules.map((r) => [r.pref, r]));
    for (const [pref, r] of [...installed]) {
      const w = want.get(pref);
      if (w !== undefined && w.from === r.from && w.table === r.table) continue;
      ip([fam(r), 'rule', 'del', 'pref', String(pref)]);
      installed.delete(pref);
    }
    for (const r of rules) {
      if (installed.has(r.pref)) continue;
      ip([fam(r), 'rule', 'del', 'pref', String(r.pref)]);
      if (ip([fam(r), 'rule', 'add', 'pref', String(r.pref), 'from', r.from, 'lookup', String(r.table)])) {
        installed.set(r.pref, r);
        log.info({ rule: r }, 'source rule installed: uploads from this address use its WAN');
      } else
        log.warn({ rule: r }, 'could not install source rule; uploads through this WAN may take the default route');
    }
  }
  return {
    sync(ifaceOrder: readonly { name: string; family: 'ipv4' | 'ipv6' }[], routes: readonly UploadRoute[]): void {
      const rules = planSourceRules(ifaceOrder, routes);
      const key = encodeJson(rules);
      if (key === lastKey) return;
      lastKey = key;
      apply(rules);
    },
    clear(): void {
      lastKey = '';
      apply([]);
    },
  };
}
