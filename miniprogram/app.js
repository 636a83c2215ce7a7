// A minimal admin page for trying the applyPlugin cloud function from WeChat DevTools.
App({
  onLaunch() {
    // Replace with your cloud environment id, or keep DYNAMIC_CURRENT_ENV for the default one.
    wx.cloud.init({ env: wx.cloud.DYNAMIC_CURRENT_ENV, traceUser: true });
  },
});
