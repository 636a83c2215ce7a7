/**
 * The two memos of the per-call path (origins, answer keys) and what they are bounded by: a
 * remembered result is computed once, and keys past the capacity are computed every time without
 * pushing out the first ones.
 */
import { BoundedMemo } from '../../src/core/bounded-memo';
import { camelCaseKeys, convertedKeys } from '../../src/core/case';
import { splitUrl, targets } from '../../src/https/http-request';

describe('a bounded memo', () => {
  function counted(capacity: number) {
    const computed: string[] = [];
    const memo = new BoundedMemo((key: string) => {
      computed.push(key);
      return key === 'none' ? undefined : key.toUpperCase();
    }, capacity);
    return { memo, computed };
  }

  test('computes a key once, and answers the same result after', () => {
    const { memo, computed } = counted(4);
    expect([memo.get('a'), memo.get('b'), memo.get('a'), memo.get('a')]).toEqual(['A', 'B', 'A', 'A']);
    expect(computed).toEqual(['a', 'b']);
    expect(memo.size).toBe(2);
  });

  test('remembers a result that is undefined too', () => {
    const { memo, computed } = counted(4);
    expect([memo.get('none'), memo.get('none')]).toEqual([undefined, undefined]);
    expect(computed).toEqual(['none']);
  });

  test('past its capacity: the first keys stay, later ones are computed each time', () => {
    const { memo, computed } = counted(2);
    for (const key of ['a', 'b', 'c', 'c', 'a', 'b']) memo.get(key);
    expect(memo.get('c')).toBe('C');
    expect(computed).toEqual(['a', 'b', 'c', 'c', 'c']);
    expect(memo.size).toBe(2);
  });
});

describe('the memos of the per-call path', () => {
  test('answer keys: only those with an underscore are converted and remembered, at most 512', () => {
    const before = convertedKeys.size;
    camelCaseKeys({ errcode: 0, list: [{ appid: 'a', status: 1 }] });
    expect(convertedKeys.size).toBe(before);
    const many = Object.fromEntries(Array.from({ length: 600 }, (_unused, index) => [`key_${index}_x`, index]));
    const converted = camelCaseKeys(many) as Record<string, number>;
    // Converted all the same past the capacity; only remembering stops.
    expect(converted.key_0X).toBe(0);
    expect(converted.key_599X).toBe(599);
    expect(Object.keys(converted)).toHaveLength(600);
    expect(convertedKeys.size).toBe(512);
  });

  test('origins: one entry per origin, whatever the path and query, at most 32', () => {
    targets.get(splitUrl('http://127.0.0.1:1/a?access_token=1').origin);
    const size = targets.size;
    targets.get(splitUrl('http://127.0.0.1:1/b?access_token=2').origin);
    expect(targets.size).toBe(size);
    for (let port = 2; port < 60; port += 1) targets.get(`http://127.0.0.1:${port}`);
    expect(targets.size).toBe(32);
  });
});

describe('a URL split into origin and path', () => {
  test.each([
    ['http://127.0.0.1:8080/wxa/plugin?access_token=t', 'http://127.0.0.1:8080', '/wxa/plugin?access_token=t'],
    ['https://api.weixin.qq.com/cgi-bin/stable_token', 'https://api.weixin.qq.com', '/cgi-bin/stable_token'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080', '/'],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080', '/'],
    ['http://h/proxy/wechat/wxa/plugin?a=%2F', 'http://h', '/proxy/wechat/wxa/plugin?a=%2F'],
  ])('%s', (url, origin, path) => {
    expect(splitUrl(url)).toEqual({ origin, path });
  });
});
