import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RecordedRequest, startTestServer } from '@rlm/test-server';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import type { CliIO } from '../cli-io';
import { EXIT_CODES } from '../exit-codes';
import { main } from '../main';

const schema = { type: 'object', properties: { total: { type: 'integer' } }, required: ['total'] };
const folders: string[] = [];
afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

async function runCli(args: readonly string[], files: Record<string, string>) {
  const cwd = await mkdtemp(join(tmpdir(), 'rlm-cli-schema-'));
  folders.push(cwd);
  for (const [name, text] of Object.entries(files)) await writeFile(join(cwd, name), text);
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: {
      write: (text: string) => {
        stdout += text;
      },
    },
    stderr: {
      write: (text: string) => {
        stderr += text;
      },
    },
    stdin: { [Symbol.asyncIterator]: async function* () {} } as never,
    stdinKind: 'none',
    environment: { RLM_API_KEY: 'k' },
    cwd,
  };
  const exitCode = await main(args, io);
  return { exitCode, stdout, stderr };
}

/** Root turn 1 answers with a string where an integer is wanted, turn 2 fixes it. */
function respond(request: RecordedRequest) {
  const turn = request.messages.filter((message) => message.role === 'assistant').length + 1;
  const final = turn === 1 ? 'FINAL({ total: "3" })' : 'FINAL({ total: 3 })';
  return { text: `\`\`\`javascript\n${final}\n\`\`\`` };
}

describe('--schema FILE', () => {
  it('shows the schema to the model, sends a mismatch back, and prints the answer as JSON', async () => {
    const server = await startTestServer({ respond });
    onTestFinished(() => server.close());
    const model = ['--model', 'openai:root', '--base-url', server.openaiBaseURL];
    const args = ['How many?', '--context', 'data.txt', '--schema', 'answer.json', '--quiet', ...model];
    const files = { 'data.txt': 'a b c', 'answer.json': JSON.stringify(schema) };
    const run = await runCli(args, files);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(EXIT_CODES.answered);
    expect(JSON.parse(run.stdout)).toEqual({ total: 3 });
    expect(server.requests[0]!.messages[0]!.content).toContain(
      'The answer must be data that matches this JSON Schema',
    );
    expect(server.requests[1]!.messages.at(-1)!.content).toContain('- answer.total: expected integer');

    const json = await runCli([...args, '--json'], files);
    expect(JSON.parse(json.stdout).answer).toEqual({ total: 3 });
  });

  it('a missing file or one that is not a JSON Schema object is a usage error', async () => {
    const model = ['--model', 'openai:root', '--base-url', 'http://127.0.0.1:9'];
    const missing = await runCli(['q', '--context', 'd.txt', '--schema', 'none.json', ...model], {
      'd.txt': 'x',
    });
    expect(missing.exitCode).toBe(EXIT_CODES.usageError);
    expect(missing.stderr).toContain("--schema: cannot read 'none.json' (ENOENT)");
    const notJson = await runCli(['q', '--context', 'd.txt', '--schema', 's.json', ...model], {
      'd.txt': 'x',
      's.json': '{ type: object }',
    });
    expect(notJson.stderr).toContain("--schema: 's.json' is not JSON");
    const list = await runCli(['q', '--context', 'd.txt', '--schema', 's.json', ...model], {
      'd.txt': 'x',
      's.json': '[]',
    });
    expect(list.stderr).toContain('must hold a JSON Schema object');
  });
});
