/**
 * One rule for WeChat's answers, whichever transport carried them: the same
 * body reads the same through wx-server-sdk as over HTTPS. The SDK side is played by a stand-in
 * that applies wx-server-sdk 4.0.2's own rule to the same text (json-bigint, then "a truthy errcode
 * rejects with that errcode, anything else resolves without it"); the end-to-end suites run the
 * real SDK.
 */
import { createSdkTransport } from '../../src/cloud/sdk-transport';
import { ProjectCode } from '../../src/core/codes';
import { budgetOf } from '../../src/core/deadline';
import type { OperationError } from '../../src/core/errors';
import { createHttpsTransport } from '../../src/https/https-transport';
import { givenToken } from '../../src/https/access-token';
import { fakeSdk } from '../support/fake-sdk';

const API = 'pluginManager.getPluginList';
/** wx-server-sdk's own JSON parser (its dependency, untyped). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const JSONbig = require('json-bigint') as { parse(text: string): unknown };

/** What wx-server-sdk 4.0.2 does with WeChat's JSON text (read from its index.js). */
function sdkAnswering(text: string) {
  return fakeSdk(() => {
    let result: Record<string, unknown>;
    try {
      result = JSONbig.parse(text) as Record<string, unknown>;
    } catch {
      return Promise.reject(Object.assign(new Error('x'), { errCode: -601001, errMsg: `openapi.${API}:fail wechat server internal error, response body is invalid json: ${text}` }));
    }
    if (result.errcode) return Promise.reject(Object.assign(new Error('x'), { errCode: result.errcode, errMsg: `openapi.${API}:fail ${String(result.errmsg)}` }));
    delete result.errcode;
    delete result.errmsg;
    return Promise.resolve({ ...result, errCode: 0, errMsg: `openapi.${API}:ok` });
  });
}

async function outcome(send: Promise<unknown>): Promise<number> {
  try {
    await send;
    return 0;
  } catch (error) {
    return (error as OperationError).code;
  }
}

async function throughSdk(text: string): Promise<number> {
  return outcome(createSdkTransport(sdkAnswering(text)).send({ cloudApi: API, path: '/wxa/plugin' }, { action: 'list' }, budgetOf(1000)));
}

async function overHttps(text: string): Promise<number> {
  const fetchImpl = (async () => new Response(text, { status: 200, headers: { 'content-type': 'application/json' } })) as unknown as typeof fetch;
  return outcome(createHttpsTransport({ baseUrl: 'http://127.0.0.1:9', tokens: givenToken('t'), fetch: fetchImpl }).send({ cloudApi: API, path: '/wxa/plugin' }, { action: 'list' }, budgetOf(1000)));
}

describe('an errcode reads the same through both transports', () => {
  test.each([
    ['"0"', '{"errcode":"0","errmsg":"ok"}', ProjectCode.UNEXPECTED_ANSWER],
    ['0.5', '{"errcode":0.5,"errmsg":"x"}', ProjectCode.UNEXPECTED_ANSWER],
    ['true', '{"errcode":true,"errmsg":"x"}', ProjectCode.UNEXPECTED_ANSWER],
    ['1e400', '{"errcode":1e400,"errmsg":"x"}', ProjectCode.UNEXPECTED_ANSWER],
    ['a number past 2^53', '{"errcode":12345678901234567890,"errmsg":"x"}', ProjectCode.UNEXPECTED_ANSWER],
    ['-930101, in the project\'s own range', '{"errcode":-930101,"errmsg":"x"}', ProjectCode.UNEXPECTED_ANSWER],
    ['-930201', '{"errcode":-930201,"errmsg":"x"}', ProjectCode.UNEXPECTED_ANSWER],
    ['89244', '{"errcode":89244,"errmsg":"plugin appid not exist"}', 89244],
    ['0', '{"errcode":0,"errmsg":"ok"}', 0],
    ['-1', '{"errcode":-1,"errmsg":"system error"}', -1],
  ])('errcode %s', async (_name, text, code) => {
    expect(await overHttps(text)).toBe(code);
    expect(await throughSdk(text)).toBe(code);
  });

  test('a code in the project\'s range says it is WeChat\'s, never "set ADMIN_OPENIDS"', async () => {
    const fetchImpl = (async () => new Response('{"errcode":-930101,"errmsg":"x"}', { status: 200 })) as unknown as typeof fetch;
    const error = await createHttpsTransport({ baseUrl: 'http://127.0.0.1:9', tokens: givenToken('t'), fetch: fetchImpl })
      .send({ cloudApi: API, path: '/wxa/plugin' }, { action: 'list' }, budgetOf(1000))
      .catch((caught: OperationError) => caught);
    expect((error as OperationError).detail).toMatch(/WeChat answered errcode -930101, which lies in this project's own range/);
    expect((error as OperationError).maybeDelivered).toBe(true);
  });
});
