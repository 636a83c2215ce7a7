// Calls the applyPlugin cloud function. The result is always { errCode, errMsg, retryable, attempts }:
// errCode 0 means WeChat accepted the application; anything else is explained in errMsg.
Page({
  data: { pluginAppid: '', reason: '', message: '', busy: false },
  onAppid(event) {
    this.setData({ pluginAppid: event.detail.value });
  },
  onReason(event) {
    this.setData({ reason: event.detail.value });
  },
  async apply() {
    this.setData({ busy: true, message: '' });
    try {
      const { result } = await wx.cloud.callFunction({
        name: 'applyPlugin',
        data: { pluginAppid: this.data.pluginAppid, reason: this.data.reason },
      });
      this.setData({ message: result.errCode === 0 ? 'Sent: wait for the developer to approve it.' : `${result.errCode}: ${result.errMsg}` });
    } catch (error) {
      // Only platform failures land here (function missing, quota, network): the function itself never throws.
      this.setData({ message: `cloud.callFunction failed: ${error.errCode} ${error.errMsg}` });
    } finally {
      this.setData({ busy: false });
    }
  },
});
