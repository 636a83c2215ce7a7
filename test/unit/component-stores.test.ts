/**
 * The stores the component client ships: memory and file (atomic, durable writes; a lock shared by
 * every process on the machine), the process-local mutex under both, and the guard that turns a
 * store's own failures into -930305.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileStore } from '../../src/component/file-store';
import { guardedStore } from '../../src/component/guarded-store';
import { KeyedMutex } from '../../src/component/keyed-mutex';
import { memoryStore, type ComponentStore } from '../../src/component/store';
import { readVerifyTicket } from '../../src/component/verify-ticket';
import { ProjectCode } from '../../src/core/codes';
import { OperationError } from '../../src/core/errors';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'component-stores-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const token = { token: 'tok', expiresAt: 2_000, refreshAt: 1_500 };

describe.each([
  ['memory', () => memoryStore()],
  ['file', () => fileStore(dir)],
])('the %s store', (_name, make: () => ComponentStore) => {
  test('reads back what was written, and nothing before', async () => {
    const store = make();
    expect(await store.readTicket()).toBeUndefined();
    expect(await store.readComponentToken()).toBeUndefined();
    expect(await store.readRefreshToken('wxa000000000000001')).toBeUndefined();
    await store.writeTicket('ticket@@@1');
    await store.writeComponentToken(token);
    await store.writeRefreshToken('wxa000000000000001', 'r1');
    await store.writeRefreshTokens([
      ['wxa000000000000002', 'r2'],
      ['wxa000000000000001', 'r1b'],
    ]);
    await store.writeAuthorizerToken('wxa000000000000001', { ...token, token: 'a1' });
    expect(await store.readTicket()).toBe('ticket@@@1');
    expect(await store.readComponentToken()).toEqual(token);
    expect(await store.readRefreshToken('wxa000000000000001')).toBe('r1b');
    expect(await store.readRefreshToken('wxa000000000000002')).toBe('r2');
    expect(await store.readAuthorizerToken('wxa000000000000001')).toEqual({ ...token, token: 'a1' });
    expect(await store.readAuthorizerToken('wxa000000000000002')).toBeUndefined();
  });

  test('withLock runs one holder of a name at a time, other names meanwhile', async () => {
    const store = make();
    const events: string[] = [];
    const hold = (name: string, label: string) =>
      store.withLock(name, async () => {
        events.push(`${label}+`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        events.push(`${label}-`);
      });
    await Promise.all([hold('a', 'a1'), hold('a', 'a2'), hold('b', 'b1')]);
    expect(events.indexOf('a1-')).toBeLessThan(events.indexOf('a2+'));
    expect(events.indexOf('b1+')).toBeLessThan(events.indexOf('a1-'));
  });
});

describe('the file store', () => {
  test('leaves no temporary files, and keeps files private to the user', async () => {
    const store = fileStore(dir);
    await store.writeRefreshToken('wxa000000000000001', 'r1');
    await store.writeRefreshToken('wxa000000000000001', 'r2');
    expect(readdirSync(join(dir, 'authorizers'))).toEqual(['wxa000000000000001.refresh']);
    expect(readFileSync(join(dir, 'authorizers', 'wxa000000000000001.refresh'), 'utf8')).toBe('r2');
    expect(statSync(join(dir, 'authorizers', 'wxa000000000000001.refresh')).mode & 0o777).toBe(0o600);
  });

  test('two stores on one folder (as two processes) share the lock', async () => {
    const [first, second] = [fileStore(dir), fileStore(dir)];
    let inside = 0;
    let most = 0;
    const work = async () => {
      inside += 1;
      most = Math.max(most, inside);
      await new Promise((resolve) => setTimeout(resolve, 15));
      inside -= 1;
    };
    await Promise.all([first.withLock('component', work), second.withLock('component', work), first.withLock('component', work), second.withLock('component', work)]);
    expect(most).toBe(1);
    expect(existsSync(join(dir, 'locks', 'component.lock'))).toBe(false);
  });

  test('a lock left by a crashed process is taken over once stale; a fresh one is waited for', async () => {
    const store = fileStore(dir, { staleLockMs: 1_000, lockWaitMs: 200 });
    await store.writeTicket('x'); // creates the folders
    const lock = join(dir, 'locks', 'authorizer_wxa000000000000001.lock');
    writeFileSync(lock, '99999\n');
    await expect(store.withLock('authorizer:wxa000000000000001', async () => 'ran')).rejects.toThrow(/still held/);
    utimesSync(lock, new Date(Date.now() - 5_000), new Date(Date.now() - 5_000));
    await expect(store.withLock('authorizer:wxa000000000000001', async () => 'ran')).resolves.toBe('ran');
  });

  test('a holder killed with SIGKILL leaves a lock that a later process takes over', async () => {
    const script = join(dir, 'holder.js');
    writeFileSync(script, `require('fs').mkdirSync(process.argv[2] + '/locks', { recursive: true }); require('fs').writeFileSync(process.argv[2] + '/locks/component.lock', String(process.pid)); process.send('held'); setInterval(() => {}, 1000);`);
    const child = fork(script, [dir], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    await new Promise((resolve) => child.once('message', resolve));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    utimesSync(join(dir, 'locks', 'component.lock'), new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    await expect(fileStore(dir).withLock('component', async () => 'ran')).resolves.toBe('ran');
  });
});

describe('the process-local mutex', () => {
  test('a failing holder does not block the next, and idle names hold no memory', async () => {
    const mutex = new KeyedMutex();
    await expect(mutex.run('x', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(mutex.run('x', async () => 'next')).resolves.toBe('next');
    expect((mutex as unknown as { tails: Map<string, unknown> }).tails.size).toBe(0);
  });
});

describe('the guard around a store', () => {
  test('a store\'s own failure becomes -930305; the work\'s OperationError passes as it is', async () => {
    const broken: ComponentStore = { ...memoryStore(), readRefreshToken: () => Promise.reject(new Error('EACCES /secret/path')) };
    const guarded = guardedStore(broken);
    await expect(guarded.readRefreshToken('wxa000000000000001')).rejects.toMatchObject({ code: ProjectCode.TOKEN_STORE_FAILED });
    const refusal = new OperationError(61023);
    await expect(guarded.withLock('x', () => Promise.reject(refusal))).rejects.toBe(refusal);
  });
});

describe('the verify ticket', () => {
  test('a value, a function or a file; blank is none', async () => {
    const file = join(dir, 'ticket');
    writeFileSync(file, '  ticket@@@file\n');
    expect(await readVerifyTicket('ticket@@@value')).toBe('ticket@@@value');
    expect(await readVerifyTicket(async () => 'ticket@@@function')).toBe('ticket@@@function');
    expect(await readVerifyTicket({ file })).toBe('ticket@@@file');
    expect(await readVerifyTicket('  ')).toBeUndefined();
    expect(await readVerifyTicket(undefined)).toBeUndefined();
  });
});
