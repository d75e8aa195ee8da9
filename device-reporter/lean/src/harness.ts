/**
 * Test entry of the lean build (dist/lean-harness.lua, never installed): runs the shared core's
 * pure functions and the lean spool on JSON from stdin, so the parity tests
 * (device-reporter/lean/*.test.ts) can hold the Lua build to the Node build's expectations.
 *
 *   vectors                JSON {score, classify, verdict, metrics, policies} in -> results out
 *   tls-names              JSON [[certificate name, host], …] in -> [matches?, …] out
 *   crc32 [impl]           JSON array of strings in -> [{impl, crcs}] per implementation installed
 *   spool-append DIR BOOT  one unsequenced record per stdin line; prints each seq as it is spooled
 *   spool-pending DIR      prints every pending entry as a JSON line, then {"stats":…}
 *   spool-ack DIR SEQ…     acknowledges those seqs
 */
import type { ProbeResult } from '../../tracker/prober.ts';
import type { TargetResult, TargetStatus } from '../../../contract/index.ts';
import { parseMwan3Config } from '../../config/mwan3-config.ts';
import { computePolicySplits } from '../../policies/compute-policy-splits.ts';
import { classifyTarget, ifaceMetrics, roundVerdict, type QualityOptions } from '../../tracker/round.ts';
import { applyRound, firstConnect, type ScoreOptions } from '../../tracker/score-machine.ts';
import { crc32, crc32Impls, type Crc32Impl } from './platform/crc32.ts';
import { nameMatches } from './platform/tls.ts';
import { decodeJson } from './platform/json-decode.ts';
import { encodeJson } from './platform/json-encode.ts';
import { writeOut } from './platform/system.ts';
import { openLeanSpool, type LeanSpoolOptions, type UnsequencedRecord } from './spool/lean-spool.ts';

interface Vectors {
  score: { opts: ScoreOptions; rounds: { ok: boolean; lost: number }[] }[];
  classify: { probe: ProbeResult; opts: QualityOptions }[];
  verdict: { statuses: TargetStatus[]; reliability: number }[];
  metrics: TargetResult[][];
  policies: { mwan3: string; online: string[] }[];
}

function runVectors(v: Vectors): unknown {
  return {
    score: v.score.map((c) => {
      let s = firstConnect(c.opts);
      const steps: unknown[] = [s];
      for (const r of c.rounds) {
        const step = applyRound(s, r.ok, r.lost, c.opts);
        s = step.state;
        steps.push(step);
      }
      return steps;
    }),
    classify: v.classify.map((c) => classifyTarget(c.probe, c.opts)),
    verdict: v.verdict.map((c) => roundVerdict(c.statuses, c.reliability)),
    metrics: v.metrics.map((targets) => ifaceMetrics(targets)),
    policies: v.policies.map((c) => computePolicySplits(parseMwan3Config(c.mwan3), c.online)),
  };
}

function spoolOpts(dir: string): LeanSpoolOptions {
  const fsync = os.getenv('SPOOL_FSYNC');
  const max = os.getenv('SPOOL_MAX_BYTES');
  const seg = os.getenv('SPOOL_SEGMENT_BYTES');
  return {
    dir,
    fsync: fsync === 'always' || fsync === 'never' ? fsync : 'important',
    ...(max !== undefined ? { maxBytes: tonumber(max)! } : {}),
    ...(seg !== undefined ? { segmentBytes: tonumber(seg)! } : {}),
  };
}

const readStdin = (): string => (io.read('*a') as string | undefined) ?? '';

function main(argv: string[]): number {
  const [cmd, dir, ...rest] = argv;
  if (cmd === 'vectors') {
    writeOut(encodeJson(runVectors(decodeJson(readStdin()).value as Vectors)) + '\n');
  } else if (cmd === 'tls-names') {
    const pairs = decodeJson(readStdin()).value as [string, string][];
    writeOut(encodeJson(pairs.map(([pattern, host]) => nameMatches(pattern, host))) + '\n');
  } else if (cmd === 'crc32') {
    const texts = decodeJson(readStdin()).value as string[];
    const impls = dir === undefined ? crc32Impls() : [dir as Crc32Impl];
    writeOut(encodeJson(impls.map((impl) => ({ impl, crcs: texts.map((s) => crc32(s, impl)) }))) + '\n');
  } else if (cmd === 'spool-append' && dir !== undefined) {
    const spool = openLeanSpool(spoolOpts(dir));
    for (;;) {
      const line = io.read('*l') as string | undefined;
      if (line === undefined) break;
      if (line === '') continue;
      const e = spool.append(rest[0] ?? 'lean', decodeJson(line).value as UnsequencedRecord);
      writeOut(`${e.seq}\n`);
      io.stdout.flush();
    }
    spool.close();
  } else if (cmd === 'spool-pending' && dir !== undefined) {
    const spool = openLeanSpool(spoolOpts(dir));
    for (const e of spool.pending()) writeOut(`{"seq":${e.seq},"bootId":${encodeJson(e.bootId)},"record":${e.json}}\n`);
    writeOut(`{"stats":${encodeJson(spool.stats())}}\n`);
  } else if (cmd === 'spool-ack' && dir !== undefined) {
    const spool = openLeanSpool(spoolOpts(dir));
    spool.ack(rest.map((s) => tonumber(s)!));
    spool.close();
  } else {
    io.stderr.write(`lean-harness: unknown command ${String(cmd)}\n`);
    return 2;
  }
  return 0;
}

os.exit(main([...$vararg]));
