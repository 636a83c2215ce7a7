import { appidField } from '../fields';
import { defineOperation, noData } from '../operation';

/** Remove a plugin from this mini-program. */
export const unbindPlugin = defineOperation({
  name: 'unbindPlugin',
  action: 'unbind',
  summary: 'remove a plugin this mini-program no longer uses',
  // The older API page's own name and permission; the newer page's, should the gateway refuse it
  // (see the README, "Which cloud-call names").
  cloudApi: 'pluginManager.unbindPlugin',
  cloudApiFallback: 'pluginManager.applyPlugin',
  route: { path: '/wxa/plugin', action: 'unbind' },
  fields: {
    pluginAppid: appidField('the plugin to remove: "wx" followed by 16 lowercase hex digits'),
  },
  toWire: ({ pluginAppid }) => ({ plugin_appid: pluginAppid }),
  readAnswer: noData,
  // Unbinding twice: the second finds nothing to remove (89244; the older pages' number is 89044).
  afterLostAnswer: {
    89244: 'an earlier attempt in this call may have been the one that removed it',
    89044: 'an earlier attempt in this call may have been the one that removed it',
  },
  whenOutcomeUnknown: 'the plugin may or may not have been removed: list the plugins before trying again',
  example: { pluginAppid: 'wx0123456789abcdef' },
});
