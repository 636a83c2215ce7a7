import { appidField, versionField } from '../fields';
import { defineOperation, noData } from '../operation';

/**
 * Move an approved plugin to another version. WeChat has no cloud-call name of its own for this:
 * it is `pluginManager.applyPlugin` with WeChat's `action: "update"` and `user_version`, and works
 * only for versions the plugin's developer allows to be updated to quickly (快速更新).
 */
export const updatePlugin = defineOperation({
  name: 'updatePlugin',
  action: 'update',
  summary: 'move an approved plugin to another version',
  cloudApi: 'pluginManager.applyPlugin',
  route: { path: '/wxa/plugin', action: 'update' },
  fields: {
    pluginAppid: appidField('the plugin to update: "wx" followed by 16 lowercase hex digits'),
    userVersion: versionField('the version to use: digits and dots, such as 2.2.46'),
  },
  toWire: ({ pluginAppid, userVersion }) => ({ plugin_appid: pluginAppid, user_version: userVersion }),
  readAnswer: noData,
  // Setting the same version twice leaves the same state.
  whenOutcomeUnknown: 'the version may or may not have changed: list the plugins before trying again',
  example: { pluginAppid: 'wx0123456789abcdef', userVersion: '2.2.46' },
});
