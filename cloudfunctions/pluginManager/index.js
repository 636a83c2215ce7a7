"use strict";
// Loads bundle.js (the function, built from src/ by npm run build), from a V8 code cache made
// for this V8 version when there is one. See docs/cold-start.md.
const { readFileSync } = require("fs");
const { join } = require("path");
const CACHES = {"9.4.146.19-x64":{"file":"bundle.v8-9.4.146.19-x64.v8cache","node":"v16.13."},"9.4.146.24-x64":{"file":"bundle.v8-9.4.146.24-x64.v8cache","node":"v16.13."},"10.2.154.26-x64":{"file":"bundle.v8-10.2.154.26-x64.v8cache","node":"v18.15."},"11.3.244.8-x64":{"file":"bundle.v8-11.3.244.8-x64.v8cache","node":"v20.19."},"12.4.254.21-x64":{"file":"bundle.v8-12.4.254.21-x64.v8cache","node":"v22.21."},"13.6.233.10-x64":{"file":"bundle.v8-13.6.233.10-x64.v8cache","node":"v24.11."}};
const file = join(__dirname, "bundle.js");
const cache = CACHES[process.versions.v8.split("-")[0] + "-" + process.arch];
let cachedData;
if (cache !== undefined && process.version.startsWith(cache.node)) {
  try {
    cachedData = readFileSync(join(__dirname, cache.file));
  } catch (error) {
    cachedData = undefined;
  }
}
if (cachedData === undefined) {
  module.exports = require(file);
} else {
  // The CommonJS loader itself (require("module") would load it again as a public module, with the
  // ES module loader and the source-map support behind it: 1 ms and more on Node 20 and 22).
  const Module = module.constructor;
  const { Script } = require("vm");
  const script = new Script("(function (exports, require, module, __filename, __dirname) { " + readFileSync(file, "utf8") + "\n});", { filename: file, cachedData });
  const loaded = new Module(file, module);
  loaded.filename = file;
  loaded.paths = module.paths;
  loaded.cachedDataRejected = script.cachedDataRejected === true;
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
