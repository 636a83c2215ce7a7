/**
 * The emulator's token model follows WeChat's stable_token rules, on its own clock: one current
 * token per appid; a forced refresh replaces it and the old one stays valid only for the grace
 * window; at most 20 forced refreshes a day; expiry by the clock.
 */
import { DEMO_MINI_PROGRAM_APPID, startEmulator, type Emulator } from '../../src/emulator/gateway';
import { DEMO_APP_SECRET, type HttpsApiOptions } from '../../src/emulator/https-api';

let emulator: Emulator;
afterEach(() => emulator.close());

async function start(options: HttpsApiOptions = {}) {
  emulator = await startEmulator({ https: options });
}

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${emulator.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  return (await response.json()) as Record<string, unknown>;
}

const token = async (force = false) => post('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: DEMO_MINI_PROGRAM_APPID, secret: DEMO_APP_SECRET, ...(force ? { force_refresh: true } : {}) });
const use = async (accessToken: unknown) => (await post(`/wxa/plugin?access_token=${String(accessToken)}`, { action: 'list' })).errcode;

test('a plain request answers the current token to everyone; a forced one replaces it', async () => {
  await start();
  const first = (await token()).access_token;
  expect((await token()).access_token).toBe(first);
  const forced = (await token(true)).access_token;
  expect(forced).not.toBe(first);
  expect((await token()).access_token).toBe(forced);
});

test('the replaced token stays valid for the grace window, then answers 40001', async () => {
  await start({ forcedRefreshGraceMs: 60_000 });
  const first = (await token()).access_token;
  await token(true);
  expect(await use(first)).toBe(0);
  emulator.https.advanceClock(60_000);
  expect(await use(first)).toBe(40001);
});

test('with no grace window a forced refresh invalidates the old token at once', async () => {
  await start({ forcedRefreshGraceMs: 0 });
  const first = (await token()).access_token;
  await token(true);
  expect(await use(first)).toBe(40001);
});

test('tokens expire on the clock (42001), and a plain request then issues the next one', async () => {
  await start({ tokenLifetimeSeconds: 100 });
  const first = (await token()).access_token;
  emulator.https.advanceClock(99_000);
  expect(await use(first)).toBe(0);
  emulator.https.advanceClock(1_000);
  expect(await use(first)).toBe(42001);
  const next = (await token()).access_token;
  expect(next).not.toBe(first);
  expect(await use(next)).toBe(0);
  expect(emulator.https.tokenRequests.forced).toBe(0);
});

test('at most 20 forced refreshes a day (45009 past that), counted again the next day', async () => {
  await start();
  for (let i = 0; i < 20; i += 1) expect(typeof (await token(true)).access_token).toBe('string');
  expect(await token(true)).toMatchObject({ errcode: 45009 });
  expect(typeof (await token()).access_token).toBe('string');
  emulator.https.advanceClock(86_400_000);
  expect(typeof (await token(true)).access_token).toBe('string');
});
