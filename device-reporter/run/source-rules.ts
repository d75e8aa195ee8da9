import { execFile } from 'node:child_process';
import type { ReporterLogger } from '../spool/logger.ts';
import type { SourceRule } from './source-rule-plan.ts';

export { planSourceRules, SOURCE_RULE_PREF_BASE, type SourceRule } from './source-rule-plan.ts';

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
