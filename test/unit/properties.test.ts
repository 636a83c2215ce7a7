import fc from 'fast-check';
import { createCloudFunction } from '../../src/cloud/cloud-function';
import { ProjectCode } from '../../src/core/codes';
import { CLOUD_FUNCTIONS, MINI_PROGRAM_OPERATIONS } from '../../src/core/operations';
import { APPID_PATTERN, TEXT_MAX_CHARS as REASON_MAX_CHARS } from '../../src/core/fields';
import { fakeSdk } from '../support/fake-sdk';

/** The applyPlugin function's route: its one operation, `action` optional. */
const applyPlugin = CLOUD_FUNCTIONS.applyPlugin;

const ADMIN = 'oAdmin';
const VALIDATION_CODES = [ProjectCode.INVALID_EVENT, ProjectCode.INVALID_APPID, ProjectCode.INVALID_TEXT, ProjectCode.INVALID_ACTION];

function harness() {
  const sdk = fakeSdk(() => Promise.resolve({ errCode: 0, errMsg: 'openapi.pluginManager.applyPlugin:ok' }), { OPENID: ADMIN, SOURCE: 'wx_client' });
  const main = createCloudFunction(applyPlugin, { sdk, env: { ADMIN_OPENIDS: ADMIN }, log: () => undefined });
  return { sdk, main };
}

const validAppid = fc.stringMatching(/^wx[0-9a-f]{16}$/);
const invalidAppid = fc.oneof(
  fc.string().filter((s) => !APPID_PATTERN.test(s)),
  fc.jsonValue().filter((v) => typeof v !== 'string'),
);
const validReason = fc.option(fc.string({ maxLength: REASON_MAX_CHARS, unit: 'grapheme' }), { nil: undefined });

/** Events that break at least one rule of the contract, by construction. */
const invalidEvent = fc.oneof(
  fc.oneof(fc.constant(null), fc.boolean(), fc.double(), fc.string(), fc.array(fc.jsonValue())),
  fc.record({ pluginAppid: invalidAppid, reason: validReason }, { requiredKeys: [] }),
  fc.record({ pluginAppid: validAppid, reason: fc.jsonValue().filter((v) => typeof v !== 'string' && v !== undefined) }),
  fc.record({ pluginAppid: validAppid, reason: fc.string({ minLength: REASON_MAX_CHARS + 1, maxLength: REASON_MAX_CHARS + 40 }) }),
  fc.record({ pluginAppid: validAppid, action: fc.jsonValue().filter((v) => v !== 'apply') }),
);

describe('properties of main', () => {
  test('for any JSON value as event, main resolves to {errCode: integer, errMsg: non-empty string}', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (event) => {
        const { main } = harness();
        const result = await main(event, { time_limit_in_ms: 3000 });
        expect(Number.isInteger(result.errCode)).toBe(true);
        expect(result.errMsg).toMatch(/^applyPlugin:(ok|fail \S.*)$/s);
        expect(typeof result.retryable).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });

  test('for any invalid event, nothing reaches the SDK and a validation code answers', async () => {
    await fc.assert(
      fc.asyncProperty(invalidEvent, async (event) => {
        const { sdk, main } = harness();
        const result = await main(event);
        expect(VALIDATION_CODES).toContain(result.errCode);
        expect(result.attempts).toBe(0);
        expect(sdk.calls).toEqual([]);
        expect(sdk.inits).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  test('for any valid event, exactly one request carries exactly the appid and reason, whatever else the event holds', async () => {
    await fc.assert(
      fc.asyncProperty(validAppid, validReason, fc.dictionary(fc.string().filter((k) => !['pluginAppid', 'reason', 'action', '__proto__'].includes(k)), fc.jsonValue()), async (pluginAppid, reason, extra) => {
        const { sdk, main } = harness();
        const event = { ...extra, pluginAppid, ...(reason === undefined ? {} : { reason }) };
        expect(await main(event)).toMatchObject({ errCode: 0, errMsg: 'applyPlugin:ok' });
        const expected = reason ? { action: 'apply', plugin_appid: pluginAppid, reason } : { action: 'apply', plugin_appid: pluginAppid };
        expect(sdk.calls.map((call) => call.data)).toEqual([expected]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('authorisation, as a property', () => {
  const ADMINS = ['oAdminOne', '1234567890'];
  const identity = fc.record(
    {
      OPENID: fc.oneof(fc.constant(undefined), fc.constant(''), fc.string(), fc.constantFrom(...ADMINS), fc.integer(), fc.constant(1234567890)),
      SOURCE: fc.oneof(fc.constant(undefined), fc.constantFrom('wx_client', 'wx_http', 'wx_trigger', 'scf', 'wx_devtools', 'wx_client,scf', ''), fc.string()),
      FROM_APPID: fc.oneof(fc.constant(undefined), fc.constant(''), fc.stringMatching(/^wx[0-9a-f]{16}$/)),
    },
    { requiredKeys: [] },
  );
  const anyEvent = fc.oneof(
    fc.jsonValue(),
    fc.record({ action: fc.constantFrom(...MINI_PROGRAM_OPERATIONS.map((operation) => operation.action)), pluginAppid: fc.stringMatching(/^wx[0-9a-f]{16}$/), userVersion: fc.constant('1.0.0') }),
    fc.record({ httpMethod: fc.constant('POST'), path: fc.string(), headers: fc.dictionary(fc.string(), fc.string()), action: fc.constant('list') }),
  );

  test.each(['applyPlugin', 'pluginManager'] as const)('%s: nothing reaches WeChat unless the OPENID is listed, the call is not cross-account and not HTTP access (no TRUSTED_SOURCES)', async (name) => {
    await fc.assert(
      fc.asyncProperty(anyEvent, identity, async (event, context) => {
        const sdk = fakeSdk(() => Promise.resolve({ errCode: 0, errMsg: 'ok' }), context as never);
        const main = createCloudFunction(CLOUD_FUNCTIONS[name], { sdk, env: { ADMIN_OPENIDS: ADMINS.join(',') }, log: () => undefined });
        const result = await main(event, { time_limit_in_ms: 3000 });
        const listed = context.OPENID !== undefined && ADMINS.includes(String(context.OPENID));
        const httpAccess = typeof event === 'object' && event !== null && 'httpMethod' in event;
        if (!listed || context.FROM_APPID || httpAccess) {
          expect(sdk.calls).toEqual([]);
          expect(result.attempts).toBe(0);
        }
      }),
      { numRuns: 400 },
    );
  });

  test('with TRUSTED_SOURCES=wx_trigger, only that exact first element is let through without an OPENID', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.constantFrom('wx_trigger', 'wx_trigger,scf', 'wx_http', ' wx_trigger', 'wx_trigger\u00a0', '\ufeffwx_trigger', 'wx_trigger\n,scf')), async (source) => {
        const sdk = fakeSdk(() => Promise.resolve({ errCode: 0, errMsg: 'ok' }), { SOURCE: source });
        const main = createCloudFunction(applyPlugin, { sdk, env: { ADMIN_OPENIDS: 'oAdminOne', TRUSTED_SOURCES: 'wx_trigger' }, log: () => undefined });
        await main({ pluginAppid: 'wx0123456789abcdef' });
        expect(sdk.calls.length > 0).toBe(source.split(',')[0] === 'wx_trigger');
      }),
      { numRuns: 300 },
    );
  });
});
