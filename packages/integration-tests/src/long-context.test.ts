import { MockLanguageModel } from '@rlm/core/testing';
import { describe, expect, it } from 'vitest';
import { code, quickjsRLM } from './fixtures';
import { classifyChunk, generateOolongContext } from './oolong-context';

describe('a 10M-token context end to end (QuickJS)', () => {
  it('peeks, splits, classifies chunks with llm_query_batched, aggregates and answers exactly', async () => {
    const context = generateOolongContext(40_000_000);
    expect(context.text.length).toBeGreaterThanOrEqual(40_000_000);

    const model = new MockLanguageModel({
      modelId: 'root',
      responses: [
        code(
          'console.log(context.slice(0, 300));\nconst lines = context.split("\\n");\nconsole.log(lines.length, "lines")',
          'Let me look at the data first.',
        ),
        code(
          [
            'const chunkSize = 3000;',
            'const chunks = [];',
            'for (let i = 0; i < lines.length; i += chunkSize) chunks.push(lines.slice(i, i + chunkSize).join("\\n"));',
            'const prompts = chunks.map((chunk) => "Label each Instance as one of: abbreviation, description and abstract concept, entity, human being, location, numeric value. Reply with JSON counts per label.\\n\\n" + chunk);',
            'const replies = await llm_query_batched(prompts);',
            'const totals = {};',
            'for (const reply of replies) for (const [label, n] of Object.entries(JSON.parse(reply))) totals[label] = (totals[label] ?? 0) + n;',
            'const answer = totals["location"] ?? 0;',
            'console.log(chunks.length, "chunks", JSON.stringify(totals))',
          ].join('\n'),
          'Each line has one question; I will classify them in chunks.',
        ),
        code('FINAL_VAR("answer")', 'The counts add up; the answer is the location count.'),
      ],
    });
    const subModel = new MockLanguageModel({
      modelId: 'sub',
      contextWindow: 272_000,
      responses: (request) => classifyChunk(request.lastMessage, context.labelOf),
    });

    const result = await quickjsRLM({ model, subModel }).completion(
      'How many items have the label "location"?',
      { context: context.text },
    );

    expect(result.answer).toBe(String(context.counts.location));
    expect(result.answerSource).toBe('FINAL_VAR');
    expect(result.turns).toBe(3);
    expect(subModel.calls.length).toBe(Math.ceil(context.lines / 3000));
    expect(model.calls[1]!.lastMessage).toContain(`${context.lines} lines`);
    // The root model never saw more than a preview of the 40 MB.
    for (const call of model.calls)
      expect(call.messages.reduce((sum, message) => sum + message.content.length, 0)).toBeLessThan(60_000);
  }, 300_000);
});
