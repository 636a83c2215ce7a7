#!/usr/bin/env node
/**
 * Servers sharing an appid, measured: `node scripts/token-sharing.mjs [N ...]` (default 2 5 20)
 * starts N real server processes using the library against the loopback emulator, expires the
 * account's token, and reports failed calls and forced refreshes (test/support/token-sharing.ts).
 * Loopback only.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const counts = process.argv.slice(2).map(Number);
if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 200)) {
  process.stderr.write('token-sharing: each argument is a number of servers from 1 to 200\n');
  process.exit(2);
}

// Inside the project (dist/ is not committed), so that the bundle resolves esbuild from node_modules.
mkdirSync(join(root, 'dist'), { recursive: true });
const work = mkdtempSync(join(root, 'dist', 'token-sharing-'));
try {
  const bundle = join(work, 'token-sharing.js');
  // Bundled beside its child's source, so that __dirname finds token-server-child.ts.
  buildSync({ entryPoints: [join(root, 'test/support/token-sharing.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node18', outfile: bundle, external: ['esbuild'], define: { __dirname: JSON.stringify(join(root, 'test/support')) }, logLevel: 'error' });
  const { measureSharedAppid } = createRequire(import.meta.url)(bundle);
  for (const servers of counts.length > 0 ? counts : [2, 5, 20]) {
    const figures = await measureSharedAppid(servers);
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
