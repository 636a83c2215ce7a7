import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { findWechatNode, nodeFromOption, packageAlias, PROJECT_ROOT, WECHAT_NODE_BUILDS } from '../../src/platform/invoke';
import { missingNodeReports, wechatNodes } from '../support/wechat-node';

const DIR = join(PROJECT_ROOT, 'scripts', 'wechat-node');
const pkg = JSON.parse(readFileSync(join(DIR, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
const lock = JSON.parse(readFileSync(join(DIR, 'package-lock.json'), 'utf8')) as { packages: Record<string, { name?: string; version?: string; os?: string; cpu?: string; optional?: boolean }> };

describe("scripts/wechat-node and invoke.ts's table of WeChat's Node builds agree", () => {
  const table = WECHAT_NODE_BUILDS.flatMap((build) => build.platforms.map((platform) => [packageAlias(build.version, platform), `${platform} ${build.version}`] as const));

  test('one build per runtime the cloud offers, the latest patch npm has, and 16.13.0', () => {
    expect(WECHAT_NODE_BUILDS.map((build) => build.version)).toEqual(['16.13.0', '16.13.2', '18.15.0', '20.19.6', '22.21.1', '24.11.1']);
    expect([...new Set(WECHAT_NODE_BUILDS.map((build) => build.runtime))]).toEqual(['16.13', '18.15', '20.19', '22.21', '24.11']);
    for (const build of WECHAT_NODE_BUILDS) expect(build.version.startsWith(`${build.runtime}.`)).toBe(true);
  });

  test('every build is an optional dependency, nothing else is installed', () => {
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.devDependencies ?? {}).toEqual({});
    expect(Object.keys(pkg.optionalDependencies ?? {}).sort()).toEqual(table.map(([alias]) => alias).sort());
  });

  test.each(table)('%s is the %s build, optional, for exactly that os and cpu', (alias, expected) => {
    const [platform, version] = expected.split(' ') as [string, string];
    const entry = lock.packages[`node_modules/${alias}`]!;
    expect(`${entry.os}-${entry.cpu}`).toBe(platform);
    expect(entry.version).toBe(version);
    expect(entry.name).toBe(`node-${platform}`);
    expect(pkg.optionalDependencies![alias]).toBe(`npm:node-${platform}@${version}`);
    expect(entry.optional).toBe(true);
  });
});

describe.each(WECHAT_NODE_BUILDS.filter((build) => findWechatNode(build.version).path !== undefined).map((build) => [build.version, build] as const))('the installed build %s', (_version, build) => {
  test('is that version, with the V8 the table says (the cache key)', () => {
    const out = execFileSync(findWechatNode(build.version).path!, ['-p', 'process.version + " " + process.versions.v8']).toString().trim();
    const [version, v8] = out.split(' ') as [string, string];
    expect([version, v8.replace(/-node\.\d+$/, '')]).toEqual([`v${build.version}`, build.v8]);
  });
});

describe('finding a build', () => {
  test('on a platform npm has it for, installed', () => {
    const found = findWechatNode('16.13.0', 'darwin-arm64', () => true);
    expect(found).toEqual({ path: join(DIR, 'node_modules', 'node16.13.0-darwin-arm64', 'bin', 'node') });
  });

  test('on a platform npm has it for, but not installed: says to run npm ci', () => {
    const found = findWechatNode('18.15.0', 'linux-x64', () => false);
    expect(found).toMatchObject({ path: undefined, published: true, reason: expect.stringMatching(/is missing: run npm ci/) });
  });

  test.each([
    ['18.15.0', 'darwin-arm64'],
    ['16.13.0', 'darwin-x64'],
    ['22.21.1', 'win32-x64'],
  ] as const)("WeChat's Node %s on %s: npm has no such build", (version, platform) => {
    const found = findWechatNode(version, platform, () => true);
    expect(found).toMatchObject({ path: undefined, published: false, reason: expect.stringContaining(`npm has no build of WeChat's Node ${version} for ${platform}`) });
  });

  test.each([
    ['16', 'node16.13.2'],
    ['16.13', 'node16.13.2'],
    ['16.13.0', 'node16.13.0'],
    ['20', 'node20.19.6'],
    ['22.21', 'node22.21.1'],
    ['24', 'node24.11.1'],
  ])('--node %s is the newest installed build of it (%s)', (option, alias) => {
    expect(nodeFromOption(option, 'linux-x64', () => true)).toBe(join(DIR, 'node_modules', alias, 'bin', 'node'));
  });

  test('--node 16 where only 16.13.0 is published (Apple silicon) takes that one', () => {
    expect(nodeFromOption('16', 'darwin-arm64', (path) => path.includes('darwin-arm64'))).toBe(join(DIR, 'node_modules', 'node16.13.0-darwin-arm64', 'bin', 'node'));
  });

  test('--node 20 where it is not installed says why; an unknown value lists what is accepted', () => {
    expect(() => nodeFromOption('20', 'linux-x64', () => false)).toThrow(/^--node 20: .*is missing: run npm ci/);
    expect(() => nodeFromOption('19', 'linux-x64', () => false)).toThrow(/--node takes 16\|18\|20\|22\|24, /);
  });
});

describe('tests needing a build that is missing say so', () => {
  const onIntelMac = wechatNodes('darwin-x64');
  const onAppleSilicon = wechatNodes('darwin-arm64', () => true);

  test('what is installed where', () => {
    expect(onIntelMac.map((node) => node.path)).toEqual(WECHAT_NODE_BUILDS.map(() => undefined));
    expect(onAppleSilicon.filter((node) => node.path !== undefined).map((node) => node.name)).toEqual(['WeChat node 16.13.0']);
  });

  test('outside CI: a describe saying it was skipped, whose one test warns why and passes', () => {
    const reports = missingNodeReports(onAppleSilicon, 'darwin-arm64', false);
    expect(reports.map((report) => report.describeTitle)).toEqual(WECHAT_NODE_BUILDS.slice(1).map((build) => `WeChat node ${build.version}: not installed on darwin-arm64, skipped`));
    expect(reports[0]!.describeTitle).toBe('WeChat node 16.13.2: not installed on darwin-arm64, skipped');
    expect(reports[0]!.testTitle).toBe('does not run here: npm has no WeChat node 16.13.2 for darwin-arm64');
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(() => reports[0]!.run()).not.toThrow();
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^WeChat node 16\.13\.2: the tests on it did not run on darwin-arm64: npm has no build/));
    } finally {
      warn.mockRestore();
    }
  });

  test('with CI=true: the test fails', () => {
    const reports = missingNodeReports(onIntelMac, 'darwin-x64', true);
    expect(reports.map((report) => report.describeTitle)).toEqual(WECHAT_NODE_BUILDS.map((build) => `WeChat node ${build.version}: not installed on darwin-x64`));
    for (const report of reports) expect(() => report.run()).toThrow(/is required when CI=true: npm has no build/);
  });

  test('CI is read from the environment by default', () => {
    const saved = process.env.CI;
    try {
      process.env.CI = 'true';
      expect(() => missingNodeReports(onIntelMac, 'darwin-x64')[0]!.run()).toThrow(/CI=true/);
      process.env.CI = 'false';
      expect(missingNodeReports(onIntelMac, 'darwin-x64')[0]!.describeTitle).toMatch(/, skipped$/);
    } finally {
      if (saved === undefined) delete process.env.CI;
      else process.env.CI = saved;
    }
  });

  test('a build npm has for this platform but that is not installed: says to run npm ci', () => {
    const reports = missingNodeReports(wechatNodes('linux-x64', () => false), 'linux-x64', false);
    expect(reports.map((report) => [report.describeTitle, report.testTitle])).toEqual(
      WECHAT_NODE_BUILDS.map((build) => [`WeChat node ${build.version}: not installed on linux-x64, skipped`, 'does not run here: npm ci did not install it (run npm ci; the warning says more)']),
    );
  });

  test('nothing is reported when every build is installed', () => {
    expect(missingNodeReports(wechatNodes('linux-x64', () => true), 'linux-x64', true)).toEqual([]);
  });
});

describe("the root package's prepare script", () => {
  const prepare = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.prepare!;
  const runIn = (dir: string) => spawnSync(prepare, { cwd: dir, shell: true, encoding: 'utf8' });

  test('does nothing where scripts/install-wechat-node.mjs is absent (the packed package a consumer installs)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'packed-'));
    try {
      expect(runIn(dir)).toMatchObject({ status: 0, stdout: '', stderr: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('runs scripts/install-wechat-node.mjs where it is (this repository)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clone-'));
    try {
      mkdirSync(join(dir, 'scripts'));
      writeFileSync(join(dir, 'scripts', 'install-wechat-node.mjs'), "process.stdout.write('installer ran');\n");
      expect(runIn(dir)).toMatchObject({ status: 0, stdout: 'installer ran' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
