// The rooms match the layers: run by `npm run lint` (and so by `npm test`). Fails, naming each
// offending import, when
// - a module of the library imports the command line or the emulator (the library is what users
//   install and what the cloud functions bundle; neither may depend on a tool or a test stand-in);
// - any modules of src/ import each other in a circle, type-only imports included (a circle closed
//   by `import type` still means two modules that cannot be read, or moved, one without the other).
// Every static import and export-from counts, `import type` included; dynamic import() and
// require() count too, since a lazy load is still a dependency.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { PROJECT_ROOT } from './esbuild-plugins.mjs';

/** The command line: what may import anything. One list, for when files move. */
export const COMMAND_LINE = ['src/tools/', 'src/dashboard/'];
/** The emulator: a stand-in for WeChat, for tests, demos and benchmarks. */
export const EMULATOR = ['src/emulator/'];

const SRC = join(PROJECT_ROOT, 'src');

const within = (file, prefixes) => prefixes.some((prefix) => (prefix.endsWith('/') ? file.startsWith(prefix) : file === prefix));
/** What room a file of src/ is in. */
export const roomOf = (file) => (within(file, COMMAND_LINE) ? 'command line' : within(file, EMULATOR) ? 'emulator' : 'library');

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|cts)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** A relative specifier as the file of src/ it names, or undefined (a package, or outside src/). */
function resolveImport(from, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile() && candidate.startsWith(SRC)) return candidate;
    } catch {
      // Not this one.
    }
  }
  return undefined;
}

/** Each file of src/ (project-relative, with `/`) and the files of src/ it imports. */
export function importGraph(root = SRC) {
  const graph = new Map();
  const name = (path) => relative(PROJECT_ROOT, path).split('\\').join('/');
  for (const file of sourceFiles(root)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles.map((entry) => resolveImport(file, entry.fileName)).filter((target) => target !== undefined);
    graph.set(name(file), [...new Set(targets.map(name))]);
  }
  return graph;
}

/** Imports from the library into the command line or the emulator: `from -> to`. */
export function layerViolations(graph) {
  const found = [];
  for (const [from, targets] of graph) {
    if (roomOf(from) !== 'library') continue;
    for (const to of targets) if (roomOf(to) !== 'library') found.push(`${from} -> ${to} (the library imports the ${roomOf(to)})`);
  }
  return found;
}

/** Each circle, as its modules in import order (Tarjan's strongly connected components). */
export function circles(graph) {
  let index = 0;
  const indices = new Map();
  const lows = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (node) => {
    indices.set(node, index);
    lows.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        lows.set(node, Math.min(lows.get(node), lows.get(next)));
      } else if (onStack.has(next)) lows.set(node, Math.min(lows.get(node), indices.get(next)));
    }
    if (lows.get(node) !== indices.get(node)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    const selfImport = (graph.get(node) ?? []).includes(node);
    if (component.length > 1 || selfImport) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return found;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const graph = importGraph();
  const problems = [
    ...layerViolations(graph).map((line) => `layer: ${line}`),
    ...circles(graph).map((members) => `circle: ${members.join(', ')}`),
  ];
  if (problems.length > 0) {
    process.stderr.write(`check-imports: ${problems.length} problem(s)\n${problems.map((line) => `  ${line}`).join('\n')}\n`);
    process.exit(1);
  }
}
