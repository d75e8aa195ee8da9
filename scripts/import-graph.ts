/** The folders that ship (the backend and the reporter), as opposed to tests, benches and dev tools. */
export const PRODUCT_FOLDERS = [
  'contract',
  'store',
  'backend',
  'ingest',
  'alerting',
  'reports',
  'dashboards',
  'device-reporter',
  'bin',
] as const;

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** The relative module specifiers a TypeScript file imports or re-exports (static, type-only and dynamic). */
export function localImports(text: string): string[] {
  return [...text.matchAll(IMPORT)].map((m) => m[1] as string);
}

/**
 * Every import cycle of a module graph (file -> files it imports), one per strongly connected
 * component of more than one file (or a file importing itself), each listed from its first file
 * in sort order. Tarjan's algorithm, iterative so a deep graph cannot overflow the stack.
 */
export function findCycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  for (const start of [...graph.keys()].sort()) {
    if (idx.has(start)) continue;
    const work: Array<{ node: string; next: number }> = [{ node: start, next: 0 }];
    idx.set(start, index);
    low.set(start, index++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const edges = (graph.get(top.node) ?? []).filter((n) => graph.has(n));
      if (top.next < edges.length) {
        const n = edges[top.next++]!;
        if (!idx.has(n)) {
          idx.set(n, index);
          low.set(n, index++);
          stack.push(n);
          onStack.add(n);
          work.push({ node: n, next: 0 });
        } else if (onStack.has(n)) low.set(top.node, Math.min(low.get(top.node)!, idx.get(n)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!));
      }
      if (low.get(top.node) === idx.get(top.node)) {
        const scc: string[] = [];
        let n: string;
        do {
          n = stack.pop()!;
          onStack.delete(n);
          scc.push(n);
        } while (n !== top.node);
        const selfLoop = scc.length === 1 && (graph.get(scc[0]!) ?? []).includes(scc[0]!);
        if (scc.length > 1 || selfLoop) out.push(scc.sort());
      }
    }
  }
  return out.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** scripts/layers.json: every top-level folder, and what each layered folder may import. */
export interface Layers {
  folders: string[];
  allowed: Record<string, string[]>;
}

const isTest = (f: string) => /(^|\/)test\/|\.test\.ts$/.test(f);

/** Imports of non-test files against the layers, as `from imports to` lines. */
export function layerViolations(graph: Map<string, string[]>, layers: Layers): string[] {
  const top = (f: string) => f.split('/')[0]!;
  const out: string[] = [];
  for (const [from, tos] of graph) {
    const allowed = layers.allowed[top(from)];
    if (!allowed || isTest(from)) continue;
    for (const to of tos) {
      const target = top(to);
      if (target === top(from) || !layers.folders.includes(target)) continue;
      if (!allowed.includes(target)) out.push(`${from} imports ${to}`);
    }
  }
  return out.sort();
}
