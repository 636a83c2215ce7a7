import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findWechatNode, PROJECT_ROOT, WECHAT_NODE_BUILDS, WECHAT_NODE_VERSIONS } from '../../src/platform/invoke';
import { missingNodeReports, wechatNodes } from '../support/wechat-node';

const DIR = join(PROJECT_ROOT, 'scripts', 'wechat-node');
const pkg = JSON.parse(readFileSync(join(DIR, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
const lock = JSON.parse(readFileSync(join(DIR, 'package-lock.json'), 'utf8')) as { packages: Record<string, { name?: string; version?: string; os?: string; cpu?: string; optional?: boolean }> };

describe("scripts/wechat-node and invoke.ts's table of WeChat's Node builds agree", () => {
  const table = WECHAT_NODE_VERSIONS.flatMap((version) =>
    Object.entries(WECHAT_NODE_BUILDS[version].aliases).map(([platform, alias]) => [alias, `${platform} ${WECHAT_NODE_BUILDS[version].version}`] as const),
  );

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

describe('finding a build', () => {
  test('on a platform npm has it for, installed', () => {
    const found = findWechatNode('16', 'darwin-arm64', () => true);
    expect(found).toEqual({ path: join(DIR, 'node_modules', 'node16-darwin-arm64', 'bin', 'node') });
  });

  test('on a platform npm has it for, but not installed: says to run npm ci', () => {
    const found = findWechatNode('18', 'linux-x64', () => false);
    expect(found).toMatchObject({ path: undefined, published: true, reason: expect.stringMatching(/is missing: run npm ci/) });
  });

  test.each([
    ['18', 'darwin-arm64'],
    ['16', 'darwin-x64'],
    ['18', 'win32-x64'],
  ] as const)("WeChat's Node %s on %s: npm has no such build", (version, platform) => {
    const found = findWechatNode(version, platform, () => true);
    expect(found).toMatchObject({ path: undefined, published: false, reason: expect.stringContaining(`npm has no build of WeChat's Node ${WECHAT_NODE_BUILDS[version].version} for ${platform}`) });
  });
});

describe('tests needing a build that is missing say so', () => {
  const onIntelMac = wechatNodes('darwin-x64');
  const onAppleSilicon = wechatNodes('darwin-arm64', () => true);

  test('what is installed where', () => {
    expect(onIntelMac.map((node) => [node.name, node.path])).toEqual([
      ['WeChat node 16.13.0', undefined],
      ['WeChat node 18.15.0', undefined],
    ]);
    expect(onAppleSilicon.map((node) => [node.name, node.path === undefined])).toEqual([
      ['WeChat node 16.13.0', false],
      ['WeChat node 18.15.0', true],
    ]);
  });

  test('outside CI: a describe saying it was skipped, whose one test warns why and passes', () => {
    const reports = missingNodeReports(onAppleSilicon, 'darwin-arm64', false);
    expect(reports.map((report) => report.describeTitle)).toEqual(['WeChat node 18.15.0: not installed on darwin-arm64, skipped']);
    expect(reports[0]!.testTitle).toBe('does not run here: npm has no WeChat node 18.15.0 for darwin-arm64');
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(() => reports[0]!.run()).not.toThrow();
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^WeChat node 18\.15\.0: the tests on it did not run on darwin-arm64: npm has no build/));
    } finally {
      warn.mockRestore();
    }
  });

  test('with CI=true: the test fails', () => {
    const reports = missingNodeReports(onIntelMac, 'darwin-x64', true);
    expect(reports.map((report) => report.describeTitle)).toEqual(['WeChat node 16.13.0: not installed on darwin-x64', 'WeChat node 18.15.0: not installed on darwin-x64']);
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
    expect(reports.map((report) => [report.describeTitle, report.testTitle])).toEqual([
      ['WeChat node 16.13.0: not installed on linux-x64, skipped', 'does not run here: npm ci did not install it (run npm ci; the warning says more)'],
      ['WeChat node 18.15.0: not installed on linux-x64, skipped', 'does not run here: npm ci did not install it (run npm ci; the warning says more)'],
    ]);
  });

  test('nothing is reported when every build is installed', () => {
    expect(missingNodeReports(wechatNodes('linux-x64', () => true), 'linux-x64', true)).toEqual([]);
  });
});
