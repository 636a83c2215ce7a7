import { appidField, textField } from '../fields';
import { defineOperation, noData } from '../operation';

/**
 * Ask a plugin's developer for permission to use the plugin. `reason` is optional on the original
 * API page (newer pages call it required): when it is absent or empty, none is sent.
 */
export const applyPlugin = defineOperation({
  name: 'applyPlugin',
  action: 'apply',
  summary: 'apply for a plugin (the developer then approves or refuses)',
  cloudApi: 'pluginManager.applyPlugin',
  route: { path: '/wxa/plugin', action: 'apply' },
  fields: {
    pluginAppid: appidField('the plugin to apply for: "wx" followed by 16 lowercase hex digits, as on the plugin\'s page'),
    reason: textField('why the mini-program wants it, shown to the plugin\'s developer (at most 500 characters)', 'optional'),
  },
  toWire: ({ pluginAppid, reason }) => ({ plugin_appid: pluginAppid, ...(reason === undefined ? {} : { reason }) }),
  readAnswer: noData,
  // Applying twice is harmless: a retry after a lost answer meets "already added".
  afterLostAnswer: { 89237: 'an earlier attempt in this call may have been the one that applied' },
  whenOutcomeUnknown: 'the application may or may not have been made: list the plugins before applying again',
  alreadyHolds: [89237],
  example: { pluginAppid: 'wx0123456789abcdef', reason: 'Demo application from npm start: we would like to show store locations on a map.' },
});
