/**
 * `npm run bench`: cold start and warm call cost of every cloud function under cloudfunctions/,
 * against the API page's sample function with stock wx-server-sdk (the reference) and against the
 * floor (test/fixtures/floor-function: one signed request with Node's http and crypto alone).
 * Fresh processes, rotating order, a successful application on the loopback emulator every time.
 * A benchmark, not a test: it prints, it asserts nothing about time. See docs/cold-start.md.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_MINI_PROGRAM_APPID, startEmulator, type Emulator } from '../emulator/gateway';
import { PluginWorld, type Application } from '../emulator/plugin-world';
import { DEMO_APP_SECRET } from '../emulator/https-api';
import { findWechatNode, grantedApis, invokeCloudFunction, nodeFromOption, platformEnvironment, PROJECT_ROOT, WECHAT_NODE_VERSIONS } from '../platform/invoke';

const REFERENCE = join(PROJECT_ROOT, 'test', 'fixtures', 'reference-function');
const FLOOR = join(PROJECT_ROOT, 'test', 'fixtures', 'floor-function');
const ADMIN = 'oBenchAdmin_000000000000000001';
const PLUGIN = 'wx0123456789abcdef';
const REASON = 'cold start benchmark';

/** The event that makes each function apply for PLUGIN; a function not listed here gets the `action` form. */
const EVENTS: Readonly<Record<string, unknown>> = {
  applyPlugin: { pluginAppid: PLUGIN, reason: REASON },
  pluginManager: { action: 'apply', pluginAppid: PLUGIN, reason: REASON },
};
const eventFor = (name: string): unknown => EVENTS[name] ?? { action: 'apply', pluginAppid: PLUGIN, reason: REASON };

/** The cold-start targets (docs/cold-start.md), printed beside the ratios. */
const TARGETS = { cold: 0.15, rss: 0.65, warm: 1.05 };

/** Every application succeeds: the warm loop applies hundreds of times for the same plugin. */
class ForgetfulWorld extends PluginWorld {
  override add(application: Omit<Application, 'createdAt'>): Application {
    const added = super.add(application);
    this.restore([]);
    return added;
  }
}

interface Side {
  /** 'reference', 'floor', a function's folder name, or `phases:NAME` for its phase runs. */
  readonly key: string;
  readonly dir: string;
  readonly event: unknown;
  readonly phases?: boolean;
}

/** What scf-bootstrap.cjs reports with SCF_BOOTSTRAP_PHASES=1. */
interface Phases {
  readonly readMs: number;
  readonly compileMs: number;
  readonly evaluateMs: number;
  readonly initMs: number;
  readonly idleMs: number;
  /** Whether index.js compiled bundle.js from a V8 code cache, and whether V8 took it. */
  readonly cache: 'none' | 'accepted' | 'rejected';
}

interface ColdSample {
  readonly loadMs: number;
  readonly callMs: number;
  readonly coldMs: number;
  readonly rssMiB: number;
  readonly wallMs: number;
  readonly phases?: Phases;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const fmt = (value: number, digits = 1): string => value.toFixed(digits);
const spread = (values: readonly number[], digits = 1): string => `${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)}`;
const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;

/** The function folders to measure: each folder of `dir` with an index.js, optionally filtered by name. */
function functionFolders(dir: string, only: readonly string[]): Array<{ name: string; dir: string }> {
  if (!existsSync(dir)) throw new Error(`--functions-dir ${dir} does not exist`);
  const found = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'index.js')))
    .map((entry) => ({ name: entry.name, dir: join(dir, entry.name) }))
    .filter((folder) => only.length === 0 || only.includes(folder.name))
    .sort((a, b) => a.name.localeCompare(b.name));
  if (found.length === 0) throw new Error(`no function folder with an index.js in ${dir}${only.length ? ` named ${only.join(', ')}` : ''}`);
  return found;
}

