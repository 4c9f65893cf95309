import { describe, expect, it } from 'vitest';
import type { ReplEnvironment, ReplLanguage } from '../environment/repl-environment';
import { createRLM } from '../loop/create-rlm';
import { MockLanguageModel } from '../testing/mock-language-model';
import { javascriptSystemPrompt } from './javascript-system-prompt';
import { pythonSystemPrompt } from './python-system-prompt';

/** Records the code of every cell; a cell that calls FINAL answers with what it passed. */
function recordingEnvironment(language: ReplLanguage, cells: string[]): ReplEnvironment {
  return {
    specificationVersion: 'v1',
    environmentId: `recording-${language}`,
    language,
    async createSession() {
      return {
        async runCell(code) {
          cells.push(code);
          const final = /FINAL\("([^"]*)"\)/.exec(code);
          return {
            stdout: '',
            stderr: '',
            droppedOutputChars: 0,
            durationMs: 0,
            ...(final ? { final: { source: 'FINAL' as const, value: final[1] as string } } : {}),
          };
        },
        async dispose() {},
      };
    },
  };
}

const OPTIONS = {
  recursionAvailable: false,
  subModelContextWindow: 100_000,
  namedModels: ['fast'],
  maxOutputChars: 20_000,
  maxConcurrency: 16,
  tools: [
    {
      name: 'search',
      description: 'Finds lines.',
      parameters: {
        type: 'object',
        properties: { pattern: { type: 'string', description: 'a regex' }, limit: { type: 'number' } },
        required: ['pattern'],
      },
      execute: async () => null,
    },
  ],
  noteTag: '[rlm-abc]',
};

describe('the system prompt and fences follow the environment’s language', () => {
  it('a Python environment gets the Python prompt, and its ```python and ```repl blocks run, not ```javascript', async () => {
    const cells: string[] = [];
    const model = new MockLanguageModel({
      responses: [
        'Look first.\n```javascript\nconsole.log(1)\n```\n```python\nprint(len(context))\n```\n```repl\nx = 1\n```',
        '```py\nFINAL("done")\n```',
      ],
    });
    const rlm = createRLM({ model, environment: recordingEnvironment('python', cells) });
    const { answer } = await rlm.completion('q', { context: 'text' });
    expect(answer).toBe('done');
    expect(cells).toEqual(['print(len(context))', 'x = 1', 'FINAL("done")']);
    const system = model.calls[0]?.messages[0]?.content;
    expect(system).toContain('Python REPL');
    expect(system).toContain('```python');
    expect(system).not.toContain('```javascript');
  });

  it('a JavaScript environment keeps the JavaScript prompt and fences', async () => {
    const cells: string[] = [];
    const model = new MockLanguageModel({
      responses: ['```python\nprint(1)\n```\n```javascript\nFINAL("js")\n```'],
    });
    const rlm = createRLM({ model, environment: recordingEnvironment('javascript', cells) });
    expect((await rlm.completion('q', { context: 'text' })).answer).toBe('js');
    expect(cells).toEqual(['FINAL("js")']);
    expect(model.calls[0]?.messages[0]?.content).toContain('JavaScript REPL');
  });

  it('the Python prompt names Python idioms: await, keyword arguments for tools and models, sub_context, schema=', () => {
    const prompt = pythonSystemPrompt({
      ...OPTIONS,
      recursionAvailable: true,
      answerSchema: { type: 'object' },
    });
    expect(prompt).toContain('await llm_query(prompt)');
    expect(prompt).toContain('model=');
    expect(prompt).toContain('await search(pattern=…, limit=None)');
    expect(prompt).toContain('sub_context');
    expect(prompt).toContain('schema=schema');
    expect(prompt).toContain('json.dumps(result)');
    expect(prompt).not.toMatch(/console\.log|Promise\.all|JSON\.stringify|\blet\b|\bconst\b/);
    expect(javascriptSystemPrompt({ ...OPTIONS, answerSchema: { type: 'object' } })).toContain(
      'JSON.stringify(result)',
    );
  });
});
