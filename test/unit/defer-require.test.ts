import { deferRequire, deferredChunk, type DeferredChunk } from '../../src/cloud/defer-require';

function counted<T>(make: () => T) {
  let loads = 0;
  return {
    load: () => {
      loads += 1;
      return make();
    },
    loads: () => loads,
  };
}

describe('deferRequire', () => {
  test('evaluates nothing until first use, then exactly once', () => {
    const module = counted(() => ({ answer: 42, nested: { value: 'x' } }));
    const deferred = deferRequire(module.load);
    expect(module.loads()).toBe(0);
    expect(deferred.answer).toBe(42);
    expect(deferred.nested.value).toBe('x');
    expect(module.loads()).toBe(1);
  });

  test('answers __esModule from the build-time flag without loading, as TypeScript\'s __importDefault asks', () => {
    const module = counted(() => ({ __esModule: true, default: { hello: () => 'hi' } }));
    const deferred = deferRequire(module.load, { esModule: true });
    expect((deferred as { __esModule?: boolean }).__esModule).toBe(true);
    expect(module.loads()).toBe(0);
    expect(deferred.default.hello()).toBe('hi');
    expect(module.loads()).toBe(1);
  });

  test('without a flag, __esModule is read from the real module', () => {
    const deferred = deferRequire(() => ({ __esModule: true }));
    expect((deferred as { __esModule?: boolean }).__esModule).toBe(true);
  });

  test('a module that is a function (axios) can be called, with its this and arguments', () => {
    const axios = Object.assign(function (this: unknown, url: string) {
      return { url, self: this };
    }, { get: (url: string) => `GET ${url}` });
    const deferred = deferRequire(() => axios);
    const marker = { marker: true };
    expect(Reflect.apply(deferred as unknown as (...args: unknown[]) => unknown, marker, ['/x'])).toEqual({ url: '/x', self: marker });
    expect(deferred.get('/y')).toBe('GET /y');
  });

  test('forwards writes, `in`, key listing, descriptors and the prototype to the real module', () => {
    class Service {
      greet() {
        return 'hi';
      }
    }
    const real = Object.defineProperty(new Service(), 'fixed', { value: 1, enumerable: true, configurable: false });
    const deferred = deferRequire(() => real as Service & { fixed: number; added?: number });
    deferred.added = 7;
    expect(real).toHaveProperty('added', 7);
    expect('fixed' in deferred).toBe(true);
    expect(Object.keys(deferred)).toEqual(['fixed', 'added']);
    expect({ ...deferred }).toEqual({ fixed: 1, added: 7 });
    expect(Object.getOwnPropertyDescriptor(deferred, 'fixed')).toMatchObject({ value: 1, enumerable: true });
    expect(Object.getOwnPropertyDescriptor(deferred, 'missing')).toBeUndefined();
    expect(deferred instanceof Service).toBe(true);
    expect(deferred.greet()).toBe('hi');
  });

  test('a deferred call returns a deferred result: the real call happens on first use of the result', () => {
    const made: unknown[][] = [];
    const module = counted(() => ({
      default: {
        generateHTTPClient: (...args: unknown[]) => {
          made.push(args);
          return { models: 'client' };
        },
        other: () => 'other',
      },
    }));
    const deferred = deferRequire(module.load, { esModule: true, deferredCalls: ['default.generateHTTPClient'] });
    const client = deferred.default.generateHTTPClient('callFunction', 'fetch');
    expect(module.loads()).toBe(0);
    expect(made).toEqual([]);
    expect(client.models).toBe('client');
    expect(made).toEqual([['callFunction', 'fetch']]);
    expect(module.loads()).toBe(1);
    // Once loaded, everything is the real module.
    expect(deferred.default.other()).toBe('other');
  });

  test('a top-level deferred call works the same way', () => {
    const module = counted(() => ({ make: (n: number) => ({ n }) }));
    const deferred = deferRequire(module.load, { deferredCalls: ['make'] });
    const made = deferred.make(3);
    expect(module.loads()).toBe(0);
    expect(made.n).toBe(3);
  });

  test('an error while loading surfaces at first use, where the unbundled SDK would have thrown at load', () => {
    const deferred = deferRequire<{ x: number }>(() => {
      throw new Error('cannot load');
    });
    expect(() => deferred.x).toThrow('cannot load');
  });
});

describe('deferredChunk', () => {
  test('requires and links the chunk once, on the first load, handing it the bridge', () => {
    const bridge = { shared: () => 'shared module' };
    const linked: unknown[] = [];
    let required = 0;
    const chunk: DeferredChunk = {
      link(received) {
        linked.push(received);
        return { load: (key) => `${key} using ${String(received.shared!())}` };
      },
    };
    const load = deferredChunk(() => {
      required += 1;
      return chunk;
    }, bridge);
    expect(required).toBe(0);
    expect(load('./auth')).toBe('./auth using shared module');
    expect(load('./database')).toBe('./database using shared module');
    expect(required).toBe(1);
    expect(linked).toEqual([bridge]);
  });
});
