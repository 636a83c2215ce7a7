"use strict";
// Loads bundle.js (the function, built from src/ by npm run build), from a V8 code cache on the
// Node builds WeChat runs. See docs/cold-start.md.
const { readFileSync } = require("fs");
const { join } = require("path");
const CACHES = {"v16.13.0-x64":"bundle.v16.13.0-x64.v8cache","v18.15.0-x64":"bundle.v18.15.0-x64.v8cache"};
const file = join(__dirname, "bundle.js");
const cacheFile = CACHES[process.version + "-" + process.arch];
let cachedData;
if (cacheFile !== undefined) {
  try {
    cachedData = readFileSync(join(__dirname, cacheFile));
  } catch (error) {
    cachedData = undefined;
  }
}
if (cachedData === undefined) {
  module.exports = require(file);
} else {
  const Module = require("module");
  const { Script } = require("vm");
  const script = new Script("(function (exports, require, module, __filename, __dirname) { " + readFileSync(file, "utf8") + "\n});", { filename: file, cachedData });
  const loaded = new Module(file, module);
  loaded.filename = file;
  loaded.paths = module.paths;
  Module._cache[file] = loaded;
  try {
    script.runInThisContext().call(loaded.exports, loaded.exports, Module.createRequire(file), loaded, file, __dirname);
  } catch (error) {
    delete Module._cache[file];
    throw error;
  }
  loaded.loaded = true;
  module.exports = loaded.exports;
}
