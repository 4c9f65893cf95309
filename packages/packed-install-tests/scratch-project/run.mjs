// A user's first script: the built packages under plain `node`, no TypeScript loader.
import { createRLM } from '@rlm/core';
import { MockLanguageModel } from '@rlm/core/testing';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';

const fence = '```';
const model = new MockLanguageModel({
  responses: [
    `Let me look first.\n${fence}javascript\nconsole.log(context.split('\\n').length);\n${fence}`,
    `Three lines.\n${fence}javascript\nFINAL(\`lines: \${context.split('\\n').length}\`);\n${fence}`,
  ],
});
const environment = createQuickJSEnvironment();
const rlm = createRLM({ model, environment });
const result = await rlm.completion('How many lines?', { context: 'one\ntwo\nthree' });
await environment.dispose?.();
console.log(
  JSON.stringify({ answer: result.answer, answerSource: result.answerSource, calls: model.calls.length }),
);
