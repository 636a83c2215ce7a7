import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { createCredentialsDefectGuard } from '../../src/cloud/defect-guard';

const defect = Object.assign(new Error('missing secretId or secretKey of tencent cloud, please set secretId and secretKey in config'), {
  code: 'INVALID_PARAM',
});

describe('the credentials defect guard, at the edge of a call', () => {
  test('still listens when a rejection made as the call settles is reported, after that turn\'s microtasks', async () => {
    const target = new EventEmitter() as unknown as NodeJS.Process;
    const guard = createCredentialsDefectGuard(target);
    let listenersWhenReported = -1;
    const { outcome, credentialsMissing } = await guard.run(async () => {
      // Node reports unhandled rejections once the microtask queue has drained; a tick queued from
      // a microtask runs exactly then, after the guard's own continuations.
      queueMicrotask(() =>
        process.nextTick(() => {
          listenersWhenReported = target.listenerCount('unhandledRejection');
          target.emit('unhandledRejection', defect, Promise.resolve());
        }),
      );
      return 'answer';
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(listenersWhenReported).toBe(1);
    // Reported after the call settled: swallowed, but counted for no call (the SDK's real defect
    // rejects when the request starts, long before the answer, and is counted; see the unit tests).
    expect(credentialsMissing).toBe(false);
    expect(outcome).toEqual({ status: 'fulfilled', value: 'answer' });
    expect(target.listenerCount('unhandledRejection')).toBe(0);
  });

  test('a real Node process survives the defect rejected in the same turn the call resolves', () => {
    const guardSource = buildSync({
      entryPoints: [join(__dirname, '../../src/cloud/defect-guard.ts')],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
    }).outputFiles[0]!.text;
    // The SDK's fire-and-forget `prepareCredentials`: a rejection nobody handles, made while the call
    // answers, so that Node reports it at the end of the very turn the call settles in.
    const driver = `
      const { createCredentialsDefectGuard } = guardModule;
      const defect = Object.assign(new Error('missing secretId or secretKey'), { code: 'INVALID_PARAM' });
      createCredentialsDefectGuard().run(async () => { Promise.reject(defect); return 'answer'; })
        .then((result) => setImmediate(() => console.log(JSON.stringify({ ...result, listeners: process.listenerCount('unhandledRejection') }))));
    `;
    const child = spawnSync(process.execPath, ['-e', `const guardModule = ((module) => { ${guardSource}; return module.exports; })({ exports: {} });\n${driver}`], { encoding: 'utf8', timeout: 20_000 });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    // It survives; the rejection came too late to be counted for this call (see above).
    expect(JSON.parse(child.stdout)).toEqual({ outcome: { status: 'fulfilled', value: 'answer' }, credentialsMissing: false, listeners: 0 });
  });
});
