import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RecordedRequest, type ScriptedReply, startTestServer, type TestServer } from '@rlm/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runBuiltCli } from './run-built-cli';

/**
 * `--tools` end to end: the built CLI against the test server, one run per tool (grep, search,
 * retrieve) in each environment (quickjs, isolated-vm, deno). The scripted root model calls the tool
 * from its code and ends with FINAL on what the tool returned, so the answer on stdout can only be
 * right if the tool ran in that sandbox. retrieve's embeddings come from the test server's
 * `/v1/embeddings`, and `--json` must count them in the run's usage and cost. Then the usage errors
 * (exit 2, nothing sent): an unknown tool, retrieve without an embedding model, an embedding model
 * of a provider without embeddings.
 */

const ENVIRONMENTS = ['quickjs', 'isolated-vm', 'deno'] as const;
const EMBEDDING_MODEL = 'text-embedding-3-small';
const QUESTION = 'Where is the secret rendezvous point of the team?';
const RENDEZVOUS_LINE = 'The secret rendezvous point for the team is the old lighthouse on the north pier.';
const EXPECTED_ANSWER = `=== notes/rendezvous.md === ${RENDEZVOUS_LINE}`;

/** What the root model writes for each tool: call it, then FINAL on the document header and the line it found. */
const TOOL_CODE: Readonly<Record<'grep' | 'search' | 'retrieve', string>> = {
  grep: [
    "const { matches } = await grep({ pattern: 'rendezvous point' });",
    "FINAL(context[matches[0].document].split('\\n')[0] + ' ' + matches[0].line);",
  ].join('\n'),
  search: [
    `const hits = await search({ query: ${JSON.stringify(QUESTION)}, k: 1 });`,
    "const line = hits[0].text.split('\\n').find((text) => text.includes('secret'));",
    "FINAL(context[hits[0].document].split('\\n')[0] + ' ' + line);",
  ].join('\n'),
  retrieve: [
    `const hits = await retrieve({ query: ${JSON.stringify(QUESTION)}, k: 3 });`,
    "const line = hits[0].text.split('\\n').find((text) => text.includes('secret'));",
    "FINAL(context[hits[0].document].split('\\n')[0] + ' ' + line);",
  ].join('\n'),
};

/** The root model runs the tool's code in its first turn; sub-calls are never made. */
function toolCaller(tool: keyof typeof TOOL_CODE) {
  return (request: RecordedRequest): ScriptedReply =>
    request.messages[0]?.role === 'system'
      ? {
          text: `Let me ask the ${tool} tool.\n\`\`\`javascript\n${TOOL_CODE[tool]}\n\`\`\``,
          usage: { inputTokens: 900, outputTokens: 80 },
        }
      : { text: 'unused' };
}

/**
 * The CI machine has 2 cores and each run is a Node process with a sandbox (a Deno process, a
 * relaunched Node for isolated-vm): three at a time keeps the file quick without starving them.
 */
const slots = (() => {
  let free = 3;
  const waiting: (() => void)[] = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (free === 0) await new Promise<void>((resolve) => waiting.push(resolve));
    else free -= 1;
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free += 1;
    }
  };
})();