async function cold(emulator: Emulator, side: Side, node: string | undefined, extraEnv: Record<string, string> = {}): Promise<ColdSample> {
  const outcome = await invokeCloudFunction({
    functionDir: side.dir,
    event: side.event,
    gatewayUrl: emulator.gatewayUrl,
    caller: { openid: ADMIN, source: 'wx_client' },
    functionEnv: { ADMIN_OPENIDS: ADMIN },
    platformEnv: { ...(side.phases ? { SCF_BOOTSTRAP_PHASES: '1' } : {}), ...extraEnv },
    ...(node ? { node } : {}),
  });
  const report = outcome.report;
  if (report.kind !== 'returned' || (report.result as { errCode?: number }).errCode !== 0) {
    throw new Error(`${side.dir} did not apply: ${JSON.stringify(report)} ${outcome.stderr}`);
  }
  const phases = (report as { phases?: Phases }).phases;
  return { loadMs: report.loadMs, callMs: report.callMs, coldMs: report.loadMs + report.callMs, rssMiB: report.maxRssKb / 1024, wallMs: outcome.wallMs, ...(phases ? { phases } : {}) };
}

function warm(emulator: Emulator, functionDir: string, event: unknown, iterations: number, node: string | undefined): Promise<{ ours: number[]; bare: number[] }> {
  const env = {
    ...platformEnvironment({ functionDir, event, gatewayUrl: emulator.gatewayUrl, caller: { openid: ADMIN, source: 'wx_client' }, functionEnv: { ADMIN_OPENIDS: ADMIN } }, { id: 'AKIDbench', key: 'bench-key', token: 'bench-token' }),
    BENCH_WARM: JSON.stringify({ functionDir, event, iterations, warmup: Math.min(50, iterations) }),
  };
  return new Promise((resolvePromise, reject) => {
    const child = spawn(node ?? process.execPath, [join(PROJECT_ROOT, 'scripts', 'bench-warm.cjs')], { env, cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    child.on('message', (message: { ours: number[]; bare: number[] } | { error: string }) => ('error' in message ? reject(new Error(message.error)) : resolvePromise(message)));
    child.on('error', reject);
  });
}

interface NodeResult {
  readonly label: string;
  readonly functions: ReadonlyArray<{ name: string; dir: string }>;
  readonly samples: Record<string, ColdSample[]>;
  readonly warm: Record<string, { ours: number[]; bare: number[] }>;
}

interface RunOptions {
  readonly runs: number;
  readonly iterations: number;
  readonly phases: boolean;
  readonly warm: boolean;
  readonly profileDir?: string;
}

async function benchOnNode(node: string | undefined, functions: ReadonlyArray<{ name: string; dir: string }>, options: RunOptions): Promise<NodeResult> {
  const version = await new Promise<string>((resolveVersion) => {
    const child = spawn(node ?? process.execPath, ['-p', 'process.version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('close', () => resolveVersion(out.trim()));
  });
  const wechatBuild = node !== undefined && node.startsWith(join(PROJECT_ROOT, 'scripts', 'wechat-node'));
  const label = `Node ${version}${node === undefined ? " (this machine's)" : wechatBuild ? ' (WeChat build)' : ` (${node})`}`;
  const granted = [...new Set([REFERENCE, FLOOR, ...functions.map((f) => f.dir)].flatMap((dir) => grantedApis(dir)))];
  const sides: Side[] = [
    { key: 'reference', dir: REFERENCE, event: { pluginAppid: PLUGIN, reason: REASON } },
    { key: 'floor', dir: FLOOR, event: { pluginAppid: PLUGIN, reason: REASON } },
    ...functions.map((f) => ({ key: f.name, dir: f.dir, event: eventFor(f.name) })),
    ...(options.phases ? functions.map((f) => ({ key: `phases:${f.name}`, dir: f.dir, event: eventFor(f.name), phases: true })) : []),
  ];
  const samples: Record<string, ColdSample[]> = Object.fromEntries(sides.map((side) => [side.key, []]));
  const world = new PluginWorld();
  const emulator = await startEmulator({ grantedApis: granted, world });
  try {
    process.stderr.write(`${label}: cold, 1 warm-up round + ${options.runs} rounds of ${sides.length} fresh processes, rotating order `);
    for (let round = 0; round <= options.runs; round += 1) {
      const shift = round % sides.length;
      for (const side of [...sides.slice(shift), ...sides.slice(0, shift)]) {
        world.restore([]); // each run is a first application, answered 0
        const sample = await cold(emulator, side, node);
        if (round > 0) samples[side.key]!.push(sample);
      }
      process.stderr.write('.');
    }
    process.stderr.write('\n');
    if (options.profileDir) {
      mkdirSync(options.profileDir, { recursive: true });
      const tag = version.replace(/^v/, 'node');
      for (const side of sides.filter((s) => !s.phases)) {
        // --cpu-prof is not allowed in NODE_OPTIONS: a wrapper script passes it on the command line.
        const wrapper = join(options.profileDir, `${tag}-${side.key}.sh`);
        const flags = `--cpu-prof --cpu-prof-interval 100 --cpu-prof-dir '${options.profileDir}' --cpu-prof-name '${tag}-${side.key}.cpuprofile'`;
        writeFileSync(wrapper, `#!/bin/sh\nexec '${node ?? process.execPath}' ${flags} "$@"\n`, { mode: 0o755 });
        world.restore([]);
        await cold(emulator, side, wrapper);
      }
      process.stderr.write(`${label}: CPU profiles of one cold invocation each in ${options.profileDir}\n`);
    }
  } finally {
    await emulator.close();
  }

  const warmResults: Record<string, { ours: number[]; bare: number[] }> = {};
  if (options.warm) {
    const warmEmulator = await startEmulator({ grantedApis: granted, world: new ForgetfulWorld() });
    try {
      for (const f of functions) {
        process.stderr.write(`${label}: warm ${f.name}, ${options.iterations} calls each in one process, alternating with a bare SDK call\n`);
        warmResults[f.name] = await warm(warmEmulator, f.dir, eventFor(f.name), options.iterations, node);
      }
    } finally {
      await warmEmulator.close();
    }
  }
  return { label, functions, samples, warm: warmResults };
}

/**
 * The second view, an independent harness's: `pairs` pairs of fresh processes, the reference and
 * each function alternated (the order flips every pair), no warm-up round, each timed inside its
 * process by scripts/cold-probe.cjs, which loads nothing before the function. The first view
 * (above) runs the platform's bootstrap, whose IPC channel has loaded net and stream before the
 * function is required, drops a warm-up round, and rotates six sides (the floor and the phase runs
 * too). docs/cold-start.md says what each difference is worth.
 */
interface ProbeSample {
  readonly loadMs: number;
  readonly callMs: number;
  readonly coldMs: number;
  /** CPU time (user + system) of load + first call: what a busy machine inflates least. */
  readonly cpuMs: number;
  /** From the process's start (Node's own bootstrap included) to the answer. */
  readonly sinceStartMs: number;
  readonly rssMiB: number;
}

function probe(emulator: Emulator, side: Side, node: string | undefined): Promise<ProbeSample> {
  const invocation = { functionDir: side.dir, event: side.event, gatewayUrl: emulator.gatewayUrl, caller: { openid: ADMIN, source: 'wx_client' }, functionEnv: { ADMIN_OPENIDS: ADMIN } };
  const env = {
    ...platformEnvironment(invocation, { id: `AKID${randomBytes(12).toString('hex')}`, key: randomBytes(16).toString('hex'), token: randomBytes(24).toString('base64url') }),
    COLD_PROBE: JSON.stringify({ functionDir: side.dir, event: side.event, context: { request_id: randomUUID(), time_limit_in_ms: 3000, memory_limit_in_mb: 256 } }),
  };
  return new Promise((resolvePromise, reject) => {
    const child = spawn(node ?? process.execPath, [join(PROJECT_ROOT, 'scripts', 'cold-probe.cjs')], { env, cwd: side.dir, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdio[3]!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => {
      try {
        const report = JSON.parse(out) as { errCode: unknown; loadMs: number; callMs: number; cpuMs: number; sinceStartMs: number; maxRssKb: number };
        if (report.errCode !== 0) throw new Error(`answered ${JSON.stringify(report)}`);
        resolvePromise({ loadMs: report.loadMs, callMs: report.callMs, coldMs: report.loadMs + report.callMs, cpuMs: report.cpuMs, sinceStartMs: report.sinceStartMs, rssMiB: report.maxRssKb / 1024 });
      } catch (error) {
        reject(new Error(`${side.dir} did not apply under the probe: ${(error as Error).message} ${err}`));
      }
    });
  });
}

interface PairsResult {
  readonly label: string;
  readonly functions: ReadonlyArray<{ name: string; dir: string }>;
  readonly samples: Record<string, ProbeSample[]>;
}

async function pairsOnNode(node: string | undefined, label: string, functions: ReadonlyArray<{ name: string; dir: string }>, pairs: number): Promise<PairsResult> {
  const granted = [...new Set([REFERENCE, ...functions.map((f) => f.dir)].flatMap((dir) => grantedApis(dir)))];
  const sides: Side[] = [{ key: 'reference', dir: REFERENCE, event: { pluginAppid: PLUGIN, reason: REASON } }, ...functions.map((f) => ({ key: f.name, dir: f.dir, event: eventFor(f.name) }))];
  const samples: Record<string, ProbeSample[]> = Object.fromEntries(sides.map((side) => [side.key, []]));
  const world = new PluginWorld();
  const emulator = await startEmulator({ grantedApis: granted, world });
  try {
    process.stderr.write(`${label}: pairs, ${pairs} × (reference, each function) alternated, fresh processes timed inside, no warm-up `);
    for (let pair = 0; pair < pairs; pair += 1) {
      for (const side of pair % 2 === 0 ? sides : [...sides].reverse()) {
        world.restore([]);
        samples[side.key]!.push(await probe(emulator, side, node));
      }
      process.stderr.write('.');
    }
    process.stderr.write('\n');
  } finally {
    await emulator.close();
  }
  return { label, functions, samples };
}

/** The pairs view's lines: load + first call, and from the process's start, each as a ratio to the reference. */
function pairsSummary(results: readonly PairsResult[], pairs: number): string[] {
  const lines = [
    `### Second view: ${pairs} pairs, reference and function alternated, timed inside a process that loaded nothing before (scripts/cold-probe.cjs), no warm-up`,
    '',
    row(['node', 'function', `load + first call / ref (≤ ${TARGETS.cold})`, 'the same in CPU time / ref', 'load + first call ms (ref ms)', 'CPU ms (ref CPU ms)', 'from process start / ref', 'first pair / ref']),
    row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const result of results) {
    const ref = result.samples.reference!;
    for (const f of result.functions) {
      const mine = result.samples[f.name]!;
      const ratios = (metric: 'coldMs' | 'cpuMs' | 'sinceStartMs'): number[] => mine.map((s, i) => s[metric] / ref[i]![metric]);
      const cell = (values: number[]): string => `${fmt(median(values), 2)} (${spread(values, 2)})`;
      const cold = ratios('coldMs');
      const ms = (metric: 'coldMs' | 'cpuMs'): string => `${fmt(median(mine.map((s) => s[metric])))} (${fmt(median(ref.map((s) => s[metric])))})`;
      lines.push(row([result.label, f.name, cell(cold), cell(ratios('cpuMs')), ms('coldMs'), ms('cpuMs'), cell(ratios('sinceStartMs')), fmt(cold[0]!, 2)]));
    }
  }
  return lines;
}

/** One node build's tables. */
function report(result: NodeResult, runs: number): string[] {
  const { samples, functions } = result;
  const ref = samples.reference!;
  const lines: string[] = [`### ${result.label}, ${runs} rounds`, ''];
  const columns = ['floor', ...functions.map((f) => f.name)];
  lines.push(row(['cold start: median ms (ratio to the reference, median of rounds, min–max)', 'reference', ...columns]));
  lines.push(row(['---', '---:', ...columns.map(() => '---:')]));
  const metrics: ReadonlyArray<readonly [string, keyof Omit<ColdSample, 'phases'>, string]> = [
    ['load index.js (ms)', 'loadMs', ''],
    ['first call (ms)', 'callMs', ''],
    ['**load + first call** (ms)', 'coldMs', ` target ≤ ${TARGETS.cold}`],
    ['**peak RSS** (MiB)', 'rssMiB', ` target ≤ ${TARGETS.rss}`],
    ['process wall time (ms)', 'wallMs', ''],
  ];
  for (const [label, key, target] of metrics) {
    const cells = columns.map((column) => {
      const mine = samples[column]!;
      const ratios = mine.map((sample, index) => sample[key] / ref[index]![key]);
      return `${fmt(median(mine.map((s) => s[key])))} (${fmt(median(ratios), 2)}, ${spread(ratios, 2)})`;
    });
    lines.push(row([label + target, `${fmt(median(ref.map((s) => s[key])))} (${spread(ref.map((s) => s[key]))})`, ...cells]));
  }
  const phased = functions.filter((f) => samples[`phases:${f.name}`]?.length);
  if (phased.length > 0) {
    lines.push('', row(['phases (separate runs): median ms (min–max)', ...phased.map((f) => f.name)]), row(['---', ...phased.map(() => '---:')]));
    const phase = (f: { name: string }, pick: (s: ColdSample, p: Phases) => number): string => {
      const values = samples[`phases:${f.name}`]!.map((s) => pick(s, s.phases!));
      return `${fmt(median(values))} (${spread(values)})`;
    };
    lines.push(row(['V8 code cache', ...phased.map((f) => cacheStates(samples[`phases:${f.name}`]!))]));
    lines.push(row(['load: read files (required .js of the folder)', ...phased.map((f) => phase(f, (_s, p) => p.readMs))]));
    lines.push(row(['load: compile (V8 parse + top-level code, or cache)', ...phased.map((f) => phase(f, (_s, p) => p.compileMs))]));
    lines.push(row(['load: evaluate (module bodies, requires)', ...phased.map((f) => phase(f, (_s, p) => p.evaluateMs))]));
    lines.push(row(['first call (profiled)', ...phased.map((f) => phase(f, (s) => s.callMs))]));
    lines.push(row(['  of which cloud.init', ...phased.map((f) => phase(f, (_s, p) => p.initMs))]));
    lines.push(row(['  of which idle, waiting for the gateway', ...phased.map((f) => phase(f, (_s, p) => p.idleMs))]));
  }
  const warmed = functions.filter((f) => result.warm[f.name]);
  if (warmed.length > 0) {
    lines.push('', row(['warm call: median ms', 'bare SDK call', 'function', `ratio (target ≤ ${TARGETS.warm})`]), row(['---', '---:', '---:', '---:']));
    for (const f of warmed) {
      const w = result.warm[f.name]!;
      lines.push(row([f.name, fmt(median(w.bare), 2), fmt(median(w.ours), 2), fmt(median(w.ours) / median(w.bare), 2)]));
    }
  }
  return lines;
}

/** What V8 did with the code cache over the phase runs: `accepted ×11`, `none ×11` (no cache for this V8), ... */
function cacheStates(phased: readonly ColdSample[]): string {
  if (phased.length === 0) return '–';
  const counts = new Map<string, number>();
  for (const sample of phased) counts.set(sample.phases!.cache, (counts.get(sample.phases!.cache) ?? 0) + 1);
  return [...counts].map(([state, count]) => `${state} ×${count}`).join(', ');
}

/** One line per node build and function: the ratios the cold-start targets are set for. */
function summary(results: readonly NodeResult[]): string[] {
  const lines = [row(['node', 'function', `load + first call / ref (≤ ${TARGETS.cold})`, 'V8 code cache', `peak RSS / ref (≤ ${TARGETS.rss})`, `warm / bare (≤ ${TARGETS.warm})`, 'floor: cold / ref']), row(['---', '---', '---:', '---', '---:', '---:', '---:'])];
  for (const result of results) {
    const ref = result.samples.reference!;
    const ratio = (key: string, metric: 'coldMs' | 'rssMiB'): string => {
      const ratios = result.samples[key]!.map((s, i) => s[metric] / ref[i]![metric]);
      return `${fmt(median(ratios), 2)} (${spread(ratios, 2)})`;
    };
    for (const f of result.functions) {
      const w = result.warm[f.name];
      lines.push(row([result.label, f.name, ratio(f.name, 'coldMs'), cacheStates(result.samples[`phases:${f.name}`] ?? []), ratio(f.name, 'rssMiB'), w ? fmt(median(w.ours) / median(w.bare), 2) : '–', ratio('floor', 'coldMs')]));
    }
  }
  return lines;
}

const USAGE = `Usage: npm run bench [-- options]   (node dist/bench.js [options] after node scripts/build.mjs --tools)
  Cold start and warm call of every function on this machine's node and every WeChat Node build
  installed (scripts/wechat-node), then the HTTPS transport against a raw keep-alive http client.
  --runs N             cold-start rounds after one warm-up round (default 11, at least 5)
  --pairs N            pairs of the second view (reference and function alternated, timed inside
                       a process that loaded nothing before, no warm-up; default 11, at least 5);
                       --no-pairs skips it
  --warm-iterations N  warm calls per side (default 300, at least 20); --no-warm skips the warm part
  --node RUNTIME|PATH  only this node (repeatable): 16, 18, 20, 22, 24, a runtime such as 16.13, an
                       exact WeChat build such as 16.13.0, or the path of any node binary
  --functions-dir DIR  measure the function folders in DIR (default cloudfunctions/), e.g. a build
                       made with node scripts/build.mjs --functions-to DIR
  --function NAME      only this function (repeatable)
  --no-phases          skip the per-phase runs (compile, evaluate, cloud.init, first call)
  --profile DIR        also write a CPU profile of one cold invocation of each side into DIR
  --no-cold            skip the cold-start and warm-call part
  --no-https           skip the HTTPS transport part
  --https-calls N      calls per HTTPS round (default 1000); --https-concurrency N (default 50);
  --https-rounds N     rounds per side, in rotating order (default 3)
  --json FILE          also write every sample as JSON
`;

class UsageError extends Error {}

/** A whole number of at least `min`, or a usage error naming the option. */
function count(values: Record<string, unknown>, name: string, min: number): number {
  const text = String(values[name]);
  if (!/^\d+$/.test(text) || Number(text) < min) throw new UsageError(`--${name} takes a whole number of at least ${min}, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** Every node to measure: this machine's and each installed WeChat build, or those --node names. */
function nodesToMeasure(options: readonly string[] | undefined): Array<string | undefined> {
  if (options && options.length > 0) {
    return options.map((option) => {
      try {
        return nodeFromOption(option);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    });
  }
  const installed = WECHAT_NODE_VERSIONS.flatMap((version) => findWechatNode(version).path ?? []);
  return [undefined, ...installed];
}

interface HttpsSample {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxRssKb: number;
}
type HttpsSide = 'raw' | 'client' | 'client-fetch';
const HTTPS_SIDES: readonly HttpsSide[] = ['raw', 'client', 'client-fetch'];
const HTTPS_TARGETS = { throughput: 0.8, cpu: 1.5, rss: 1.3 };

function httpsRound(side: HttpsSide, baseUrl: string, calls: number, concurrency: number): Promise<HttpsSample> {
  const env = { PATH: process.env.PATH ?? '', BENCH_HTTPS: JSON.stringify({ side, baseUrl, appid: DEMO_MINI_PROGRAM_APPID, secret: DEMO_APP_SECRET, calls, concurrency, warmup: Math.min(100, calls) }) };
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'dist', 'bench-https.js')], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    child.on('message', (message: HttpsSample | { error: string }) => ('error' in message ? reject(new Error(`${side}: ${message.error}`)) : resolvePromise(message)));
    child.on('error', reject);
  });
}

/** The HTTPS transport side by side with a raw keep-alive client, each in fresh processes against one emulator. */
async function benchHttps(calls: number, concurrency: number, rounds: number): Promise<{ lines: string[]; samples: Record<HttpsSide, HttpsSample[]> }> {
  const samples = Object.fromEntries(HTTPS_SIDES.map((side) => [side, [] as HttpsSample[]])) as Record<HttpsSide, HttpsSample[]>;
  const emulator = await startEmulator();
  try {
    process.stderr.write(`HTTPS: ${rounds} rounds of ${calls} getPluginList calls at concurrency ${concurrency} per side, fresh processes, rotating order `);
    for (let round = 0; round < rounds; round += 1) {
      const shift = round % HTTPS_SIDES.length;
      for (const side of [...HTTPS_SIDES.slice(shift), ...HTTPS_SIDES.slice(0, shift)]) samples[side].push(await httpsRound(side, emulator.url, calls, concurrency));
      process.stderr.write('.');
    }
    process.stderr.write('\n');
  } finally {
    await emulator.close();
  }
  const raw = samples.raw;
  const perSecond = (s: HttpsSample): number => calls / (s.wallMs / 1000);
  const cpuPerCall = (s: HttpsSample): number => s.cpuMs / calls;
  const rss = (s: HttpsSample): number => s.maxRssKb / 1024;
  const cell = (side: HttpsSide, metric: (s: HttpsSample) => number, digits: number): string => {
    const values = samples[side].map(metric);
    const ratios = samples[side].map((s, i) => metric(s) / metric(raw[i]!));
    return side === 'raw' ? `${fmt(median(values), digits)} (${spread(values, digits)})` : `${fmt(median(values), digits)} (${fmt(median(ratios), 2)}, ${spread(ratios, 2)})`;
  };
  const lines = [
    `### HTTPS transport: ${calls} calls at concurrency ${concurrency}, ${rounds} rounds, Node ${process.version}`,
    '',
    row(['median (ratio to raw, min–max of rounds)', 'raw keep-alive http', 'createHttpsClient (node:http, default)', 'createHttpsClient with fetch (before)']),
    row(['---', '---:', '---:', '---:']),
    row([`throughput (calls/s) target ≥ ${HTTPS_TARGETS.throughput}`, ...HTTPS_SIDES.map((side) => cell(side, perSecond, 0))]),
    row([`CPU per call (ms) target ≤ ${HTTPS_TARGETS.cpu}`, ...HTTPS_SIDES.map((side) => cell(side, cpuPerCall, 3))]),
    row([`peak RSS (MiB) target ≤ ${HTTPS_TARGETS.rss}`, ...HTTPS_SIDES.map((side) => cell(side, rss, 1))]),
    '',
  ];
  return { lines, samples };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '11' },
      pairs: { type: 'string', default: '11' },
      'no-pairs': { type: 'boolean', default: false },
      'warm-iterations': { type: 'string', default: '300' },
      'no-warm': { type: 'boolean', default: false },
      node: { type: 'string', multiple: true },
      'functions-dir': { type: 'string' },
      function: { type: 'string', multiple: true },
      'no-phases': { type: 'boolean', default: false },
      profile: { type: 'string' },
      'no-cold': { type: 'boolean', default: false },
      'no-https': { type: 'boolean', default: false },
      'https-calls': { type: 'string', default: '1000' },
      'https-concurrency': { type: 'string', default: '50' },
      'https-rounds': { type: 'string', default: '3' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const options: RunOptions = {
    runs: count(values, 'runs', 5),
    iterations: count(values, 'warm-iterations', 20),
    phases: !values['no-phases'],
    warm: !values['no-warm'],
    ...(values.profile ? { profileDir: resolve(values.profile) } : {}),
  };
  const https = values['no-https'] ? undefined : { calls: count(values, 'https-calls', 1), concurrency: count(values, 'https-concurrency', 1), rounds: count(values, 'https-rounds', 1) };
  const cold = !values['no-cold'];
  const functions = cold ? functionFolders(resolve(values['functions-dir'] ?? join(PROJECT_ROOT, 'cloudfunctions')), values.function ?? []) : [];
  const nodes = cold ? nodesToMeasure(values.node) : [];

  const pairs = values['no-pairs'] ? 0 : count(values, 'pairs', 5);
  const loadBefore = loadavg();
  const results: NodeResult[] = [];
  const pairResults: PairsResult[] = [];
  for (const node of nodes) {
    const result = await benchOnNode(node, functions, options);
    results.push(result);
    if (pairs > 0) pairResults.push(await pairsOnNode(node, result.label, functions, pairs));
  }
  const loadAfter = loadavg();
  const measured = https ? await benchHttps(https.calls, https.concurrency, https.rounds) : undefined;

  const lines = [
    `Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30, 0)} GiB.${cold ? ` Functions from ${values['functions-dir'] ?? 'cloudfunctions/'}.` : ''}`,
    ...(cold ? [`Load average (1, 5, 15 min): ${loadBefore.map((value) => fmt(value)).join(', ')} at the start, ${loadAfter.map((value) => fmt(value)).join(', ')} at the end of the cold part.`] : []),
    ...(cold ? ['Reference: the API page sample with stock wx-server-sdk 4.0.2. Floor: one signed request with Node http + crypto alone (test/fixtures/floor-function).'] : []),
    '',
  ];
  for (const result of results) lines.push(...report(result, options.runs), '');
  if (results.length > 1) lines.push('### Summary: median of rounds (min–max)', '', ...summary(results), '');
  if (pairResults.length > 0) lines.push(...pairsSummary(pairResults, pairs), '');
  if (measured) lines.push(...measured.lines);
  process.stdout.write(lines.join('\n'));
  if (values.json) writeFileSync(values.json, JSON.stringify({ cold: results, pairs: pairResults, https: measured?.samples }, null, 1));
}

main().catch((error: unknown) => {
  // Bad arguments: one line, exit 2 (parseArgs's own errors carry a code starting ERR_PARSE_ARGS).
  const code = (error as { code?: unknown }).code;
  if (error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
    process.stderr.write(`npm run bench: ${(error as Error).message.split('\n')[0]} (npm run bench -- --help)\n`);
    process.exit(2);
  }
  process.stderr.write(`npm run bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
