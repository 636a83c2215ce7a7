/**
 * The HTTPS client's methods are typed from the registry: `tsc` (run by npm test) checks the
 * `@ts-expect-error` lines below, which fail the type-check if a wrong call were accepted.
 */
import { createHttpsClient, succeeded, type HttpsClient } from '../../src/https/client';
import type { PluginListEntry, PluginStatus } from '../../src/index';
import { OPERATIONS, type RegisteredPath } from '../../src/core/operations';

function typedCalls(client: HttpsClient) {
  void client.applyPlugin({ pluginAppid: 'wx0123456789abcdef' });
  void client.applyPlugin({ pluginAppid: 'wx0123456789abcdef', reason: 'maps' });
  void client.getPluginList();
  void client.updatePlugin({ pluginAppid: 'wx0123456789abcdef', userVersion: '2.2.46' });
  void client.getPluginDevApplyList({ page: 2 });
  void client.refuseDevPluginApplication({ appid: 'wx0123456789abcdef', reason: 'not now' });
  // @ts-expect-error pluginAppid is required
  void client.applyPlugin({ reason: 'maps' });
  // @ts-expect-error userVersion is required
  void client.updatePlugin({ pluginAppid: 'wx0123456789abcdef' });
  // @ts-expect-error page is a number
  void client.getPluginDevApplyList({ page: '2' });
  // @ts-expect-error a refusal needs its reason
  void client.refuseDevPluginApplication({ appid: 'wx0123456789abcdef' });
  void client.getPluginList().then((result) => {
    // On success the data is there, typed, with no optional chaining; on failure it is absent.
    if (succeeded(result)) {
      const list: readonly PluginListEntry[] = result.pluginList;
      return list.map((plugin) => plugin.status satisfies PluginStatus);
    }
    const absent: undefined = result.pluginList;
    return absent;
  });
  // @ts-expect-error the data may be absent until the result is known to have succeeded
  void client.getPluginList().then((result) => result.pluginList.length);
  // A per-call budget (dev-list --all gives each page what is left of the command's).
  void client.getPluginDevApplyList({ page: 1 }, { timeoutMs: 500 });
  return client.getPluginList().then((result) => result.pluginList?.map((plugin) => plugin.status satisfies 1 | 2 | 3 | 4));
}

test('the client has exactly one method per registered operation', () => {
  const client = createHttpsClient({ accessToken: 'unused', baseUrl: 'http://127.0.0.1:9' });
  expect(Object.keys(client).sort()).toEqual(OPERATIONS.map((operation) => operation.name).sort());
  expect(typeof typedCalls).toBe('function');
});

// The HTTPS path type is read from the operations' routes, never kept by hand.
// Literal paths (not any string), the registered ones among them; a new route adds its own.
type PathsAreRead = string extends RegisteredPath ? false : '/wxa/plugin' | '/wxa/devplugin' extends RegisteredPath ? true : false;
const pathsAreRead: PathsAreRead = true;
test('the registered HTTPS paths are the routes\' paths', () => expect(pathsAreRead).toBe(true));
