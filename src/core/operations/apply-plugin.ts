import { ProjectCode } from '../codes';
import type { Operation } from '../operation';
import { optionalAction, optionalText, requireAppid, requireObject } from '../validate';

/**
 * WeChat documents no maximum for `reason`. It is shown to the plugin's developer as a short note,
 * so 500 characters is ample and keeps a request far below any gateway limit.
 */
export const REASON_MAX_CHARS = 500;

export interface ApplyPluginParams {
  readonly pluginAppid: string;
  /** Left out of the request when the caller gives none (the API page marks it optional). */
  readonly reason?: string;
}

export const applyPlugin: Operation<ApplyPluginParams> = {
  name: 'applyPlugin',
  api: 'pluginManager.applyPlugin',
  httpsPath: '/wxa/plugin',
  adminOnly: true,
  // Applying twice is harmless: a retry after a lost answer meets "already added".
  afterLostAnswer: { 89237: 'an earlier attempt in this call may have been the one that applied' },
  parse(event) {
    const fields = requireObject(event);
    optionalAction(fields, 'apply');
    const pluginAppid = requireAppid(fields, 'pluginAppid', ProjectCode.INVALID_PLUGIN_APPID);
    const reason = optionalText(fields, 'reason', REASON_MAX_CHARS, ProjectCode.INVALID_REASON);
    return reason === undefined ? { pluginAppid } : { pluginAppid, reason };
  },
  toWire({ pluginAppid, reason }) {
    const body: Record<string, string> = { action: 'apply', plugin_appid: pluginAppid };
    if (reason !== undefined) body.reason = reason;
    return body;
  },
  logFields({ pluginAppid }) {
    return { pluginAppid };
  },
};
