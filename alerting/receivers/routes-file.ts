import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { ReceiverConfigError, receiversSchema, type Receiver } from './config.ts';
import { ROUTE_KINDS, WEEKDAYS, routeNotice, type Route, type RoutedNotice, type RoutingTable } from './routing.ts';

/** Receivers and the routing table, as alerting uses them. */
export interface ReceiverSetup extends RoutingTable {
  receivers: Receiver[];
}

const hhmm = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time HH:MM (00:00 to 23:59)')
  .transform((s) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3)));

const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an IANA time zone like Europe/Berlin' },
);

const routeSchema = z.strictObject({
  name: z.string().min(1).max(100),
  kinds: z.array(z.enum(ROUTE_KINDS)).min(1).optional(),
  devices: z.array(z.string().min(1).max(64)).min(1).optional(),
  sites: z.array(z.string().min(1).max(100)).min(1).optional(),
  time: z
    .strictObject({ timeZone, from: hhmm, to: hhmm, days: z.array(z.enum(WEEKDAYS)).min(1).optional() })
    .transform(({ from, to, ...t }) => ({ ...t, fromMin: from, toMin: to }))
    .optional(),
  receivers: z.array(z.string()).min(1),
  continue: z.boolean().optional(),
});

export const routesSchema = z.array(routeSchema);

const setupSchema = z.strictObject({
  receivers: receiversSchema,
  routes: routesSchema.default([]),
  /** Receivers of notices no route matched; every receiver when absent. */
  default: z.array(z.string()).optional(),
});

/** `receivers[1].url` from a zod path under `at` (empty `at`: starts at the first key). */
export function fieldOf(path: PropertyKey[], at = ''): string {
  const s = path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : `${acc}.${String(p)}`), at);
  return s.replace(/^\./, '') || '(root)';
}

/** Checks that every route and the default name configured receivers; the error names the field. */
export function checkReceiverNames(receivers: readonly Receiver[], routes: readonly Route[], def?: string[]): void {
  const known = new Set(receivers.map((r) => r.name));
  routes.forEach((r, i) =>
    r.receivers.forEach((n, j) => {
      if (!known.has(n)) throw new ReceiverConfigError(`routes[${i}].receivers[${j}]`, `no receiver named "${n}"`);
    }),
  );
  def?.forEach((n, j) => {
    if (!known.has(n)) throw new ReceiverConfigError(`default[${j}]`, `no receiver named "${n}"`);
  });
}

/** Validates a whole setup (the routes file's content); throws ReceiverConfigError naming the bad field. */
export function parseReceiverSetup(input: unknown): ReceiverSetup {
  const r = setupSchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ReceiverConfigError(fieldOf(issue.path), issue.message);
  }
  const { receivers, routes, default: def } = r.data;
  checkReceiverNames(receivers, routes, def);
  return { receivers, routes, defaultReceivers: def ?? receivers.map((x) => x.name) };
}

/**
 * Reads the routes file: YAML when it ends in `.yaml`/`.yml`, else JSON. Errors name the file,
 * the field (`routes[0].time.from`) and, in YAML, its line.
 */
export function loadReceiverSetup(path: string): ReceiverSetup {
  const yaml = /\.ya?ml$/i.test(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${path}: not readable (${(err as Error).message})`);
  }
  let raw: unknown;
  let doc: Document | undefined;
  const lines = new LineCounter();
  if (yaml) {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) throw new Error(`${path}: not valid YAML (${doc.errors[0]!.message})`);
    raw = doc.toJS({ maxAliasCount: 50 });
  } else {
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
    }
  }
  try {
    return parseReceiverSetup(raw);
  } catch (err) {
    if (!(err instanceof ReceiverConfigError) || !doc) throw new Error(`${path}: ${(err as Error).message}`);
    throw new Error(`${path}: ${err.message}${lineOf(doc, lines, err.field)}`);
  }
}

/** ` (line N)` of a field like `routes[0].time.from` in a YAML document, or '' when not found. */
function lineOf(doc: Document, lines: LineCounter, field: string): string {
  const path = [...field.matchAll(/\[(\d+)\]|([^.[\]]+)/g)].map((m) => (m[1] !== undefined ? Number(m[1]) : m[2]!));
  for (let n = path.length; n > 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return ` (line ${lines.linePos(node.range[0]).line})`;
  }
  return '';
}

/** The receivers a notice goes to under a setup (routeNotice over the configured receivers). Pure. */
export function pickReceivers(setup: ReceiverSetup, n: RoutedNotice): Receiver[] {
  const names = new Set(routeNotice(n, setup));
  return setup.receivers.filter((r) => names.has(r.name));
}
