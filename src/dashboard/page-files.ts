/**
 * The page's own files (src/dashboard/page/), by name. Run from source they are read from that
 * folder; the tools build (scripts/build.mjs) puts their text into dist/wxplugin.js in place of
 * this module, so the command works from a clone or an installed package alike, offline.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function pageFiles(): ReadonlyMap<string, string> {
  const dir = join(__dirname, 'page');
  return new Map(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
}
