/**
 * `wxplugin authorizers`: the mini-programs that authorised the third-party platform, each with
 * whether it granted plugin management (permission set 40, without which every plugin call answers
 * 61007). Lists with api_get_authorizer_list a page at a time and asks api_get_authorizer_info for
 * each, printing as it goes (a table on a terminal, JSON lines otherwise), so 100,000 authorisers
 * never sit in memory. Exit status: 0 when every authoriser was listed and read, 1 when WeChat
 * refused something, 2 for bad arguments or configuration (nothing sent).
 */
import { createComponentClient, type AuthorizerInfo, type ListedAuthorizer } from '../component/client';
import { fileStore } from '../component/file-store';
import { parseOptions, readBaseUrlVariable, usageError, type Tool } from './cli';
import { localDate } from './tables';
import { forTerminal, jsonForTerminal } from './terminal';

export const COMPONENT_ENVIRONMENT = `Environment:
  WECHAT_COMPONENT_APPID           the third-party platform's appid
  WECHAT_COMPONENT_SECRET          its secret (component_appsecret)
  WECHAT_COMPONENT_VERIFY_TICKET   the latest component_verify_ticket WeChat pushed, or @FILE: a file
                                   holding it (read whenever a component token is fetched)
  WECHAT_API_BASE_URL              default https://api.weixin.qq.com`;

/** How many api_get_authorizer_info requests are in flight at once. */
const INFO_CONCURRENCY = 8;

export function authorizersHelp(run: string): string {
  return [
    `Usage: ${run} authorizers [options]`,
    '',
    'The mini-programs that authorised the third-party platform, and whether each granted plugin',
    'management (permission set 40): api_get_authorizer_list, then api_get_authorizer_info for each.',
    'Their refresh tokens are kept in the token store (with --token-store, on disk).',
    '',
    'Options:',
    '  --token-store DIR   keep tokens in DIR (a file store shared with other runs; default: memory)',
    '  --json              JSON lines even on a terminal: one per authoriser, then a summary',
    '  -h, --help          this text',
    '',
    COMPONENT_ENVIRONMENT,
    '',
  ].join('\n');
}

/** The component's credentials from the environment; a missing one is a usage error. */
export function readComponentEnvironment(tool: Tool) {
  const value = (name: string) => (process.env[name]?.trim() ? process.env[name]!.trim() : undefined);
  const baseUrl = readBaseUrlVariable(tool);
  const missing = ['WECHAT_COMPONENT_APPID', 'WECHAT_COMPONENT_SECRET', 'WECHAT_COMPONENT_VERIFY_TICKET'].filter((name) => !value(name));
  if (missing.length) usageError(tool, `${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set: the third-party platform's credentials are needed`);
  const ticket = value('WECHAT_COMPONENT_VERIFY_TICKET')!;
  if (ticket === '@') usageError(tool, 'WECHAT_COMPONENT_VERIFY_TICKET=@ names no file: write @FILE');
  return {
    componentAppid: value('WECHAT_COMPONENT_APPID')!,
    componentSecret: value('WECHAT_COMPONENT_SECRET')!,
    verifyTicket: ticket.startsWith('@') ? { file: ticket.slice(1) } : ticket,
    baseUrl,
  };
}

type Row = ListedAuthorizer & Partial<AuthorizerInfo>;

function tableLine(row: Row): string {
  const granted = row.errCode === 0 ? (row.pluginManagement ? 'yes' : 'no (61007)') : `? ${row.errCode}`;
  return `${forTerminal(row.authorizerAppid)}  ${granted.padEnd(10)}  ${localDate(row.authTime)}  ${forTerminal(String(row.nickName ?? ''))}`;
}

/** `items` through `work`, at most `limit` at once, results in the items' order. */
async function inOrder<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    for (let index = next++; index < items.length; index = next++) results[index] = await work(items[index]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

export async function runAuthorizers(run: string, args: readonly string[]): Promise<void> {
  const tool: Tool = { name: 'wxplugin authorizers', help: `${run} authorizers --help` };
  const values = parseOptions(tool, { 'token-store': { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } }, args);
  if (values.help) {
    process.stdout.write(authorizersHelp(run));
    return;
  }
  if (values['token-store'] !== undefined && values['token-store'].trim() === '') usageError(tool, '--token-store needs a folder');
  const credentials = readComponentEnvironment(tool);
  const client = createComponentClient({ ...credentials, ...(values['token-store'] ? { store: fileStore(values['token-store']) } : {}) });
  const asJson = values.json === true || !process.stdout.isTTY;
  const summary = { total: 0, pluginManagement: 0, withoutPluginManagement: 0, failed: 0, errCode: 0 };
  if (!asJson) process.stdout.write('appid               set 40      authorised at     nickname\n');
  for await (const page of client.listAuthorizers()) {
    if (page.errCode !== 0) {
      summary.errCode = page.errCode;
      process.stderr.write(`wxplugin authorizers: ${forTerminal(page.errMsg)}\n`);
      break;
    }
    const rows = await inOrder(page.authorizers, INFO_CONCURRENCY, async (listed): Promise<Row> => ({ ...(await client.getAuthorizerInfo(listed.authorizerAppid)), ...listed }));
    for (const row of rows) {
      summary.total += 1;
      if (row.errCode !== 0) summary.failed += 1;
      else if (row.pluginManagement) summary.pluginManagement += 1;
      else summary.withoutPluginManagement += 1;
      process.stdout.write(asJson ? `${jsonForTerminal(row)}\n` : `${tableLine(row)}\n`);
    }
  }
  process.stdout.write(asJson ? `${jsonForTerminal(summary)}\n` : `${summary.total} authoriser(s): ${summary.pluginManagement} with plugin management, ${summary.withoutPluginManagement} without, ${summary.failed} not read\n`);
  process.exitCode = summary.errCode === 0 && summary.failed === 0 ? 0 : 1;
}
