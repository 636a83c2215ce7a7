import { classifyRejection, classifyResolution } from '../../src/cloud/classify';
import { ProjectCode } from '../../src/core/codes';

/** wx-server-sdk's CloudSDKError: an Error whose own enumerable keys are errCode and errMsg. */
function cloudSdkError(errCode: number, errMsg: string): Error {
  return Object.assign(new Error(errMsg), { errCode, errMsg });
}

/** @cloudbase/node-sdk's TcbError: a string code and a message, no errCode. */
function tcbError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, requestId: '' });
}

const API = 'openapi.pluginManager.applyPlugin';
const URL_IN_MESSAGE = 'http://10.2.3.4:8080/admin?env=prod-7g3k2&seqId=1a222c61e4e_1';

// Every rejection shape in ../shared/reference/wx-server-sdk.md, with the messages the real SDK
// produced against the emulator (see test/e2e), mapped to [code, maybeDelivered].
const REJECTIONS: ReadonlyArray<readonly [string, unknown, number, boolean]> = [
  ['WeChat errcode (CloudSDKError)', cloudSdkError(89237, `${API}:fail the plugin has been added`), 89237, false],
  ['WeChat -1 (it may have acted all the same)', cloudSdkError(-1, `${API}:fail system error`), -1, true],
  ['gateway JSON with charset (Error with errCode)', cloudSdkError(-501007, `${API}:fail -501007 invalid parameters. bad`), -501007, false],
  ['gateway JSON without charset, known code', cloudSdkError(-501007, 'pluginManager.applyPlugin:fail gateway error'), -501007, false],
  ['gateway JSON without charset, unknown code', cloudSdkError(-501001, 'pluginManager.applyPlugin:fail gateway error'), -501001, true],
  ['protobuf errorCode -604101', cloudSdkError(-604101, 'system error: error code: -604101'), -604101, false],
  ['HTTP 502 with the gateway URL', cloudSdkError(-501001, `${API}:fail -501001 resource system error. 502 Bad Gateway | [${URL_IN_MESSAGE}]`), -501001, true],
  ['garbage body', cloudSdkError(-601001, 'pluginManager.applyPlugin:fail unknown wx response received: Error: invalid wire type 7'), -601001, true],
  ['JSON that is not JSON', cloudSdkError(-601001, `${API}:fail wechat server internal error, response body is invalid json: <html>`), -601001, true],
  ['connection refused', cloudSdkError(-501001, `${API}:fail -501001 resource system error. connect ECONNREFUSED 127.0.0.1:9`), -501001, false],
  ['connection reset', cloudSdkError(-501001, `${API}:fail -501001 resource system error. read ECONNRESET`), -501001, true],
  ['socket hang up', cloudSdkError(-501001, `${API}:fail -501001 resource system error. socket hang up`), -501001, true],
  ['SDK request timeout', cloudSdkError(-501001, `${API}:fail -501001 resource system error. request timeout`), -501001, true],
  ['circular data (RangeError with errCode -1)', Object.assign(new RangeError('Maximum call stack size exceeded'), { errCode: -1, errMsg: `${API}:fail Maximum call stack size exceeded` }), -1, true],
  // The SDK's own -1s cannot be told from WeChat's, so they count as possibly delivered too.
  ['called before init (synchronous CloudSDKError)', cloudSdkError(-1, "Cloud API isn't enabled, please call init first"), -1, true],
  ['plain object with errCode', { errCode: -604104, errMsg: 'illegal invocation source' }, -604104, false],
  ['TcbError INVALID_PARAM (string code)', tcbError('INVALID_PARAM', 'missing secretId or secretKey of tencent cloud'), -501007, false],
  ['TcbError SYS_ERR', tcbError('SYS_ERR', 'system error'), -501001, true],
  ['Node network error ECONNREFUSED', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), -501001, false],
  ['Node network error ETIMEDOUT', Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }), -501001, true],
  ['an unknown WeChat errcode', cloudSdkError(48001, `${API}:fail api unauthorized rid: 6543-21`), 48001, false],
  ['an Error with no code', new Error('boom'), ProjectCode.INTERNAL, false],
  ['a TcbError with an unknown string code', tcbError('SOMETHING_NEW', 'new'), ProjectCode.INTERNAL, false],
  ['a thrown string', 'boom', ProjectCode.INTERNAL, false],
  ['undefined', undefined, ProjectCode.INTERNAL, false],
  ['errCode as a string', { errCode: '89237', errMsg: 'odd' }, ProjectCode.INTERNAL, false],
  ['errCode 0 in a rejection', { errCode: 0, errMsg: 'odd' }, ProjectCode.INTERNAL, false],
];

