// Whether a build would change anything: `npm start`, `npm run bench` and the other scripts build
// first, and a full build takes ~15 s (six V8 caches per function). The stamp (dist/, not
// committed) records a digest of everything the build reads and of everything it wrote; the build
// is skipped only when both still match, so an edited source, another lock file, a new WeChat
// Node build, a different node, or an output changed by hand (a checkout, say) all build again.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** Every file under `dir` (recursively), skipping node_modules, sorted for a stable digest. */
function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      if (entry.name === 'node_modules') return [];
      const path = join(dir, entry.name);
      return entry.isDirectory() ? filesUnder(path) : [path];
    })
    .sort();
}

function digest(root, files, extra = '') {
  const hash = createHash('sha256').update(extra);
  // A file that is not there (a copy without the lock file, say) counts as absent, not as an error.
  for (const file of files) hash.update(`\0${relative(root, file)}\0`).update(existsSync(file) ? readFileSync(file) : '\0absent');
  return hash.digest('hex');
}

/**
 * What a build of `mode` ('all': functions and tools; 'tools') reads: src/, scripts/ (the build
 * itself, the runtimes table and which WeChat builds are installed), the lock file and package.json,
 * and the node running it. What it writes: cloudfunctions/ (for 'all') and dist/'s tools.
 */
export function buildStamp(root, mode) {
  const file = join(root, 'dist', `.build-stamp-${mode}.json`);
  const wechatNodes = join(root, 'scripts', 'wechat-node', 'node_modules');
  const inputs = () =>
    digest(
      root,
      [...filesUnder(join(root, 'src')), ...filesUnder(join(root, 'scripts')), join(root, 'package-lock.json'), join(root, 'package.json')],
      `${process.version}\n${existsSync(wechatNodes) ? readdirSync(wechatNodes).sort().join(',') : ''}`,
    );
  const outputs = () =>
    digest(root, [...(mode === 'all' ? filesUnder(join(root, 'cloudfunctions')) : []), ...filesUnder(join(root, 'dist')).filter((path) => dirname(path) === join(root, 'dist') && path.endsWith('.js'))]);
  return {
    upToDate() {
      try {
        const saved = JSON.parse(readFileSync(file, 'utf8'));
        return saved.inputs === inputs() && saved.outputs === outputs();
      } catch {
        return false;
      }
    },
    save() {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify({ inputs: inputs(), outputs: outputs() })}\n`);
    },
  };
}
