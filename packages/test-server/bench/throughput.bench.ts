// Requests per second the test server answers at 64 concurrent connections, client in the same
// process (so the figure is for server + client on one core). Wall-clock rates depend on what else
// the machine runs; requests per CPU-second (this process's user + system time) much less so.
// Run: pnpm --filter @rlm/test-server bench   (BENCH_REQUESTS, BENCH_RUNS to change the sizes)
import { Agent, request as httpRequest } from 'node:http';
import { loadavg } from 'node:os';
import OpenAI from 'openai';
import { startTestServer } from '../src/index';

const concurrency = 64;
const requestsPerRun = Number(process.env.BENCH_REQUESTS ?? 5_000);
const runs = Number(process.env.BENCH_RUNS ?? 5);

const server = await startTestServer({
  respond: (request) => ({
    text: `echo: ${request.messages.at(-1)?.content ?? ''} — a short answer of a dozen words or so.`,
    usage: { inputTokens: 20, outputTokens: 12 },
  }),
});
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

function post(path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      `${server.url}${path}`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        let bytes = 0;
        response.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
        });
        response.on('end', () =>
          response.statusCode === 200 ? resolve(bytes) : reject(new Error(`status ${response.statusCode}`)),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Sends `count` requests, `concurrency` at a time; returns requests per wall-clock second and per CPU-second. */
async function measure(send: (index: number) => Promise<unknown>, count: number) {
  let next = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await send(next++);
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  return {
    perSecond: count / ((performance.now() - started) / 1000),
    perCpuSecond: count / ((cpu.user + cpu.system) / 1e6),
  };
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `${Math.round(median)} | ${Math.round(sorted[0]!)}–${Math.round(sorted.at(-1)!)}`;
}

const openai = new OpenAI({ baseURL: server.openaiBaseURL, apiKey: 'bench', maxRetries: 0 });
const ask = (index: number) => [{ role: 'user' as const, content: `question ${index}` }];

// [send one request, requests a run]: the SDK costs far more per request than the server, so it gets fewer.
const scenarios: Record<string, [(index: number) => Promise<unknown>, number]> = {
  'OpenAI JSON, node:http client': [
    (index) => post('/v1/chat/completions', JSON.stringify({ model: 'gpt-bench', messages: ask(index) })),
    requestsPerRun,
  ],
  'Anthropic SSE, node:http client': [
    (index) =>
      post(
        '/v1/messages',
        JSON.stringify({ model: 'claude-bench', max_tokens: 50, stream: true, messages: ask(index) }),
      ),
    requestsPerRun,
  ],
  'OpenAI JSON, openai SDK client': [
    (index) => openai.chat.completions.create({ model: 'gpt-bench', messages: ask(index) }),
    Math.ceil(requestsPerRun / 5),
  ],
};

const rows: string[] = [];
for (const [name, [send, count]] of Object.entries(scenarios)) {
  await measure(send, Math.ceil(count / 5)); // warm-up: JIT and the connection pool
  const perSecond: number[] = [];
  const perCpuSecond: number[] = [];
  for (let run = 0; run < runs; run++) {
    server.requests.length = 0; // the record is kept for the run only, so memory stays flat
    const result = await measure(send, count);
    perSecond.push(result.perSecond);
    perCpuSecond.push(result.perCpuSecond);
  }
  rows.push(`| ${name} | ${count} | ${summary(perSecond)} | ${summary(perCpuSecond)} |`);
}
console.log(
  `\n${concurrency} concurrent connections, ${runs} runs after a warm-up, load average ${loadavg()[0]!.toFixed(1)}\n`,
);
console.log('| scenario | requests a run | median req/s | min–max | median req/CPU-s | min–max |');
console.log('|---|---|---|---|---|---|');
console.log(rows.join('\n'));
agent.destroy();
await server.close();
