/**
 * The library entry loads none of the batch's engine or drivers (pg-boss, PGlite, pg, the progress
 * bar): a program that only uses createHttpsClient, or runs on a Node too old for them, never pays
 * for or trips over them. They load when a batch first opens its store, and only then.
 */
const mockLoaded: string[] = [];
jest.mock('pg-boss', () => {
  mockLoaded.push('pg-boss');
  return {};
});
jest.mock('@electric-sql/pglite', () => {
  mockLoaded.push('@electric-sql/pglite');
  return {};
});
jest.mock('pg', () => {
  mockLoaded.push('pg');
  return { Pool: class {} };
});
jest.mock('cli-progress', () => {
  mockLoaded.push('cli-progress');
  return {};
});

import * as library from '../../src/index';
import { BATCH_NODE_MIN } from '../../src/batch/limits';

test('loading the package, making clients and a batch, and a refused start load none of them', async () => {
  expect(typeof library.createHttpsClient).toBe('function');
  library.createHttpsClient({ appid: 'wx0000000000000001', secret: 'not-a-secret' });
  const batch = library.openBatch({ componentAppid: 'wxc0de000000000001', componentSecret: 'not-a-secret', store: { databaseUrl: 'postgres://127.0.0.1:1/none' } });
  const refused = await batch.start({ operation: 'applyPlugin', request: {} as never, authorizers: 'all' });
  expect(refused.errCode).toBe(library.ProjectCode.INVALID_APPID);
  expect(mockLoaded).toEqual([]);
});

test('the first use of the store loads its driver, then (had it connected) the job engine', async () => {
  // Every driver here is a stand-in, so the Node version batch runs need (22.12) is not what this
  // is about: this process is told it runs one, so that the batch goes as far as opening its store.
  const version = Object.getOwnPropertyDescriptor(process.versions, 'node')!;
  Object.defineProperty(process.versions, 'node', { ...version, value: BATCH_NODE_MIN });
  let batch: ReturnType<typeof library.openBatch>;
  try {
    batch = library.openBatch({ componentAppid: 'wxc0de000000000001', componentSecret: 'not-a-secret', store: { databaseUrl: 'postgres://127.0.0.1:1/none' } });
  } finally {
    Object.defineProperty(process.versions, 'node', version);
  }
  // The stand-in Pool cannot query: the store fails to open, as an answer.
  expect(await batch.status()).toMatchObject({ errCode: library.ProjectCode.TOKEN_STORE_FAILED, attempts: 0 });
  expect(mockLoaded).toEqual(['pg']);
  await batch.close();
});
