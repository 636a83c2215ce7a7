/**
 * Defers a module's evaluation until something first uses it. The bundler plugin
 * (scripts/esbuild-plugins.mjs) rewrites chosen `require("x")` calls inside wx-server-sdk's
 * dependencies into `deferRequire(() => require("x"), ...)`, so the services a cloud call never
 * touches (database, storage, auth, AI, axios, ...) are bundled but not evaluated at cold start.
 *
 * Nothing is left out: the first property read, call, `in` test or key listing evaluates the real
 * module and forwards to it, so a path that does use a service behaves exactly as before, only
 * later. That is what makes the optimisation safe even where this project's reading of the SDK's
 * call path were wrong: being wrong would cost time, never behaviour.
 */

export interface DeferOptions {
  /**
   * The real module's `__esModule` flag, answered without evaluating it: TypeScript's
   * `__importDefault` reads it at the require site. Checked against the real modules by a test.
   */
  readonly esModule?: boolean;
  /**
   * Dotted paths of functions whose call can itself be deferred: the call returns a deferred
   * object that makes the real call on first use. Only for calls with no side effects, such as
   * `default.generateHTTPClient` (it builds a Proxy and does no I/O).
   */
  readonly deferredCalls?: readonly string[];
  /**
   * Members known to be functions that a module's importer only tests for (protobufjs reads
   * `Long && Long.isLong` when it loads): reading one returns a function that calls the real one,
   * loading the module on that first call. The real result is returned; only the function's
   * identity differs (and `this` is always the real module, as in `Long.isLong(x)`).
   */
  readonly forwardedFunctions?: readonly string[];
}

type Loaded = Record<PropertyKey, unknown> & ((...args: unknown[]) => unknown);

export function deferRequire<T>(load: () => T, options: DeferOptions = {}): T {
  let loaded: Loaded | undefined;
  const real = (): Loaded => (loaded ??= load() as Loaded);
  const calls = options.deferredCalls ?? [];

  const deferredMember = (key: string): unknown => {
    if (options.forwardedFunctions?.includes(key)) {
      return (...args: unknown[]) => Reflect.apply(real()[key] as (...a: unknown[]) => unknown, real(), args);
    }
    if (calls.includes(key)) {
      return (...args: unknown[]) => deferRequire(() => (real()[key] as (...a: unknown[]) => unknown)(...args));
    }
    const nested = calls.filter((path) => path.startsWith(`${key}.`)).map((path) => path.slice(key.length + 1));
    return nested.length > 0 ? deferRequire(() => real()[key], { deferredCalls: nested }) : undefined;
  };

  // An arrow function as target: callable (axios is called as a function), no `prototype` of its
  // own, and every own property configurable, so forwarding key listings breaks no Proxy invariant.
  const target = (() => undefined) as unknown as Loaded;
  return new Proxy(target, {
    get(_target, key) {
      if (key === '__esModule' && options.esModule !== undefined && loaded === undefined) return options.esModule;
      if (loaded === undefined && typeof key === 'string') {
        const member = deferredMember(key);
        if (member !== undefined) return member;
      }
      return Reflect.get(real(), key);
    },
    set: (_target, key, value) => Reflect.set(real(), key, value),
    has: (_target, key) => Reflect.has(real(), key),
    apply: (_target, thisArg, args: unknown[]) => Reflect.apply(real(), thisArg, args),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor(_target, key) {
      const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
  }) as unknown as T;
}

/** What the deferred chunk (cloudfunctions/NAME/deferred.js) exports. */
export interface DeferredChunk {
  link(bridge: Readonly<Record<string, () => unknown>>): { load(key: string): unknown };
}

/**
 * The deferred modules live in a second file beside index.js, so that a cold start neither reads
 * nor parses them. `requireChunk` loads that file on the first use of any deferred module; `bridge`
 * hands it the modules it shares with index.js (the SDK's own utils, its CloudBase class, ...), so
 * there is one instance of each, as in the unbundled SDK.
 */
export function deferredChunk(requireChunk: () => DeferredChunk, bridge: Readonly<Record<string, () => unknown>>): (key: string) => unknown {
  let linked: { load(key: string): unknown } | undefined;
  return (key) => (linked ??= requireChunk().link(bridge)).load(key);
}
