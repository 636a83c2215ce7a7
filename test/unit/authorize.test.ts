import { APP_CREDENTIALS_HOLDER, authorize, originOf, refuseHttpAccess } from '../../src/core/authorize';
import { ProjectCode } from '../../src/core/codes';
import { parseAdminOpenids, parseTrustedSources, readConfig } from '../../src/core/config';
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
  const items = (raw: string | undefined) => {
    const parsed = parseAdminOpenids(raw);
    return 'items' in parsed ? [...parsed.items] : parsed.problem;
  };
  test.each([
    [' a, b ,,c ,', ['a', 'b', 'c']],
    ['oA，oB', ['oA', 'oB']],
    ['oA\noB\r\n oC\n', ['oA', 'oB', 'oC']],
    ['oA oB\toC', ['oA', 'oB', 'oC']],
    ['["oA", " oB "]', ['oA', 'oB']],
    ['  ["oA", "oB"]\n', ['oA', 'oB']],
    ['[]', []],
  ])('%p is read as people write it', (raw, expected) => {
    expect(items(raw)).toEqual(expected);
  });

  test.each([undefined, '', ' , ,', '\n'])('%p means no administrators', (raw) => {
    expect(items(raw)).toEqual([]);
  });

  test.each([
    ['"oA","oB"', /entry 1 is not an OPENID/],
    ['oA;oB', /entry 1 is not an OPENID/],
    ['["oA", 12345]', /entry 2 is not an OPENID/],
    // A run of separators is one separator: the bad entry is the second OPENID, not the fifth piece.
    ['oA ,，\n bad!', /entry 2 is not an OPENID/],
    ['["oA"', /not a JSON array/],
    ['[1,2', /not a JSON array/],
  ])('%p is refused with what to fix, never read as nobody', (raw, message) => {
    expect(items(raw)).toMatch(message);
  });

  test('a refused value refuses every call with -930105, naming the variable and never echoing it', () => {
    const config = readConfig({ ADMIN_OPENIDS: '"oSecretish"' });
    expect(config.adminOpenids.size).toBe(0);
    const refusal = () => authorize({ openid: 'oSecretish', source: 'wx_client' }, config);
    expect(codeOf(refusal)).toBe(ProjectCode.CONFIG_REFUSED);
    expect(refusal).toThrow(/ADMIN_OPENIDS entry 1/);
    expect(refusal).not.toThrow(/oSecretish/);
  });
});

describe('TRUSTED_SOURCES', () => {
  test('only ASCII spaces and tabs around commas are ignored; entries are kept exactly', () => {
    const parsed = parseTrustedSources(' wx_http ,\twx_trigger\t, wx_x\u00a0,\ufeffscf');
    expect('items' in parsed && [...parsed.items]).toEqual(['wx_http', 'wx_trigger', 'wx_x\u00a0', '\ufeffscf']);
  });

  test('unset or empty, it trusts nothing', () => {
    for (const raw of [undefined, '', ' , \t']) {
      const parsed = parseTrustedSources(raw);
      expect('items' in parsed && [...parsed.items]).toEqual([]);
    }
  });

  test('every space and tab around an entry goes, and none inside it', () => {
    const parsed = parseTrustedSources(' \t wx_http \t\t,my source\t \t');
    expect('items' in parsed && [...parsed.items]).toEqual(['wx_http', 'my source']);
  });

  test.each(['wx_client', 'wx_http, wx_client'])('%p is refused: every call answers -930105 saying to remove it', (raw) => {
    const config = readConfig({ TRUSTED_SOURCES: raw, ADMIN_OPENIDS: ADMIN });
    const refusal = () => authorize({ openid: ADMIN, source: 'wx_client' }, config);
    expect(codeOf(refusal)).toBe(ProjectCode.CONFIG_REFUSED);
    expect(refusal).toThrow(/TRUSTED_SOURCES lists the SOURCE of the mini-program's own calls.*remove that entry/);
  });

  test.each(['wx_http\u00a0', '\ufeffwx_http', 'wx_http\n', ' wx_http', 'wx_http ', 'wx_http\u200b'])('a near-copy of a trusted SOURCE (%j) is not trusted', (source) => {
    const config = readConfig({ TRUSTED_SOURCES: 'wx_http', ADMIN_OPENIDS: ADMIN });
    expect(codeOf(() => authorize({ openid: undefined, source }, config))).toBe(ProjectCode.NOT_ADMIN);
    expect(codeOf(() => authorize({ openid: undefined, source: `${source},scf` }, config))).toBe(ProjectCode.NOT_ADMIN);
    expect(codeOf(() => authorize({ openid: undefined, source: 'wx_http,scf' }, config))).toBe('allowed');
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
    const trusting = readConfig({ TRUSTED_SOURCES: 'wx_http', ADMIN_OPENIDS: ADMIN });
    const refusal = () => authorize({ openid: ADMIN, source: 'wx_http', fromAppid: 'wx9999999999999999' }, trusting);
    expect(codeOf(refusal)).toBe(ProjectCode.CROSS_ACCOUNT_REFUSED);
    expect(refusal).toThrow(/cross-account call from another mini-program/);
  });

  test.each([
    ['an HTTP-access request', { httpMethod: 'POST', path: '/apply', headers: {}, body: '{}' }, ProjectCode.HTTP_ACCESS_REFUSED],
    ['one with httpMethod alone', { httpMethod: 'POST', pluginAppid: 'wx0123456789abcdef' }, 'allowed'],
    ['an ordinary event', { pluginAppid: 'wx0123456789abcdef' }, 'allowed'],
    ['not an object', 'x', 'allowed'],
    ['null', null, 'allowed'],
    ['undefined', undefined, 'allowed'],
    ['httpMethod and path without headers', { httpMethod: 'POST', path: '/apply' }, 'allowed'],
    ['httpMethod and headers without path', { httpMethod: 'POST', headers: {} }, 'allowed'],
    ['path and headers without httpMethod', { path: '/apply', headers: {} }, 'allowed'],
    ['an httpMethod that is not text', { httpMethod: 1, path: '/apply', headers: {} }, 'allowed'],
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

  test('a client call without an OPENID is refused, saying it carries none', () => {
    expect(codeOf(() => authorize({ openid: undefined, source: 'wx_client' }, withAdmins))).toBe(ProjectCode.NOT_ADMIN);
    expect(codeOf(() => authorize({ openid: '', source: 'wx_client' }, withAdmins))).toBe(ProjectCode.NOT_ADMIN);
    expect(() => authorize({ openid: undefined, source: 'wx_client' }, withAdmins)).toThrow(/ADMIN_OPENIDS \(this call carries no OPENID\)$/);
    expect(() => authorize({ openid: undefined, source: 'wx_client' }, withoutAdmins)).toThrow(/cloud console \(this call carries no OPENID\)$/);
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
    expect(originOf(' wx_http , scf')).toBe(' wx_http '); // exactly as written: never trimmed
    expect(originOf(undefined)).toBe('');
  });
});

describe('the HTTPS form', () => {
  test('a holder of the app credentials needs no administrator list', () => {
    expect(codeOf(() => authorize(APP_CREDENTIALS_HOLDER, withoutAdmins))).toBe('allowed');
  });
});
