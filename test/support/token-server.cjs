/**
 * A platform's central token server, as `--token-command` runs it: `node token-server.cjs LEDGER
 * component` or `... LEDGER authorizer APPID`. LEDGER (JSON, written by the test) holds the tokens to
 * hand out, ones the emulator issued: `{ mode, component: [t1, t2], authorizers: { APPID: [t1, t2] } }`.
 * The first token of a list is handed out first; asked with WXPLUGIN_REFUSED_TOKEN set, the one after
 * the refused token (the last one again when there is none after it: a server that cannot do better).
 * Every call is appended to LEDGER.calls as a JSON line `{ words, refused }`, so the test can count.
 *
 * `mode` makes it fail as a broken server would, each time printing a token so the test can check
 * that nothing it printed is echoed: `exit` (status 1), `garbage` (no JSON), `no-token` (JSON without
 * access_token), `hang` (never answers).
 */
const { appendFileSync, readFileSync } = require('node:fs');

const [ledgerFile, kind, appid] = process.argv.slice(2);
const ledger = JSON.parse(readFileSync(ledgerFile, 'utf8'));
const refused = process.env.WXPLUGIN_REFUSED_TOKEN;
appendFileSync(`${ledgerFile}.calls`, `${JSON.stringify({ words: [kind, appid].filter(Boolean).join(' '), refused: refused ?? null })}\n`);

const leak = ledger.leak ?? 'leaked-token-0000000000000000000000000000000000000000';
switch (ledger.mode) {
  case 'exit':
    process.stdout.write(`{"access_token":"${leak}"}\n`);
    process.stderr.write(`token server down, last token ${leak}\n`);
    process.exit(1);
    break;
  case 'garbage':
    process.stdout.write(`here is your token: ${leak}\n`);
    process.exit(0);
    break;
  case 'no-token':
    process.stdout.write(`${JSON.stringify({ token: leak, expires_in: 7200 })}\n`);
    process.exit(0);
    break;
  case 'hang':
    setTimeout(() => undefined, 600_000);
    break;
  default: {
    const list = kind === 'component' ? ledger.component : ledger.authorizers[appid];
    if (!list || list.length === 0) {
      process.stderr.write(`no token for ${kind} ${appid ?? ''}\n`);
      process.exit(3);
    }
    const index = refused === undefined ? 0 : Math.min(list.indexOf(refused) + 1, list.length - 1);
    process.stdout.write(`${JSON.stringify({ access_token: list[index], expires_in: 7200 })}\n`);
  }
}
