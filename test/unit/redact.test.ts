import { redact } from '../../src/core/redact';

describe('redact', () => {
  const env = {
    TENCENTCLOUD_SECRETID: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE',
    TENCENTCLOUD_SECRETKEY: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
    WX_API_TOKEN: 'tok1',
    TCB_ENV: 'prod-7g3k2',
    SCF_FUNCTIONNAME: 'applyPlugin',
    TENCENTCLOUD_REGION: 'ap-shanghai',
  };

  test.each([
    ['a URL with env and seqId', 'fail 502 Bad Gateway | [http://tcb-api.tencentcloudapi.com/admin?env=prod-7g3k2&seqId=1a2_1]', ['tencentcloudapi', 'prod-7g3k2', '1a2_1', 'http']],
    ['an address and port', 'connect ECONNREFUSED 127.0.0.1:41234', ['127.0.0.1', '41234']],
    ['a bare host', 'getaddrinfo ENOTFOUND api.weixin.qq.com', ['weixin.qq.com']],
    ['a secret from the environment', 'signature for AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE failed', ['AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE']],
    ['a short token-named value', 'token tok1 rejected', ['tok1']],
    ['the env id alone', 'environment prod-7g3k2 not found', ['prod-7g3k2']],
    ['key=value credentials', 'access_token=ACCESS123 secret: s3cr3t', ['ACCESS123', 's3cr3t']],
    ['a long opaque token', 'bad token 0123456789abcdef0123456789abcdef0123', ['0123456789abcdef0123456789abcdef0123']],
    ['a stack trace', 'Error: boom\n    at Object.<anonymous> (/var/user/index.js:1:1)', ['/var/user', 'at Object']],
  ])('removes %s', (_name, text, forbidden) => {
    const out = redact(text, env);
    for (const item of forbidden) expect(out).not.toContain(item);
  });

  test('keeps ordinary words readable, including short ordinary env values', () => {
    expect(redact('openapi.pluginManager.applyPlugin:fail system error in ap-shanghai', env)).toBe(
      'openapi.pluginManager.applyPlugin:fail system error in ap-shanghai',
    );
  });

  test('bounds the length', () => {
    expect([...redact('x '.repeat(500), env)].length).toBeLessThanOrEqual(200);
  });

  test('reads process.env by default', () => {
    process.env.REDACT_TEST_SECRET = 'hunter2hunter2';
    try {
      expect(redact('password hunter2hunter2')).not.toContain('hunter2hunter2');
    } finally {
      delete process.env.REDACT_TEST_SECRET;
    }
  });
});
