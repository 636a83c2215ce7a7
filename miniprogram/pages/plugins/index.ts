// The admin page: lists this mini-program's plugins and applies, unbinds and updates them through
// the pluginManager cloud function. Built with Component() (WeChat accepts it for pages) so that
// miniprogram-simulate can render it in the tests exactly as it is.
import { ALREADY_ADDED, pluginManager, REFUSED_CALLER } from '../../services/plugins';
import type { OperationResult, PluginListEntry } from '../../types/plugin-manager';

/** WeChat's status numbers in words; the generated PluginStatus type is 1 | 2 | 3 | 4. */
const STATUS_WORDS: Readonly<Record<number, string>> = { 1: 'applying', 2: 'approved', 3: 'refused', 4: 'expired' };

/** What the list shows of one plugin. */
interface Row {
  appid: string;
  name: string;
  statusText: string;
  /** Only an approved plugin can change version. */
  approved: boolean;
}

/**
 * One row per plugin WeChat listed. The list arrives from the network: an item that is not an
 * object (null, a number) is left out rather than crashing the page, and a field of the wrong type
 * shows as what it is.
 */
function toRows(list: unknown): Row[] {
  if (!Array.isArray(list)) return [];
  return list
    .filter((entry): entry is Partial<Record<keyof PluginListEntry, unknown>> => typeof entry === 'object' && entry !== null)
    .map((entry) => {
      const appid = typeof entry.appid === 'string' ? entry.appid : '';
      const status = typeof entry.status === 'number' ? entry.status : undefined;
      return {
        appid,
        name: typeof entry.nickname === 'string' && entry.nickname ? entry.nickname : appid,
        statusText: (status !== undefined ? STATUS_WORDS[status] : undefined) ?? `status ${String(entry.status)}`,
        approved: status === 2,
      };
    });
}

Component({
  data: {
    plugins: [] as Row[],
    /** True until the first list answers, and while it refreshes. */
    loading: true,
    /** The action under way ('apply', 'unbind', 'update'), or '' : one at a time. */
    busy: '',
    applyAppid: '',
    applyReason: '',
    updateAppid: '',
    updateVersion: '',
    /** The last failure's errMsg, as the function wrote it. */
    error: '',
    /** The last action's outcome when it did what was asked. */
    notice: '',
    /** Set when the function refused the caller: their own OPENID, to give to an administrator. */
    refusedOpenid: '',
  },

  lifetimes: {
    attached() {
      void this.refresh();
    },
  },

  methods: {
    /**
     * Reads the list again; keeps a notice the action before it left. A failed refresh clears the
     * rows: a list shown beside the error would pass for the current state.
     */
    async refresh(): Promise<void> {
      this.setData({ loading: true });
      const result = await pluginManager.list({});
      const listed = this.report(result);
      this.setData({ loading: false, plugins: listed ? toRows(result.pluginList) : [] });
    },

    /** Shows a result: true when it succeeded. Every failure shows its errMsg. */
    report(result: OperationResult, success = ''): boolean {
      const refused = REFUSED_CALLER.includes(result.errCode);
      this.setData({ refusedOpenid: refused ? result.openid ?? '' : '' });
      if (result.errCode !== 0) {
        this.setData({ error: result.errMsg, notice: '' });
        return false;
      }
      this.setData({ error: '', ...(success ? { notice: success } : {}) });
      return true;
    },

    /** Runs one action at a time, then lists again so the page shows what changed. */
    async act(name: string, run: () => Promise<OperationResult>, success: string, alreadyDone = ''): Promise<void> {
      if (this.data.busy) return;
      this.setData({ busy: name, error: '', notice: '' });
      try {
        const result = await run();
        // 89237 from apply: already added, or the application is waiting. The state asked for holds.
        const done = alreadyDone && result.errCode === ALREADY_ADDED ? this.report({ ...result, errCode: 0 }, alreadyDone) : this.report(result, success);
        if (done) await this.refresh();
      } finally {
        this.setData({ busy: '' });
      }
    },

    /** Every input writes the data field its data-field names. */
    onInput(event: WechatMiniprogram.Input) {
      const field = event.currentTarget.dataset.field as string;
      this.setData({ [field]: event.detail.value });
    },

    apply(): Promise<void> {
      const pluginAppid = this.data.applyAppid.trim();
      const reason = this.data.applyReason.trim();
      return this.act(
        'apply',
        () => pluginManager.apply({ pluginAppid, ...(reason ? { reason } : {}) }),
        `Applied for ${pluginAppid}: it stays "applying" until the plugin's developer answers.`,
        `${pluginAppid} is already added or its application is pending: nothing more to do.`,
      );
    },

    /** Removing a plugin breaks the pages that use it, so the person confirms first. */
    async unbind(event: WechatMiniprogram.TouchEvent): Promise<void> {
      const { appid, name } = event.currentTarget.dataset as { appid: string; name: string };
      const { confirm } = await wx.showModal({
        title: 'Unbind this plugin?',
        content: `${name} (${appid}) will be removed from this mini-program; pages that use it stop working.`,
        confirmText: 'Unbind',
        confirmColor: '#e64340',
      });
      if (!confirm) return;
      await this.act('unbind', () => pluginManager.unbind({ pluginAppid: appid }), `Unbound ${appid}.`);
    },

    /** Fills the update form from a row, the usual way to pick the plugin. */
    chooseForUpdate(event: WechatMiniprogram.TouchEvent) {
      this.setData({ updateAppid: event.currentTarget.dataset.appid as string });
    },

    update(): Promise<void> {
      const pluginAppid = this.data.updateAppid.trim();
      const userVersion = this.data.updateVersion.trim();
      return this.act('update', () => pluginManager.update({ pluginAppid, userVersion }), `${pluginAppid} now uses version ${userVersion}.`);
    },

    copyOpenid() {
      wx.setClipboardData({ data: this.data.refusedOpenid });
    },
  },
});
