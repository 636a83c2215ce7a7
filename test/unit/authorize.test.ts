import { APP_CREDENTIALS_HOLDER, authorize, originOf, refuseHttpAccess } from '../../src/core/authorize';
import { ProjectCode } from '../../src/core/codes';
import { parseList, readConfig } from '../../src/core/config';
import { OperationError } from '../../src/core/errors';

const ADMIN = 'oAdmin00000000000000000000001';
const USER = 'oUser000000000000000000000002';
const withAdmins = readConfig({ ADMIN_OPENIDS: ` ${ADMIN} ,, oOther ` });
const withoutAdmins = readConfig({});

function codeOf(run: () => void): number | 'allowed' {
  try {
    run();
    return 'allowed';
  } catch (error) {
    if (error instanceof OperationError) return error.code;
    throw error;
  }
}

describe('ADMIN_OPENIDS', () => {
  test('is comma-separated, with spaces and empty entries ignored', () => {
    expect([...parseList(' a, b ,,c ,')]).toEqual(['a', 'b', 'c']);
  });
  test.each([undefined, '', ' , ,'])('%p means no administrators', (raw) => {
    expect(parseList(raw).size).toBe(0);
  });
});

describe('who may apply', () => {
  test.each(['wx_http', 'wx_trigger', 'wx_http,scf', 'wx_trigger,scf,scf', 'wx_client'])('by default no SOURCE (%s) lets a caller without an OPENID through', (source) => {
    expect(codeOf(() => authorize({ openid: undefined, source }, withoutAdmins))).toBe(ProjectCode.ADMIN_NOT_CONFIGURED);
    expect(codeOf(() => authorize({ openid: undefined, source }, withAdmins))).toBe(ProjectCode.NOT_ADMIN);
  });

  test('TRUSTED_SOURCES lets exactly the listed first elements through without an OPENID', () => {
    const trusting = readConfig({ TRUSTED_SOURCES: ' wx_trigger , ', ADMIN_OPENIDS: ADMIN });
    expect(codeOf(() => authorize({ openid: undefined, source: 'wx_trigger' }, trusting))).toBe('allowed');
    expect(codeOf(() => authorize({ openid: undefined, source: 'wx_trigger,scf' }, trusting))).toBe('allowed');
    for (const source of ['wx_http', 'scf,wx_trigger', 'wx_trigger_x', 'WX_TRIGGER', undefined]) {
      expect([source, codeOf(() => authorize({ openid: undefined, source }, trusting))]).toEqual([source, ProjectCode.NOT_ADMIN]);
    }
  });

  test('a cross-account call is refused first, even from an administrator or a trusted source', () => {
    const trusting = readConfig({ TRUSTED_SOURCES: 'wx_client', ADMIN_OPENIDS: ADMIN });
    const refusal = () => authorize({ openid: ADMIN, source: 'wx_client', fromAppid: 'wx9999999999999999' }, trusting);
    expect(codeOf(refusal)).toBe(ProjectCode.CROSS_ACCOUNT_REFUSED);
    expect(refusal).toThrow(/cross-account call from another mini-program/);
  });

  test.each([
    ['an HTTP-access request', { httpMethod: 'POST', path: '/apply', headers: {}, body: '{}' }, ProjectCode.HTTP_ACCESS_REFUSED],
    ['one with httpMethod alone', { httpMethod: 'POST', pluginAppid: 'wx0123456789abcdef' }, 'allowed'],
    ['an ordinary event', { pluginAppid: 'wx0123456789abcdef' }, 'allowed'],
    ['not an object', 'x', 'allowed'],
  ])('%s: HTTP access is refused by its shape', (_name, event, expected) => {
    expect(codeOf(() => refuseHttpAccess(event))).toBe(expected);
  });

  test.each(['wx_client', 'wx_client,scf', 'wx_devtools', 'wx_localdebug', 'scf', 'wx_paycallback', 'wx_unknown', 'something_new', ''])(
    'a call from %p is allowed for an administrator',
    (source) => {
      expect(codeOf(() => authorize({ openid: ADMIN, source }, withAdmins))).toBe('allowed');
    },
  );

  test.each(['wx_client', 'wx_client,scf', 'wx_devtools', 'wx_localdebug', 'scf,wx_http', 'wx_unknown'])('a call from %p is refused for anyone else', (source) => {
    expect(codeOf(() => authorize({ openid: USER, source }, withAdmins))).toBe(ProjectCode.NOT_ADMIN);
  });

  test('no SOURCE at all is treated as unknown, not as the server', () => {
    expect(codeOf(() => authorize({ openid: USER, source: undefined }, withAdmins))).toBe(ProjectCode.NOT_ADMIN);
  });

  test('a client call without an OPENID is refused', () => {
    expect(codeOf(() => authorize({ openid: undefined, source: 'wx_client' }, withAdmins))).toBe(ProjectCode.NOT_ADMIN);
    expect(codeOf(() => authorize({ openid: '', source: 'wx_client' }, withAdmins))).toBe(ProjectCode.NOT_ADMIN);
  });

  test('with ADMIN_OPENIDS unset every client call is refused, with how to configure it and the caller\'s OPENID', () => {
    try {
      authorize({ openid: ADMIN, source: 'wx_client' }, withoutAdmins);
      throw new Error('expected a refusal');
    } catch (error) {
      expect((error as OperationError).code).toBe(ProjectCode.ADMIN_NOT_CONFIGURED);
      expect((error as OperationError).detail).toContain('set the environment variable ADMIN_OPENIDS');
      expect((error as OperationError).detail).not.toContain(ADMIN);
      expect((error as OperationError).detail).toContain("the result's `openid` is yours");
    }
  });

  test('a refusal never puts the OPENID (an environment value) in its message', () => {
    try {
      authorize({ openid: USER, source: 'wx_client' }, withAdmins);
      throw new Error('expected a refusal');
    } catch (error) {
      expect((error as OperationError).detail).not.toContain(USER);
    }
  });

  test('the origin is the first element of the chain', () => {
    expect(originOf('wx_client,scf')).toBe('wx_client');
    expect(originOf(' wx_http , scf')).toBe('wx_http');
    expect(originOf(undefined)).toBe('');
  });
});

describe('the HTTPS form', () => {
  test('a holder of the app credentials needs no administrator list', () => {
    expect(codeOf(() => authorize(APP_CREDENTIALS_HOLDER, withoutAdmins))).toBe('allowed');
  });
});
