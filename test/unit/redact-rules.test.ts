/**
 * Redaction, one rule at a time, as src/core/redact.ts states them: each case pins the exact output,
 * so that keeping more than the rule allows (or less) fails, not only a forbidden word appearing.
 */
import { redact, rememberSecret, SCAN_LIMIT } from '../../src/core/redact';

const noEnv = {};
/** A URL of exactly `length` characters: it collapses to "<url>", so what stands after it reaches the output. */
const urlOf = (length: number): string => `http://h/${'p'.repeat(length - 9)}`;

describe('each pattern, and what stands in for what it removed', () => {
  test.each([
    ['an IPv4 address with a port', 'connect ECONNREFUSED 10.0.0.1:8080 now', 'connect ECONNREFUSED <address> now'],
    ['an IPv4 address alone', 'connect ECONNREFUSED 10.0.0.1 now', 'connect ECONNREFUSED <address> now'],
    ['localhost with a port', 'connect to localhost:8080 failed', 'connect to <host> failed'],
    ['localhost alone', 'connect to localhost failed', 'connect to <host> failed'],
    ['a two-label host in capitals', 'getaddrinfo ENOTFOUND Example.COM', 'getaddrinfo ENOTFOUND <host>'],
    ['a two-label host with a port', 'reach qq.com:443 failed', 'reach <host> failed'],
    ['a host in capitals', 'getaddrinfo ENOTFOUND GW.TCB.SVC.CLUSTER', 'getaddrinfo ENOTFOUND <host>'],
    ['a host in capitals with a port', 'connect to GW.TCB.SVC.CLUSTER:8443 failed', 'connect to <host> failed'],
    ['a two-label name', 'getaddrinfo ENOTFOUND my-backend.prod', 'getaddrinfo ENOTFOUND <host>'],
    ['a two-label name with a port, in capitals', 'connect to MY-BACKEND.PROD:5432 refused', 'connect to <host> refused'],
    ['a two-label name before a full stop', 'no route to redis.default.', 'no route to <host>.'],
    ['a secret-named key', 'secretKey=abc123 rejected', 'secretKey=<redacted> rejected'],
    ['a key with spaces around "="', 'token = abc rejected', 'token=<redacted> rejected'],
    ['a whole value, not its first character', 'token=abcdef rejected', 'token=<redacted> rejected'],
    ['a long token at the start', '0123456789abcdef0123456789abcdef0123 is bad', '<redacted> is bad'],
    ['a long token before a full stop', 'id 0123456789abcdef0123456789abcdef0123.', 'id <redacted>.'],
    ['a stack frame after a tab', 'Error: boom\tat fn (/a.js:1:1)', 'Error: boom'],
    ['a stack frame with two spaces before its parenthesis', 'Error: boom  at fn  (/a.js:1:1)', 'Error: boom'],
  ])('%s', (_name, text, expected) => {
    expect(redact(text, noEnv)).toBe(expected);
  });
});

describe('ordinary text beside the host patterns stays readable', () => {
  test.each([
    ['an API name', 'openapi.pluginManager.applyPlugin:fail system error'],
    ['a file name', 'cannot read index.js or package.json'],
    ['abbreviations and a version', 'e.g. 2.2.46, i.e. the newest'],
    ['appid, code and WeChat words', 'wx0123456789abcdef errcode 61007 api is unauthorized to component'],
    ['a sentence and a mixed-case word with a dot', 'failed. Retry, or call Node.js later'],
    ['capitals without a dot', 'ECONNRESET ETIMEDOUT SYSTEM_ERROR'],
    ['an SDK object and a handler field', 'call wx.cloud first, then read event.userinfo'],
  ])('%s', (_name, text) => {
    expect(redact(text, noEnv)).toBe(text);
  });
});

describe('only the first line', () => {
  test.each([
    ['a second line', 'first line\nsecond line', 'first line'],
    ['a CRLF line end', 'first line\r\nsecond line', 'first line'],
    ['an empty first line', '\nsecond line', ''],
    ['an empty first line, CRLF', '\r\nsecond line', ''],
  ])('%s: the rest is never shown', (_name, text, expected) => {
    expect(redact(text, noEnv)).toBe(expected);
  });
});

describe('a stack frame and what follows it', () => {
  test('a line that is only a frame leaves nothing', () => {
    expect(redact('    at Object.<anonymous> (/var/user/index.js:1:1)', noEnv)).toBe('');
  });
});