describe('every SDK rejection maps to one typed error', () => {
  test.each(REJECTIONS)('%s', (_shape, thrown, code, maybeDelivered) => {
    const error = classifyRejection(thrown);
    expect(error.code).toBe(code);
    expect(error.maybeDelivered).toBe(maybeDelivered);
    expect(error.cause).toBe(thrown);
  });

  test('an unknown WeChat code keeps WeChat\'s message, redacted, and points at the global table', () => {
    const error = classifyRejection(cloudSdkError(40003, `${API}:fail invalid openid, see ${URL_IN_MESSAGE}`));
    expect(error.detail).toContain('errcode 40003 (invalid openid, see <url>)');
    expect(error.detail).not.toContain('10.2.3.4');
    expect(error.detail).toContain('global error table');
  });

  test('known codes use the catalogue, never the remote text', () => {
    const error = classifyRejection(cloudSdkError(-501001, `${API}:fail 502 Bad Gateway | [${URL_IN_MESSAGE}]`));
    expect(error.detail).toBeUndefined();
  });
});

describe('a resolved call is a success only when it is WeChat\'s answer', () => {
  test('{errCode: 0, errMsg} is a success', () => {
    expect(classifyResolution({ errCode: 0, errMsg: `${API}:ok` })).toBeUndefined();
  });

  test.each([
    ['an empty 200 body (buffer)', { contentType: '', buffer: Buffer.alloc(0), errCode: 0, errMsg: `${API}:ok` }],
    ['text that is not JSON', { result: '<html>busy</html>', errCode: 0, errMsg: `${API}:ok` }],
    ['null', null],
    ['a string', 'ok'],
    ['undefined', undefined],
  ])('%s is UNEXPECTED_ANSWER, which may have been delivered', (_shape, resolved) => {
    const error = classifyResolution(resolved);
    expect(error?.code).toBe(ProjectCode.UNEXPECTED_ANSWER);
    expect(error?.maybeDelivered).toBe(true);
  });

  test('a resolution carrying a non-zero errCode is read as that failure', () => {
    expect(classifyResolution({ errCode: 89236, errMsg: 'x' })?.code).toBe(89236);
  });
});

describe('remote messages', () => {
  test('an unknown code without a message is still explained', () => {
    expect(classifyRejection({ errCode: 40003 }).detail).toBe("WeChat answered errcode 40003: look the code up in WeChat's global error table");
    expect(classifyRejection({ errCode: 40003, errMsg: '' }).detail).toBe("WeChat answered errcode 40003: look the code up in WeChat's global error table");
  });
});

describe('the SDK failing on an answer that is not WeChat\'s', () => {
  test.each([
    "openapi.pluginManager.getPluginList:fail Cannot read properties of null (reading 'errcode')",
    "openapi.pluginManager.getPluginList:fail Cannot read property 'errcode' of null",
  ])('a JSON null (%s) is an unexpected answer, not "WeChat is busy"', (errMsg) => {
    expect(classifyRejection({ errCode: -1, errMsg })).toMatchObject({ code: ProjectCode.UNEXPECTED_ANSWER });
  });

  test('a real -1 from WeChat stays -1', () => {
    expect(classifyRejection({ errCode: -1, errMsg: 'openapi.pluginManager.applyPlugin:fail system error' })).toMatchObject({ code: -1 });
  });
});
