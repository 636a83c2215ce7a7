/**
 * The cold-start optimisation keeps behaviour: the services deferred out of index.js are really
 * off the cloud-call path, still work when something does use them, and the reasoning is tied to
 * the SDK versions it was made for.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformEnvironment, PROJECT_ROOT } from '../../src/platform/invoke';
import { FUNCTION_DIR, reportMissingWechatNodes, RUNTIMES, withEmulator } from '../support/harness';

reportMissingWechatNodes();

jest.setTimeout(60_000);

const projectRequire = createRequire(join(PROJECT_ROOT, 'package.json'));
const sdkRequire = createRequire(projectRequire.resolve('wx-server-sdk'));

function esm<T>(code: string): T {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: PROJECT_ROOT, stdio: 'pipe' }).toString();
  return JSON.parse(out) as T;
}

const DEFERRED: Record<string, Record<string, { esModule?: boolean }>> = esm(
  `import { DEFERRED_REQUIRES } from './scripts/esbuild-plugins.mjs'; process.stdout.write(JSON.stringify(DEFERRED_REQUIRES));`,
);

describe('the versions the reasoning was made for', () => {
  test('wx-server-sdk is pinned to 4.0.2 and @cloudbase/node-sdk is 3.17.2', () => {
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8'));
    const installed = (name: string, from: NodeRequire) => JSON.parse(readFileSync(from.resolve(`${name}/package.json`), 'utf8')).version;
    // If this fails, the SDK changed: re-read which requires are off the cloud-call path
    // (scripts/esbuild-plugins.mjs, DEFERRED_REQUIRES) before changing these numbers.
    expect(pkg.devDependencies['wx-server-sdk']).toBe('4.0.2');
    expect(installed('wx-server-sdk', projectRequire)).toBe('4.0.2');
    expect(installed('@cloudbase/node-sdk', sdkRequire)).toBe('3.17.2');
  });

  test('each deferred module\'s __esModule flag is what the real module says', () => {
    for (const [file, requires] of Object.entries(DEFERRED)) {
      const importer = createRequire(sdkRequire.resolve(file.replace(/\.js$/, '')));
      for (const [specifier, options] of Object.entries(requires)) {
        if (options.esModule === undefined) continue;
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        expect([specifier, Boolean(require(importer.resolve(specifier)).__esModule)]).toEqual([specifier, options.esModule]);
      }
    }
  });

  test('the build fails loudly when an expected require is missing', () => {
    const run = () =>
      esm(`import { deferRequires } from './scripts/esbuild-plugins.mjs';
        deferRequires('const a = require("./auth");', '@cloudbase/node-sdk/dist/cloudbase.js');`);
    expect(run).toThrow(/expected one require\("axios"\) in @cloudbase\/node-sdk\/dist\/cloudbase.js, found 0/);
  });
});

describe('the bundled SDK behaves as the stock one', () => {
  let bundleDir: string;
  beforeAll(() => {
    bundleDir = mkdtempSync(join(tmpdir(), 'sdk-bundle-'));
    execFileSync(process.execPath, [join(PROJECT_ROOT, 'scripts', 'build.mjs'), '--bundle', join(PROJECT_ROOT, 'test', 'fixtures', 'sdk-bundle', 'entry.js'), '--out', bundleDir]);
    // One V8 cache per runtime's V8 (six where all of WeChat's builds are installed): seconds each on a busy machine.
  }, 180_000);
  afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));

  function probe(sdk: string, gatewayUrl: string, node = process.execPath): Promise<Record<string, unknown>> {
    const env = {
      ...platformEnvironment({ functionDir: FUNCTION_DIR, event: {}, gatewayUrl, caller: { openid: 'oProbe', source: 'wx_client' } }, { id: 'AKIDprobe', key: 'probe-key', token: 'probe-token' }),
      PROBE_SDK: sdk,
    };
    return new Promise((resolve, reject) => {
      const child = spawn(node, [join(PROJECT_ROOT, 'test', 'support', 'sdk-probe.cjs')], { env, cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('message', (message) => resolve(message as Record<string, unknown>));
      child.on('exit', (code) => (code === 0 ? undefined : reject(new Error(`probe exited ${code}: ${stderr}`))));
    });
  }

  test.each(RUNTIMES)('on %s: same outcomes for the open API, database, functions, storage and logger; the deferred chunk loads only for the services that need it', (_name, node) =>
    withEmulator(async (emulator) => {
      const stock = await probe('wx-server-sdk', emulator.gatewayUrl, node);
      emulator.world.restore([]);
      const bundled = await probe(join(bundleDir, 'index.js'), emulator.gatewayUrl, node);

      expect(stock.openapi).toEqual({ resolved: { errCode: 0, errMsg: 'openapi.pluginManager.applyPlugin:ok' } });
      const { chunkAfterOpenapi, chunkAfterDatabase, ...bundledOutcomes } = bundled;
      const { chunkAfterOpenapi: _a, chunkAfterDatabase: _b, ...stockOutcomes } = stock;
      expect(bundledOutcomes).toEqual(stockOutcomes);
      expect(chunkAfterOpenapi).toBe(false);
      expect(chunkAfterDatabase).toBe(true);
      // The services really ran and reached the gateway through the shared request code.
      expect(stock.database).toMatchObject({ rejected: expect.anything() });
      expect(stock.command).toBe('function');
      expect(stock.logger).toBe('function');
    }));
});