describe('values from the environment', () => {
  test('are replaced by <redacted>, the words around them kept', () => {
    expect(redact('signature for Gu5t9xGARNpq86cd98joQYCN failed', { APP_SECRET: 'Gu5t9xGARNpq86cd98joQYCN' })).toBe('signature for <redacted> failed');
  });

  test('longest first: a value that contains another goes whole, leaving none of its remainder', () => {
    // Listed shorter first, so the order is the rule's, not the environment's.
    const env = { SHORT_TOKEN: 'abcdefgh', LONG_TOKEN: 'abcdefgh-ijklmnop' };
    expect(redact('bad abcdefgh-ijklmnop here, abcdefgh there', env)).toBe('bad <redacted> here, <redacted> there');
  });

  test('a value named like a secret goes from 4 characters; shorter ones are too common to find', () => {
    expect(redact('code abc, word abcd', { API_TOKEN: 'abc' })).toBe('code abc, word abcd');
    expect(redact('code abc, word abcd', { API_TOKEN: 'abcd' })).toBe('code abc, word <redacted>');
    expect(redact('env prod-7g3k in use', { TCB_ENV: 'prod-7g3k' })).toBe('env <redacted> in use');
  });

  test('any other value goes from 16 characters; shorter ones (a function name, a region) stay', () => {
    expect(redact('in fifteen-chars-x', { REGION: 'fifteen-chars-x' })).toBe('in fifteen-chars-x');
    expect(redact('in sixteen-chars-xy', { REGION: 'sixteen-chars-xy' })).toBe('in <redacted>');
  });

  test('an unset variable is skipped', () => {
    expect(redact('ordinary text', { API_TOKEN: undefined, OTHER: undefined })).toBe('ordinary text');
  });
});

describe('secrets this process was given (rememberSecret)', () => {
  test('from 4 characters', () => {
    rememberSecret('qrs');
    rememberSecret('wxyz');
    expect(redact('qrs and wxyz', noEnv)).toBe('qrs and <redacted>');
  });

  test('the newest 64 are kept', () => {
    const values = Array.from({ length: 65 }, (_, index) => `kept-secret-${String(index).padStart(2, '0')}`);
    for (const value of values) rememberSecret(value);
    expect(redact(`${values[0]} ${values[1]} ${values[64]}`, noEnv)).toBe(`${values[0]} <redacted> <redacted>`);
  });
});

describe('the length', () => {
  test('200 characters are kept whole; one more is cut to 199 and an ellipsis', () => {
    const text = 'word '.repeat(40).slice(0, 199);
    expect(redact(`${text}x`, noEnv)).toBe(`${text}x`);
    expect(redact(`${text}xy`, noEnv)).toBe(`${text}…`);
  });
});

describe('the scan limit', () => {
  // The prefix collapses to "fail <url> ", so the words at the limit are what the caller reads.
  const prefix = `fail ${urlOf(SCAN_LIMIT - 106)} `;
  const words = 'word '.repeat(20).trimEnd();

  test('the words before the limit fill it exactly', () => {
    expect(prefix.length + words.length).toBe(SCAN_LIMIT - 1);
  });

  test('a text of exactly the limit is whole: no ellipsis, nothing dropped', () => {
    expect(redact(`${prefix}${words}s`, noEnv)).toBe(`fail <url> ${words}s`);
  });

  test('a word that ends at the limit is kept: the next character shows it whole', () => {
    expect(redact(`${prefix}${words}s more`, noEnv)).toBe(`fail <url> ${words}s…`);
  });

  test('a word the limit cuts is dropped', () => {
    expect(redact(`${prefix}${words}st more`, noEnv)).toBe(`fail <url> ${'word '.repeat(19).trimEnd()}…`);
  });

  test('a cut word longer than 1024 characters loses only its last 1024', () => {
    // A run of dotted words is no host and no token: what is left of it is shown as it is.
    const start = SCAN_LIMIT + 1 - 1024 - 50;
    const text = `fail ${urlOf(start - 6)} ${'a.'.repeat(1000)}`;
    expect(text.indexOf('a.')).toBe(start);
    expect(redact(text, noEnv)).toBe(`fail <url> ${'a.'.repeat(25)}…`);
  });
});
