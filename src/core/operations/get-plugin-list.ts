import { defineOperation, readListAnswer } from '../operation';

/** 1 applying, 2 approved, 3 refused, 4 expired (WeChat's numbers, in both lists). */
export type PluginStatus = 1 | 2 | 3 | 4;

export interface PluginListEntry {
  readonly appid: string;
  readonly status: PluginStatus;
  readonly nickname: string;
  readonly headimgurl: string;
  /** Fields WeChat adds that this project does not know yet are kept, camelCased. */
  readonly [field: string]: unknown;
}

/** The plugins this mini-program has applied for or uses, with their status. */
export const getPluginList = defineOperation({
  name: 'getPluginList',
  action: 'list',
  summary: 'list the plugins this mini-program applied for or uses, with their status',
  // The older API page's own name and permission; the newer page routes every action through
  // pluginManager.applyPlugin. See the README, "Which cloud-call names".
  cloudApi: 'pluginManager.getPluginList',
  cloudApiFallback: 'pluginManager.applyPlugin',
  route: { path: '/wxa/plugin', action: 'list' },
  fields: {},
  toWire: () => ({}),
  // A mini-program with no plugins may get no plugin_list at all: that is an empty list.
  readAnswer: (answer) => readListAnswer(answer, 'plugin_list', { nickname: 'text', headimgurl: 'text' }) as {
      pluginList: PluginListEntry[];
      /** Only when some: items of WeChat's list that were not in its documented shape, left out. */
      droppedItems?: number;
    },
  whenOutcomeUnknown: 'nothing was changed: list again',
  example: {},
});
