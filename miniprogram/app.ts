// The mini-program's entry: one admin page (pages/plugins) over the applyPlugin and pluginManager
// cloud functions.
App({
  onLaunch() {
    // With no env, calls go to the mini-program's default cloud environment; set env to your
    // environment id if it has more than one.
    wx.cloud.init({ traceUser: true });
  },
});
