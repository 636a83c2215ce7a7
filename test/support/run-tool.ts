import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/platform/invoke';

export interface ToolRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a built tool (dist/NAME.js) as a user would, in a child process with only PATH and `env`
 * (stdout is a pipe, not a terminal, so results come as JSON), on `node` (default: jest's own).
 */
export function runTool(script: string, args: readonly string[], env: Readonly<Record<string, string>> = {}, node = process.execPath): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [join(PROJECT_ROOT, 'dist', script), ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
