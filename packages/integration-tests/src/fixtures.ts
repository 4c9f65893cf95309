import { createRLM, type RLMSettings } from '@rlm/core';
import { MockLanguageModel, type MockReply, type MockRequest } from '@rlm/core/testing';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';

/** A reply that is one ```javascript block. */
export function code(source: string, prose = 'Next step.'): string {
  return `${prose}\n\`\`\`javascript\n${source}\n\`\`\``;
}

/** A root model scripted as a list and a sub-model answering with `answer(prompt)`. */
export function scriptedModels(
  root: readonly MockReply[] | ((request: MockRequest) => MockReply),
  answer: (prompt: string) => string = (prompt) => `sub:${prompt}`,
) {
  const model = new MockLanguageModel({ responses: root, modelId: 'root' });
  const subModel = new MockLanguageModel({
    responses: (request) => answer(request.lastMessage),
    modelId: 'sub',
    contextWindow: 32_000,
  });
  return { model, subModel };
}

export function quickjsRLM(settings: Omit<RLMSettings, 'environment'>) {
  return createRLM({ environment: createQuickJSEnvironment(), ...settings });
}
