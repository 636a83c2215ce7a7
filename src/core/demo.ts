/**
 * The emulator's demo mini-program. In core because the operations' examples (the tests' and
 * `npm start`'s requests) and the local function runner name it, and neither may depend on the
 * emulator that models it.
 */
export const DEMO_MINI_PROGRAM_APPID = 'wxa11ce00000000d3e';
