/**
 * One side of `npm run bench`'s HTTPS transport comparison, run in a fresh process by bench.ts
 * (node dist/bench-https.js, with BENCH_HTTPS set): `calls` getPluginList calls at `concurrency`
 * against the loopback emulator, after a warm-up, through
 * - `client`: createHttpsClient as shipped (Node's http with keep-alive agents);
 * - `client-fetch`: createHttpsClient with Node's fetch (the transport before node:http replaced it);
 * - `raw`: a plain keep-alive node:http POST per call, the same request, no checks (the yardstick).
 * Reports over IPC: wall time, CPU time (user + system) of the calls, and the peak RSS.
 */
import { request, Agent } from 'node:http';
import { createHttpsClient } from '../https/client';

interface Job {
  readonly side: 'client' | 'client-fetch' | 'raw';
  readonly baseUrl: string;
  readonly appid: string;
  readonly secret: string;
  readonly calls: number;
  readonly concurrency: number;
  readonly warmup: number;
}

const job = JSON.parse(process.env.BENCH_HTTPS ?? '{}') as Job;

/** `count` calls of `call`, at most `concurrency` at a time. */
async function pool(count: number, concurrency: number, call: () => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      await call();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

function rawCaller(): () => Promise<void> {
  const agent = new Agent({ keepAlive: true });
  const target = new URL(job.baseUrl);
  const post = (path: string, body: string): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const req = request({ host: target.hostname, port: target.port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  let token: Promise<string> | undefined;
  return async () => {
    token ??= post('/cgi-bin/stable_token', JSON.stringify({ grant_type: 'client_credential', appid: job.appid, secret: job.secret })).then((answer) => String(answer.access_token));
    const answer = await post(`/wxa/plugin?access_token=${encodeURIComponent(await token)}`, JSON.stringify({ action: 'list' }));
    if (answer.errcode !== 0) throw new Error(`raw call answered ${JSON.stringify(answer)}`);
  };
}

function clientCaller(): () => Promise<void> {
  const client = createHttpsClient({ appid: job.appid, secret: job.secret, baseUrl: job.baseUrl, ...(job.side === 'client-fetch' ? { fetch } : {}) });
  return async () => {
    const result = await client.getPluginList();
    if (result.errCode !== 0) throw new Error(`client call answered ${JSON.stringify(result)}`);
  };
}

async function main(): Promise<void> {
  const call = job.side === 'raw' ? rawCaller() : clientCaller();
  await pool(job.warmup, job.concurrency, call);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await pool(job.calls, job.concurrency, call);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  process.send!({ wallMs, cpuMs: (used.user + used.system) / 1000, maxRssKb: process.resourceUsage().maxRSS }, () => process.exit(0));
}

main().catch((error: unknown) => {
  process.send!({ error: String((error as Error).message ?? error) }, () => process.exit(1));
});
