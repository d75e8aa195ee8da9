/**
 * Compiles the lean reporter (device-reporter/lean/src/main.ts plus the shared pure core it
 * imports) with TypeScriptToLua into ONE Lua 5.1 file, dist/wanwatch-reporter.lua, for routers
 * without Node.js (docs/lean-reporter.md). Only the files reachable through run-time imports are
 * compiled: `import type` of contract/ brings the types, never zod, onto the device. The build
 * fails when a compiled file needs zod, Node built-ins or backend code.
 *
 *   npm run bundle:reporter-lua     -> prints one JSON line {"bundle":...,"bytes":...}
 */
import { chmodSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import * as tstl from 'typescript-to-lua';

const root = join(import.meta.dirname, '..');
const leanDir = join(root, 'device-reporter', 'lean');

/** The Lua libraries of the platform layer (OpenWrt packages luasocket and luaposix). */
const LUA_MODULES = [
  'socket',
  'socket.core',
  'posix.signal',
  'posix.unistd',
  'posix.sys.wait',
  'posix.poll',
  'posix.fcntl',
  'posix.sys.stat',
  'posix.dirent',
  'posix.stdlib',
  'posix.time',
  'posix.sys.wait',
];

/** Module specifiers a file imports for their values (type-only imports and exports are skipped). */
function runtimeImports(sf: ts.SourceFile): string[] {
  const out: string[] = [];
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      const clause = st.importClause;
      if (clause?.isTypeOnly) continue;
      const named = clause?.namedBindings;
      const allTypes =
        clause !== undefined &&
        clause.name === undefined &&
        named !== undefined &&
        ts.isNamedImports(named) &&
        named.elements.every((e) => e.isTypeOnly);
      if (!allTypes) out.push(st.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(st) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      if (!st.isTypeOnly) out.push(st.moduleSpecifier.text);
    }
  }
  return out;
}

/** The entry and every file it reaches through run-time imports. */
function reachable(program: ts.Program, entry: string): ts.SourceFile[] {
  const seen = new Map<string, ts.SourceFile>();
  const bad: string[] = [];
  const visit = (fileName: string): void => {
    if (seen.has(fileName)) return;
    const sf = program.getSourceFile(fileName);
    if (!sf) throw new Error(`not in the program: ${fileName}`);
    seen.set(fileName, sf);
    for (const spec of runtimeImports(sf)) {
      if (LUA_MODULES.includes(spec)) continue;
      if (!spec.startsWith('.')) {
        bad.push(`${relative(root, fileName)} imports "${spec}"`);
        continue;
      }
      visit(resolve(dirname(fileName), spec));
    }
  };
  visit(entry);
  const backend = [...seen.keys()].filter((p) =>
    /(^|\/)(ingest|alerting|dashboards|reports|stack)\//.test(relative(root, p)),
  );
  for (const p of backend) bad.push(`backend code: ${relative(root, p)}`);
  if (bad.length > 0) throw new Error(`the lean reporter may import only its own files:\n  ${bad.join('\n  ')}`);
  return [...seen.values()];
}

/** The installed reporter, and the test entry that runs the core's vectors and the spool (never installed). */
export const LUA_ENTRIES = {
  reporter: { entry: 'src/main.ts', out: 'wanwatch-reporter.lua' },
  harness: { entry: 'src/harness.ts', out: 'lean-harness.lua' },
} as const;

export interface LuaBuild {
  bundle: string;
  bytes: number;
  /** The TypeScript files compiled into it, relative to the repository root. */
  files: string[];
}

export function buildLua(which: keyof typeof LUA_ENTRIES = 'reporter'): LuaBuild {
  const { entry, out } = LUA_ENTRIES[which];
  const outfile = join(root, 'dist', out);
  try {
    return compile(entry, out, outfile);
  } catch (e) {
    // A failed build leaves no stale bundle behind to be taken for the current sources.
    rmSync(outfile, { force: true });
    throw e;
  }
}

function compile(entry: string, out: string, outfile: string): LuaBuild {
  const parsed = tstl.parseConfigFileWithSystem(join(leanDir, 'tsconfig.json'), {
    luaBundle: out,
    luaBundleEntry: entry,
  });
  if (parsed.errors.length > 0) throw new Error(ts.formatDiagnostics(parsed.errors, formatHost));
  const options: tstl.CompilerOptions = {
    ...parsed.options,
    outDir: join(root, 'dist', 'lean-build'),
    noEmit: false,
    noResolvePaths: LUA_MODULES,
  };
  const program = ts.createProgram({ rootNames: parsed.fileNames, options });
  const files = reachable(program, join(leanDir, entry));
  const pre = files.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]);
  if (pre.length > 0) throw new Error(ts.formatDiagnostics(pre, formatHost));
  let lua: string | undefined;
  const { diagnostics } = new tstl.Transpiler().emit({
    program,
    sourceFiles: files,
    writeFile: (name, data) => {
      if (name.endsWith('.lua')) lua = data;
    },
  });
  const errors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) throw new Error(ts.formatDiagnostics(errors, formatHost));
  if (lua === undefined) throw new Error('TypeScriptToLua wrote no bundle');
  // Written aside and renamed: test files build in parallel and run the file while others rebuild it.
  mkdirSync(dirname(outfile), { recursive: true });
  const tmp = `${outfile}.${process.pid}.tmp`;
  writeFileSync(tmp, `#!/usr/bin/env lua\n${compact(lua)}`);
  chmodSync(tmp, 0o755);
  renameSync(tmp, outfile);
  return { bundle: `dist/${out}`, bytes: statSync(outfile).size, files: files.map((f) => relative(root, f.fileName)) };
}

/**
 * Drops the indentation (a fifth of the file; flash is what the lean build saves). Lua long
 * brackets could hold text where leading blanks matter: with any in the output, it stays as is.
 */
function compact(lua: string): string {
  if (/\[=*\[/.test(lua)) return lua;
  return lua.replace(/^[ \t]+/gm, '');
}

const formatHost: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => root,
  getNewLine: () => '\n',
};

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  try {
    const which = process.argv.includes('--harness') ? 'harness' : 'reporter';
    const { bundle, bytes, files } = buildLua(which);
    console.log(JSON.stringify({ bundle, bytes, inputs: files.length }));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