let folder: string;
beforeAll(async () => {
  // 40 notes on everyday topics, one of which says where the team meets.
  folder = await mkdtemp(join(tmpdir(), 'rlm-cli-tools-'));
  await mkdir(join(folder, 'notes'));
  const topics = ['invoices', 'shipping', 'weather', 'holidays', 'printers', 'parking'];
  for (let index = 0; index < 40; index++) {
    const text = `# Note ${index}\nThis note is about ${topics[index % topics.length]} and ${topics[(index * 5) % topics.length]}.\n`;
    await writeFile(join(folder, 'notes', `${String(index).padStart(2, '0')}.md`), text.repeat(4));
  }
  await writeFile(join(folder, 'notes', 'rendezvous.md'), `# Plans\n${RENDEZVOUS_LINE}\n`);
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** One run with its own test server (so its requests are its own) and its own TMPDIR (so retrieve's vector cache starts empty). */
async function runWithTool(
  tool: keyof typeof TOOL_CODE,
  args: readonly string[],
  options: { readonly tmpdir?: string } = {},
): Promise<{ run: CliRun; requests: RecordedRequest[] }> {
  return slots(async () => {
    const server: TestServer = await startTestServer({ respond: toolCaller(tool) });
    const temporary = options.tmpdir ?? (await mkdtemp(join(tmpdir(), 'rlm-cli-tools-tmp-')));
    try {
      const run = await runBuiltCli(
        [
          QUESTION,
          '--context',
          'notes',
          '--model',
          'openai:root-model',
          '--base-url',
          server.openaiBaseURL,
          ...args,
        ],
        { cwd: folder, env: { RLM_API_KEY: 'dummy-key', TMPDIR: temporary }, timeoutMs: 90_000 },
      );
      return { run, requests: [...server.requests] };
    } finally {
      await server.close();
      if (options.tmpdir === undefined) await rm(temporary, { recursive: true, force: true });
    }
  });
}

const rootRequests = (requests: readonly RecordedRequest[]) =>
  requests.filter((request) => request.messages[0]?.role === 'system');

describe.concurrent('rlm --tools, one run per tool in each environment', () => {
  for (const environment of ENVIRONMENTS) {
    it(`${environment}: --tools grep — the model greps the context and answers from the line it found`, async () => {
      const { run, requests } = await runWithTool('grep', ['--env', environment, '--tools', 'grep']);
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stdout).toBe(`${EXPECTED_ANSWER}\n`);
      const systemPrompt = rootRequests(requests)[0]!.messages[0]!.content;
      expect(systemPrompt).toContain('await grep(');
      expect(systemPrompt).not.toContain('await search(');
      expect(systemPrompt).not.toContain('await retrieve(');
      expect(rootRequests(requests)).toHaveLength(1);
    }, 120_000);

    it(`${environment}: --tools search — the model ranks chunks with BM25 and answers from the best one`, async () => {
      const { run, requests } = await runWithTool('search', ['--env', environment, '--tools', 'search']);
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stdout).toBe(`${EXPECTED_ANSWER}\n`);
      const systemPrompt = rootRequests(requests)[0]!.messages[0]!.content;
      expect(systemPrompt).toContain('await search(');
      expect(systemPrompt).not.toContain('await grep(');
      expect(requests.some((request) => request.path === '/v1/embeddings')).toBe(false);
    }, 120_000);

    it(`${environment}: --embedding-model turns retrieve on — the model finds the note by meaning; --json counts the embedding calls in usage and cost`, async () => {
      const { run, requests } = await runWithTool('retrieve', [
        '--env',
        environment,
        '--embedding-model',
        `openai:${EMBEDDING_MODEL}`,
        '--json',
      ]);
      expect(run.exitCode, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as {
        answer: string;
        exitCode: number;
        costUsd: number;
        usage: {
          total: { calls: number; inputTokens: number };
          byModel: Record<
            string,
            { calls: number; inputTokens: number; costUsd: number; callsWithUnknownCost: number }
          >;
        };
      };
      expect(result.answer).toBe(EXPECTED_ANSWER);
      expect(result.exitCode).toBe(0);
      // Without --tools, grep and search stay on next to retrieve.
      const systemPrompt = rootRequests(requests)[0]!.messages[0]!.content;
      for (const tool of ['grep', 'search', 'retrieve']) expect(systemPrompt).toContain(`await ${tool}(`);
      // One request embedded the notes, one the query: both reached the server and both are in the usage.
      const embeddingRequests = requests.filter((request) => request.path === '/v1/embeddings');
      expect(embeddingRequests).toHaveLength(2);
      expect(embeddingRequests.every((request) => request.model === EMBEDDING_MODEL)).toBe(true);
      expect(embeddingRequests.every((request) => request.headers.authorization === 'Bearer dummy-key')).toBe(
        true,
      );
      const embeddings = result.usage.byModel[`openai:${EMBEDDING_MODEL}`]!;
      expect(embeddings).toMatchObject({ calls: 2, callsWithUnknownCost: 0 });
      expect(embeddings.inputTokens).toBeGreaterThan(100);
      expect(embeddings.costUsd).toBeCloseTo((embeddings.inputTokens * 0.02) / 1e6, 12);
      expect(result.usage.total.calls).toBe(3);
      expect(result.usage.total.inputTokens).toBe(900 + embeddings.inputTokens);
      expect(result.costUsd).toBeCloseTo(embeddings.costUsd, 9);
      expect(run.stderr).toMatch(/rlm: answered · 1 turn · .* · embeddings 2 calls, [\d.]+k? tokens · /);
    }, 120_000);
  }
});

describe('rlm --embedding-dimensions', () => {
  it('asks the server for vectors of that length, and a second run over the same notes reads them from the disk cache: only its query is embedded', async () => {
    const shared = await mkdtemp(join(tmpdir(), 'rlm-cli-tools-cache-'));
    try {
      const args = [
        '--embedding-model',
        `openai:${EMBEDDING_MODEL}`,
        '--embedding-dimensions',
        '256',
        '--json',
      ];
      const first = await runWithTool('retrieve', args, { tmpdir: shared });
      const second = await runWithTool('retrieve', args, { tmpdir: shared });
      for (const { run } of [first, second]) {
        expect(run.exitCode, run.stderr).toBe(0);
        expect(JSON.parse(run.stdout).answer).toBe(EXPECTED_ANSWER);
      }
      const embeddingRequests = (requests: readonly RecordedRequest[]) =>
        requests.filter((request) => request.path === '/v1/embeddings');
      expect(embeddingRequests(first.requests).map((request) => request.body.dimensions)).toEqual([256, 256]);
      expect(embeddingRequests(second.requests)).toHaveLength(1);
      expect(JSON.parse(second.run.stdout).usage.byModel[`openai:${EMBEDDING_MODEL}`].calls).toBe(1);
    } finally {
      await rm(shared, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('rlm --tools retrieve under --max-tokens', () => {
  it("stops once the index build's embedding tokens spend the budget, and says so with the tokens the run counted", async () => {
    // The root call uses 980 tokens, under the limit; the build then embeds every note (thousands
    // of tokens), so the query's embedding call is refused.
    const { run, requests } = await runWithTool('retrieve', [
      '--embedding-model',
      `openai:${EMBEDDING_MODEL}`,
      '--max-tokens',
      '1000',
      '--json',
    ]);
    expect(run.exitCode, run.stderr).toBe(3);
    const result = JSON.parse(run.stdout);
    expect(result.error).toMatchObject({ name: 'LimitExceededError', limit: 'maxTokens' });
    const embeddings = result.usage.byModel[`openai:${EMBEDDING_MODEL}`];
    expect(embeddings.calls).toBe(1);
    expect(requests.filter((request) => request.path === '/v1/embeddings')).toHaveLength(1);
    const used = result.usage.total.inputTokens + result.usage.total.outputTokens;
    expect(used).toBe(980 + embeddings.inputTokens);
    const said = /rlm: stopped by --max-tokens 1,000 after ([\d.]+)(k?) tokens/.exec(run.stderr);
    expect(said, run.stderr).not.toBeNull();
    expect(Number(said![1]) * (said![2] === 'k' ? 1000 : 1)).toBeCloseTo(used, -2);
  }, 120_000);
});

describe.concurrent('rlm --tools and --embedding-model usage errors (exit 2, nothing sent)', () => {
  async function usageError(args: readonly string[], env: Readonly<Record<string, string>> = {}) {
    return slots(async () => {
      const server = await startTestServer({ respond: toolCaller('grep') });
      try {
        const run = await runBuiltCli(
          [
            QUESTION,
            '--context',
            'notes',
            '--model',
            'openai:root-model',
            '--base-url',
            server.openaiBaseURL,
            ...args,
          ],
          { cwd: folder, env: { RLM_API_KEY: 'dummy-key', ...env } },
        );
        expect(server.requests).toEqual([]);
        expect(run.stdout).toBe('');
        expect(run.exitCode, run.stderr).toBe(2);
        return run.stderr;
      } finally {
        await server.close();
      }
    });
  }

  it('an unknown tool name lists the tools there are', async () => {
    expect(await usageError(['--tools', 'grep,retreive'])).toBe(
      'rlm: --tools: "grep,retreive" is not a valid value for tools; expected a comma-separated list of grep, search, retrieve, or none (e.g. --tools grep,search,retrieve).\n',
    );
  });

  it('retrieve without an embedding model says what to add (--tools and RLM_TOOLS)', async () => {
    expect(await usageError(['--tools', 'grep,retrieve'])).toBe(
      'rlm: --tools includes retrieve, which needs an embedding model to index the context. ' +
        'Add --embedding-model openai:text-embedding-3-small (or set RLM_EMBEDDING_MODEL, or put "embeddingModel" in rlm.config.json); ' +
        'with --base-url, name an embedding model that server has, e.g. --embedding-model openai:nomic-embed-text for Ollama. ' +
        'Or leave retrieve out: --tools grep.\n',
    );
    expect(await usageError([], { RLM_TOOLS: 'retrieve' })).toMatch(
      /^rlm: tools \(from RLM_TOOLS\) includes retrieve, which needs an embedding model .* Or leave retrieve out: --tools none\.\n$/,
    );
  });

  it('an embedding model of a provider without embeddings, or of no known provider, says which one has them', async () => {
    expect(await usageError(['--embedding-model', 'anthropic:claude-sonnet-4-6'])).toBe(
      "rlm: --embedding-model 'anthropic:claude-sonnet-4-6': the anthropic provider has no embeddings API. " +
        "Embeddings come from openai only: e.g. --embedding-model openai:text-embedding-3-small (with OPENAI_API_KEY), or openai:MODEL with --base-url for an OpenAI-compatible server's embedding model (Ollama: openai:nomic-embed-text).\n",
    );
    expect(await usageError([], { RLM_EMBEDDING_MODEL: 'cohere:embed-v4.0' })).toMatch(
      /^rlm: --embedding-model 'cohere:embed-v4\.0': unknown provider 'cohere'\. Embeddings come from openai only/,
    );
    expect(await usageError(['--embedding-model', 'text-embedding-3-small'])).toBe(
      "rlm: --embedding-model 'text-embedding-3-small' names no provider. Write it as PROVIDER:MODEL, e.g. openai:text-embedding-3-small.\n",
    );
  });
});
