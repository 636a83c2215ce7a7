// The package.json a consumer gets, without this repository's own scripts: "prepare" installs
// WeChat's Node builds for development here and has no business in someone else's install (npm
// runs it for a git or folder dependency). npm pack reads package.json after "prepack" and runs
// "postpack" from the scripts it read before, so: `strip` (prepack) keeps the original beside it
// and writes the manifest without scripts; `restore` (postpack) puts the original back. A strip
// that finds a kept original (a pack that died half-way) restores first, so nothing is lost.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const manifest = join(process.cwd(), 'package.json');
const kept = join(process.cwd(), 'package.json.packing');

function restore() {
  if (existsSync(kept)) renameSync(kept, manifest);
}

const command = process.argv[2];
if (command === 'strip') {
  restore();
  const text = readFileSync(manifest, 'utf8');
  const pkg = JSON.parse(text);
  writeFileSync(kept, text);
  delete pkg.scripts;
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
} else if (command === 'restore') {
  restore();
} else {
  process.stderr.write('usage: node scripts/pack-manifest.mjs strip|restore\n');
  process.exit(2);
}
