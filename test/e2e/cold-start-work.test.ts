/**
 * What a cold start of the committed functions does, on every Node build WeChat runs, through the
 * benchmark's own probe (scripts/cold-probe.cjs: a fresh process that loads nothing before the
 * function). Time is never asserted here: only the work that costs it (npm run bench measures it).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { platformEnvironment, PROJECT_ROOT } from '../../src/platform/invoke';
import { ADMIN, describeEachWechatNode, FUNCTION_DIR, OPEN_PLUGIN, PLUGIN_MANAGER_DIR, withEmulator } from '../support/harness';

jest.setTimeout(30_000);

interface ProbeReport {
  readonly errCode: unknown;
  /** Node's built-ins loaded between the probe's start and the function's answer. */
  readonly builtins: readonly string[];
}

function probe(node: string, gatewayUrl: string): Promise<ProbeReport> {
  const event = { pluginAppid: OPEN_PLUGIN, reason: 'cold start' };
  const env = {
    ...platformEnvironment({ functionDir: FUNCTION_DIR, event, gatewayUrl, caller: { openid: ADMIN, source: 'wx_client' }, functionEnv: { ADMIN_OPENIDS: ADMIN } }, { id: 'AKIDprobe', key: 'probe-key', token: 'probe-token' }),
    COLD_PROBE: JSON.stringify({ functionDir: FUNCTION_DIR, event, context: { time_limit_in_ms: 3000 } }),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(node, [join(PROJECT_ROOT, 'scripts', 'cold-probe.cjs')], { env, cwd: FUNCTION_DIR, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdio[3]!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(out) as ProbeReport);
      } catch {
        reject(new Error(`the probe reported nothing: ${err}`));
      }
    });
  });
}

describeEachWechatNode('a cold start on %s', (_name, node) => {
  test('loads none of Node\'s module tooling: the loader uses the CommonJS loader it runs in, not require("module") (the ES module loader and source maps behind it)', () =>
    withEmulator(async (emulator) => {
      const report = await probe(node, emulator.gatewayUrl);
      expect(report.errCode).toBe(0);
      expect(report.builtins).toContain('http');
      expect(report.builtins.filter((name) => name === 'module' || name.startsWith('internal/modules/esm/') || name.startsWith('internal/source_map/'))).toEqual([]);
    }));
});

describe('the committed bundles', () => {
  test.each([FUNCTION_DIR, PLUGIN_MANAGER_DIR].map((dir) => [dir.split('/').pop()!, join(dir, 'bundle.js')]))(
    "%s: the SDK's open-API call yields to the event loop with setImmediate, not a timer Node clamps to 1 ms",
    (_name, file) => {
      const bundle = readFileSync(file, 'latin1');
      // callGeneralOpenAPI, minified: its first statement (scripts/esbuild-plugins.mjs, SOURCE_EDITS).
      expect(bundle).toMatch(/async function [\w$]+\([\w$]+,[\w$]+,[\w$]+\)\{await new Promise\(([\w$]+)=>setImmediate\(\1\)\);/);
    },
  );

  test.each([FUNCTION_DIR, PLUGIN_MANAGER_DIR].flatMap((dir) => ['bundle.js', 'deferred.js'].map((file) => [join(dir.split('/').pop()!, file), join(dir, file)])))(
    '%s is ASCII: V8 holds it as a one-byte string (one non-ASCII character makes all of it two bytes a character)',
    (_name, file) => {
      const bytes = readFileSync(file);
      expect(bytes.findIndex((byte) => byte > 0x7f)).toBe(-1);
    },
  );
});
