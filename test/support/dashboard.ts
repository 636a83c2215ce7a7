/**
 * `wxplugin dashboard` as a child process for the browser suites: started on a free port, its one
 * line read, stopped with SIGTERM.
 */
import { componentEnv, startCli, waitFor, type Started } from './batch';
import type { ToolRun } from './run-tool';

export interface RunningDashboard {
  /** The line it printed: http://127.0.0.1:P/?token=T */
  readonly address: string;
  readonly origin: string;
  readonly token: string;
  readonly started: Started;
  /** SIGTERM, then what it wrote and its exit status. */
  stop(): Promise<ToolRun>;
}

export async function startDashboard(store: string, emulatorUrl: string, extraArgs: readonly string[] = []): Promise<RunningDashboard> {
  const started = startCli(['dashboard', '--store', store, '--port', '0', ...extraArgs], componentEnv(emulatorUrl));
  let stdout = '';
  let exited = false;
  started.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  started.child.on('exit', () => (exited = true));
  await waitFor(() => stdout.includes('\n') || exited, 120_000, 'the dashboard\'s address');
  if (exited) throw new Error(`the dashboard ended: ${JSON.stringify(await started.done)}`);
  const address = stdout.trim();
  const url = new URL(address);
  return {
    address,
    origin: url.origin,
    token: url.searchParams.get('token') ?? '',
    started,
    async stop() {
      started.child.kill('SIGTERM');
      return started.done;
    },
  };
}
