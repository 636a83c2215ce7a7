/**
 * Servers sharing an appid: N real processes using the library, against the
 * emulator, after the account's token expired. None may knock the others out: no call fails, and
 * at most one forced refresh is spent (an expiry needs none).
 */
import { measureSharedAppid } from '../support/token-sharing';

jest.setTimeout(120_000);

test.each([2, 5])('%i servers sharing an appid, after an expiry: no call fails, at most one forced refresh', async (servers) => {
  const figures = await measureSharedAppid(servers);
  expect(figures).toMatchObject({ servers, calls: servers * 4, failures: 0 });
  expect(figures.forcedRefreshes).toBeLessThanOrEqual(1);
});
