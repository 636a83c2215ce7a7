/**
 * Which of WeChat's Node builds this machine has, for the tests that run the function on them.
 *
 * npm installs them only where it has them (scripts/wechat-node: optional dependencies), so a
 * test that needs one must not quietly vanish where it is missing: `reportMissingWechatNodes()`
 * registers, for each missing build, a describe titled
 * "WeChat node 16.13.0: not installed on darwin-x64, skipped" with one test that warns why and
 * passes. With CI=true a missing build fails instead: CI must run on every build.
 */
import { findWechatNode, THIS_PLATFORM, WECHAT_NODE_VERSIONS, type WechatNodeVersion } from '../../src/platform/invoke';

export interface WechatNode {
  readonly version: WechatNodeVersion;
  /** e.g. `WeChat node 16.13.0` */
  readonly name: string;
  /** The binary, when installed here. */
  readonly path: string | undefined;
  /** Why it is not installed here. */
  readonly reason: string | undefined;
  /** Whether npm has this build for this platform at all (so that npm ci should have installed it). */
  readonly published: boolean;
}

export function wechatNodes(platform = THIS_PLATFORM, exists?: (path: string) => boolean): readonly WechatNode[] {
  return WECHAT_NODE_VERSIONS.map((version) => {
    const found = findWechatNode(version, platform, exists);
    const name = `WeChat node ${version}`;
    return found.path === undefined ? { version, name, path: undefined, reason: found.reason, published: found.published } : { version, name, path: found.path, reason: undefined, published: true };
  });
}

/** Every WeChat Node build, installed or not, on this machine. */
export const WECHAT_NODES = wechatNodes();

/** The installed builds as `[name, path]` rows, the shape of harness.ts's RUNTIMES. */
export const INSTALLED_WECHAT_NODES: ReadonlyArray<readonly [string, string]> = WECHAT_NODES.flatMap((node) => (node.path === undefined ? [] : [[node.name, node.path] as const]));

export interface MissingNodeReport {
  readonly describeTitle: string;
  readonly testTitle: string;
  /** The test's body: warns and returns, or (CI) throws. */
  readonly run: () => void;
}

/** What reportMissingWechatNodes registers; separate so that it can be tested without jest's globals. */
export function missingNodeReports(nodes: readonly WechatNode[], platform = THIS_PLATFORM, ci = process.env.CI === 'true'): MissingNodeReport[] {
  return nodes.flatMap((node) => {
    if (node.path !== undefined) return [];
    const reason = node.reason ?? 'not installed';
    if (ci) {
      return [{
        describeTitle: `${node.name}: not installed on ${platform}`,
        testTitle: 'fails: CI=true, and CI must run every WeChat Node build',
        run: () => {
          throw new Error(`${node.name} is required when CI=true: ${reason}`);
        },
      }];
    }
    return [{
      describeTitle: `${node.name}: not installed on ${platform}, skipped`,
      testTitle: node.published ? 'does not run here: npm ci did not install it (run npm ci; the warning says more)' : `does not run here: npm has no ${node.name} for ${platform}`,
      run: () => console.warn(`${node.name}: the tests on it did not run on ${platform}: ${reason}`),
    }];
  });
}

/**
 * Call once at the top level of every test file that runs on harness.ts's RUNTIMES (or uses
 * describeEachWechatNode): it says, in the test report, which builds that file did not run on.
 */
export function reportMissingWechatNodes(nodes: readonly WechatNode[] = WECHAT_NODES): void {
  for (const report of missingNodeReports(nodes)) {
    describe(report.describeTitle, () => {
      test(report.testTitle, report.run);
    });
  }
}

/**
 * `describe.each` over the installed WeChat Node builds (title gets `%s` = the build's name), plus
 * reportMissingWechatNodes() for the others. Use it instead of `describe.each(RUNTIMES.slice(1))`:
 * jest rejects `.each` over an empty table, which that is where no build is installed.
 */
export function describeEachWechatNode(title: string, body: (name: string, node: string) => void, nodes: readonly WechatNode[] = WECHAT_NODES): void {
  const installed = nodes.flatMap((node) => (node.path === undefined ? [] : [[node.name, node.path] as const]));
  if (installed.length > 0) describe.each(installed)(title, body);
  reportMissingWechatNodes(nodes);
}

/** The builds batch runs are tested on: Node 22.12 or later (pg-boss 12's `engines`), WeChat's 22.21 and 24.11. */
export const BATCH_WECHAT_NODES: readonly WechatNode[] = WECHAT_NODES.filter((node) => ['22.21.1', '24.11.1'].includes(node.version));

/** `describe.each` over the batch builds installed here (`%s` = the build's name; the body gets its binary). */
export function describeEachBatchNode(title: string, body: (name: string, node: string) => void): void {
  describeEachWechatNode(title, body, BATCH_WECHAT_NODES);
}
