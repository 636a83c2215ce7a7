import { redact, SCAN_LIMIT } from '../../src/core/redact';

const env = {
  TENCENTCLOUD_SECRETKEY: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
  TCB_ENV: 'prod-7g3k2',
};

const MIB = 1024 * 1024;
const repeatTo = (unit: string, length: number): string => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

describe('redact: IPv6 literals', () => {
  test.each([
    ['loopback with a port', 'connect ECONNREFUSED ::1:9', ['::1', ':9']],
    ['bracketed, with a port', 'connect ECONNREFUSED [fd00::1]:8080 after 3 tries', ['fd00', '8080', '[', ']']],
    ['link-local with a zone', 'connect EHOSTUNREACH fe80::1%eth0', ['fe80', 'eth0', '%']],
    ['compressed global', 'connect ETIMEDOUT 2001:db8::8a2e:370:7334', ['2001', 'db8', '8a2e', '7334']],
    ['IPv4-mapped', 'connect ECONNRESET ::ffff:10.0.0.1', ['ffff', '10.0.0.1', '0.0.1']],
    ['full eight groups', 'from 2001:0db8:85a3:0000:0000:8a2e:0370:7334 refused', ['2001', '85a3', '7334']],
    ['in a URL', 'request to http://[::1]:8089/wxa/plugin failed', ['::1', '8089', 'wxa']],
  ])('removes %s', (_name, text, forbidden) => {
    const out = redact(text, env);
    expect(out).toContain('<');
    for (const item of forbidden) expect(out).not.toContain(item);
  });

  test('names what was removed and keeps the words around it', () => {
    expect(redact('connect ECONNREFUSED [fd00::1]:8080 after 3 tries', env)).toBe('connect ECONNREFUSED <address> after 3 tries');
    expect(redact('connect ECONNREFUSED ::1:9', env)).toBe('connect ECONNREFUSED <address>');
  });

  test.each([
    'invalid credential, errcode: 40001',
    'rejected at 12:30:45, retry at 12:30',
    'failed at 2024-05-01T12:30:45.123Z',
    'std::string too long',
    'openapi.pluginManager.applyPlugin:fail -501001 resource system error',
    'ratio 3:2 and :: alone',
  ])('leaves ordinary text alone: %s', (text) => {
    expect(redact(text, env)).toBe(text);
  });
});

describe('redact: bounded work on long input', () => {
  test('a 1 MB ordinary message: the first words, cut to 200 characters', () => {
    const text = repeatTo('fail system error in ap-shanghai ', MIB);
    const out = redact(text, env);
    expect(out).toHaveLength(200);
    expect(out.endsWith('…')).toBe(true);
    expect(text.startsWith(out.slice(0, -1))).toBe(true);
  });

  test.each([
    ['dots and words', 'a.'],
    ['dashes and words', 'a-'],
    ['digits and dots', '1.'],
    ['hex and colons', '1:'],
    ['brackets', '['],
    ['colons', ':'],
    ['whitespace', ' \t'],
    ['mixed', 'a.a-1:1::[ '],
  ])('a 1 MB adversarial message (%s) answers at most 200 characters, from its start', (_name, unit) => {
    const text = repeatTo(unit, MIB);
    const out = redact(text, env);
    expect(out.length).toBeLessThanOrEqual(200);
    expect(out.endsWith('…')).toBe(true);
    expect(out.length).toBeGreaterThan(0);
  });

  test('a 1 MB run of dotted words stays readable: it is no host', () => {
    expect(redact(repeatTo('a.', MIB), env)).toBe(`${repeatTo('a.', 199)}…`);
  });

  test('nothing past the scan limit is read: a secret far out does not leak, and neither does a second line', () => {
    const text = `${repeatTo('x ', 2 * SCAN_LIMIT)}${env.TENCENTCLOUD_SECRETKEY}\nsecond line`;
    const out = redact(text, env);
    expect(out).not.toContain('Gu5t9x');
    expect(out).not.toContain('second');
  });

  test('what lies past the scan limit does not change the answer', () => {
    // Read whole, "= abc" would make "token" a key and its value redacted.
    expect(redact(`token${' '.repeat(SCAN_LIMIT)}= abc`, env)).toBe('token…');
  });

  test('a secret cut in two by the scan limit is dropped whole, even when everything before it shrank', () => {
    // The URL collapses to "<url>", so what stands at the limit would reach the output.
    const url = `http://tcb-api.tencentcloudapi.com/${repeatTo('p', SCAN_LIMIT - 60)}`;
    const text = `fail ${url} ${env.TENCENTCLOUD_SECRETKEY} tail`;
    const cutAt = SCAN_LIMIT - text.indexOf(env.TENCENTCLOUD_SECRETKEY);
    expect(cutAt).toBeGreaterThan(4);
    expect(cutAt).toBeLessThan(env.TENCENTCLOUD_SECRETKEY.length);
    const out = redact(text, env);
    expect(out).toBe('fail <url>…');
  });

  test('an address cut by the scan limit leaves no fragment', () => {
    // "10.20.30" is all that lies inside the limit: three parts, which no address pattern matches.
    const text = `http://h/${'q'.repeat(SCAN_LIMIT - 18)} 10.20.30.40:5678`;
    expect(text.slice(0, SCAN_LIMIT).endsWith(' 10.20.30')).toBe(true);
    expect(redact(text, env)).toBe('<url>…');
  });

  test('a stack frame on the first line goes, as before', () => {
    expect(redact('Error: boom    at Object.<anonymous> (/var/user/index.js:1:1)', env)).toBe('Error: boom');
    expect(redact('Error: boom\r\n    at x (/a.js:1:1)', env)).toBe('Error: boom');
  });

  test('text shorter than the limit keeps its old shape: no ellipsis', () => {
    expect(redact('token tok1 rejected by api.weixin.qq.com', env)).toBe('token tok1 rejected by <host>');
  });
});
