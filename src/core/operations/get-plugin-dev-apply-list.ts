import { integerField } from '../fields';
import { defineOperation, readListAnswer } from '../operation';
import type { PluginStatus } from './get-plugin-list';

export interface PluginApplication {
  /** The applying mini-program's appid. */
  readonly appid: string;
  readonly status: PluginStatus;
  readonly nickname: string;
  readonly headimgurl: string;
  readonly categories: ReadonlyArray<{ readonly first: string; readonly second: string }>;
  /** As WeChat sends it: a string of Unix seconds, e.g. "1536305096". */
  readonly createTime: string;
  /** The applicant's mini-program code image. */
  readonly applyUrl: string;
  readonly reason: string;
  /** Fields WeChat adds that this project does not know yet are kept, camelCased. */
  readonly [field: string]: unknown;
}

/**
 * WeChat documents no maximum for `num`; 100 is this project's bound, so one page stays a small
 * answer (and `wxplugin dev-list --all` a bounded number of requests).
 */
export const DEV_APPLY_LIST_MAX_NUM = 100;

/** The plugin developer's side: the applications made to this plugin, a page at a time. */
export const getPluginDevApplyList = defineOperation({
  name: 'getPluginDevApplyList',
  action: 'dev-list',
  summary: 'list the applications made to your plugin (plugin developer)',
  // No cloud function ships for the developer's side (see the README); the documented cloud-call
  // names would be pluginManager.getPluginDevApplyList and pluginManager.setDevPluginApplyStatus.
  cloudApi: undefined,
  route: { path: '/wxa/devplugin', action: 'dev_apply_list' },
  fields: {
    page: integerField('the page, from 1', { min: 1, max: 100_000, defaultValue: 1 }),
    num: integerField(`applications per page, 1 to ${DEV_APPLY_LIST_MAX_NUM} (this project's bound)`, { min: 1, max: DEV_APPLY_LIST_MAX_NUM, defaultValue: 20 }),
  },
  toWire: ({ page, num }) => ({ page, num }),
  // A page past the end may come without apply_list: that is an empty page.
  readAnswer: (answer) =>
    readListAnswer(answer, 'apply_list', { nickname: 'text', headimgurl: 'text', categories: 'categories', create_time: 'text', apply_url: 'text', reason: 'text' }) as {
      applyList: PluginApplication[];
      /** Only when some: items of WeChat's list that were not in its documented shape, left out. */
      droppedItems?: number;
    },
  whenOutcomeUnknown: 'nothing was changed: list again',
  example: {},
  paging: { pageField: 'page', sizeField: 'num', maxSize: DEV_APPLY_LIST_MAX_NUM, listKey: 'applyList' },
});
