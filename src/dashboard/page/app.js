// The dashboard's page: the runs of the store, or one run (/runs/RUN).
import { renderRun } from './run.js';
import { renderRuns } from './runs.js';

// The token opened this browser's session (an HttpOnly cookie): it leaves the address bar and the history.
const address = new URL(location.href);
if (address.searchParams.has('token')) {
  address.searchParams.delete('token');
  history.replaceState(null, '', `${address.pathname}${address.search}${address.hash}`);
}

const main = document.getElementById('main');
const match = /^\/runs\/([\w.-]{1,64})$/.exec(location.pathname);
if (match) renderRun(main, decodeURIComponent(match[1]));
else renderRuns(main);
