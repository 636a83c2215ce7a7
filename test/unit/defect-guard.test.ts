import { EventEmitter } from 'node:events';
import { createCredentialsDefectGuard, isCredentialsDefect } from '../../src/cloud/defect-guard';

const defect = Object.assign(new Error('missing secretId or secretKey of tencent cloud, please set secretId and secretKey in config'), {
  code: 'INVALID_PARAM',
});

/** An EventEmitter standing in for `process`, so no real unhandled rejection escapes into jest. */
function fakeProcess() {
  return new EventEmitter() as unknown as NodeJS.Process;
}

describe('the credentials defect guard', () => {
  test('recognises exactly the SDK defect', () => {
    expect(isCredentialsDefect(defect)).toBe(true);
    expect(isCredentialsDefect({ code: 'INVALID_PARAM', message: 'something else' })).toBe(false);
    expect(isCredentialsDefect({ code: 'SYS_ERR', message: defect.message })).toBe(false);
    expect(isCredentialsDefect(null)).toBe(false);
    expect(isCredentialsDefect('missing secretId or secretKey')).toBe(false);
  });

  test('swallows the defect while a call is in flight and reports it', async () => {
    const target = fakeProcess();
    const guard = createCredentialsDefectGuard(target);
    // Observed inside the call, asserted outside it: an assertion failing inside would only become
    // the call's rejected outcome.
    let listening = -1;
    const { outcome, credentialsMissing } = await guard.run(async () => {
      listening = target.listenerCount('unhandledRejection');
      target.emit('unhandledRejection', defect, Promise.resolve());
      return 'answer';
    });
    expect(listening).toBe(1);
    expect(outcome).toEqual({ status: 'fulfilled', value: 'answer' });
    expect(credentialsMissing).toBe(true);
    // Still listening for the rest of this turn; gone at the next.
    expect(target.listenerCount('unhandledRejection')).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(target.listenerCount('unhandledRejection')).toBe(0);
  });

  test('reports no defect when none fired, and passes rejections and synchronous throws through as outcomes', async () => {
    const guard = createCredentialsDefectGuard(fakeProcess());
    const rejected = await guard.run(() => Promise.reject(new Error('gateway said no')));
    expect(rejected.outcome.status).toBe('rejected');
    expect(rejected.credentialsMissing).toBe(false);
    const thrown = await guard.run(() => {
      throw new Error('sync');
    });
    expect(thrown.outcome).toMatchObject({ status: 'rejected', reason: new Error('sync') });
  });

  test('leaves any other unhandled rejection to Node: with no other listener it is rethrown', async () => {
    const target = fakeProcess();
    const guard = createCredentialsDefectGuard(target);
    const other = new Error('not ours');
    const { outcome } = await guard.run(async () => {
      target.emit('unhandledRejection', other, Promise.resolve());
      return 'not rethrown';
    });
    // The emit threw inside the call, so the call's outcome is that rejection, not a value.
    expect(outcome).toEqual({ status: 'rejected', reason: other });
  });

  test('does not rethrow when the application has its own listener', async () => {
    const target = fakeProcess();
    const seen: unknown[] = [];
    target.on('unhandledRejection', (reason) => seen.push(reason));
    const guard = createCredentialsDefectGuard(target);
    const { outcome } = await guard.run(async () => {
      target.emit('unhandledRejection', new Error('theirs'), Promise.resolve());
      return 'not rethrown';
    });
    expect(outcome).toEqual({ status: 'fulfilled', value: 'not rethrown' });
    expect(seen).toHaveLength(1);
  });

  test('stays installed until the last of overlapping calls ends', async () => {
    const target = fakeProcess();
    const guard = createCredentialsDefectGuard(target);
    let release!: () => void;
    const first = guard.run(() => new Promise<void>((resolve) => (release = resolve)));
    await guard.run(async () => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(target.listenerCount('unhandledRejection')).toBe(1);
    release();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(target.listenerCount('unhandledRejection')).toBe(0);
  });
});
