// The root `prepare` script: installs WeChat's exact Node builds (scripts/wechat-node, optional
// per platform) after this project's own `npm ci` / `npm install`. npm also runs `prepare` for
// `npm pack` and `npm publish`, where nothing needs installing (and packing must not need the
// network), so those are skipped. A consumer installing the packed tarball never runs it.
import { execSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

if (!['pack', 'publish'].includes(process.env.npm_command ?? '')) {
  const prefix = join(dirname(fileURLToPath(import.meta.url)), 'wechat-node');
  execSync(`npm ci --prefix "${prefix}" --no-audit --no-fund`, { stdio: 'inherit' });
}
