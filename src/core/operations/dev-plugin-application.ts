import { DEMO_MINI_PROGRAM_APPID } from '../demo';
import { appidField, textField } from '../fields';
import { defineOperation, noData } from '../operation';

/**
 * The plugin developer's decisions on one application, identified by the applicant's appid. WeChat's
 * examples leave `appid` out for refuse and delete, but nothing else says which application is
 * meant, so it is sent with all three (see the README).
 */
/** The emulator's demo mini-program, as an example applicant. */
const DEMO_APPLICANT = DEMO_MINI_PROGRAM_APPID;

const applicant = () => appidField('the applying mini-program\'s appid: "wx" followed by 16 lowercase hex digits');

export const agreeDevPluginApplication = defineOperation({
  name: 'agreeDevPluginApplication',
  action: 'dev-agree',
  summary: 'approve a pending application to your plugin (plugin developer)',
  cloudApi: undefined,
  route: { path: '/wxa/devplugin', action: 'dev_agree' },
  fields: { appid: applicant() },
  toWire: ({ appid }) => ({ appid }),
  readAnswer: noData,
  afterLostAnswer: { 89240: 'an earlier attempt in this call may have been the one that approved it' },
  whenOutcomeUnknown: 'it may or may not have been approved: list the applications before trying again',
  example: { appid: DEMO_APPLICANT },
});

export const refuseDevPluginApplication = defineOperation({
  name: 'refuseDevPluginApplication',
  action: 'dev-refuse',
  summary: 'refuse a pending application to your plugin, saying why (plugin developer)',
  cloudApi: undefined,
  route: { path: '/wxa/devplugin', action: 'dev_refuse' },
  fields: {
    appid: applicant(),
    reason: textField('why it is refused, shown to the applicant (required, at most 500 characters)', 'required'),
  },
  toWire: ({ appid, reason }) => ({ appid, reason }),
  readAnswer: noData,
  afterLostAnswer: { 89240: 'an earlier attempt in this call may have been the one that refused it' },
  whenOutcomeUnknown: 'it may or may not have been refused: list the applications before trying again',
  example: { appid: DEMO_APPLICANT, reason: 'Not available for this category yet.' },
});

export const deleteDevPluginApplication = defineOperation({
  name: 'deleteDevPluginApplication',
  action: 'dev-delete',
  summary: 'delete a refused or expired application from your list (plugin developer)',
  cloudApi: undefined,
  route: { path: '/wxa/devplugin', action: 'dev_delete' },
  fields: { appid: applicant() },
  toWire: ({ appid }) => ({ appid }),
  readAnswer: noData,
  afterLostAnswer: { 89242: 'an earlier attempt in this call may have been the one that deleted it' },
  whenOutcomeUnknown: 'it may or may not have been deleted: list the applications before trying again',
  example: { appid: DEMO_APPLICANT },
});
