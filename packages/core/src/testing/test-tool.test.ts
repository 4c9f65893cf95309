import type { JsonValue } from '../environment/context-value';
import type { Tool } from '../tool/tool';
import { testTool } from './test-tool';

/** The smallest well-behaved tool: counts the context's characters, checks its one parameter. */
const lengthTool: Tool = {
  name: 'context_length',
  description: 'Counts the characters of the context (or of one document of a list).',
  parameters: {
    type: 'object',
    properties: { document: { type: 'integer', minimum: 0 } },
    additionalProperties: false,
  },
  async execute(parameters, { abortSignal, context }) {
    abortSignal.throwIfAborted();
    if (parameters === null || typeof parameters !== 'object' || Array.isArray(parameters)) {
      throw new Error('context_length takes one object argument, e.g. context_length({}).');
    }
    const unknown = Object.keys(parameters).filter((key) => key !== 'document');
    if (unknown.length) throw new Error(`context_length: unknown parameter '${unknown[0]}'.`);
    const texts: JsonValue[] = Array.isArray(context) ? [...context] : [context as JsonValue];
    return { characters: texts.reduce<number>((sum, text) => sum + String(text).length, 0) };
  },
};

testTool('a minimal tool', {
  createTool: () => lengthTool,
  validCall: { parameters: {}, context: 'some text' },
});
