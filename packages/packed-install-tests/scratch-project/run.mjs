// A user's first script: the built packages under plain `node`, no TypeScript loader.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRLM } from '@rlm/core';
import { createFileCache } from '@rlm/core/cache';
import { MockLanguageModel } from '@rlm/core/testing';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';

const fence = '```';
const replies = [
  `Let me look first.\n${fence}javascript\nconsole.log(context.split('\\n').length);\n${fence}`,
  `Three lines.\n${fence}javascript\nFINAL(\`lines: \${context.split('\\n').length}\`);\n${fence}`,
];
const model = new MockLanguageModel({ responses: replies });
const environment = createQuickJSEnvironment();
const rlm = createRLM({ model, environment });
const result = await rlm.completion('How many lines?', { context: 'one\ntwo\nthree' });

// The same run twice with a file cache (@rlm/core/cache): the second sends nothing.
const cacheFolder = await mkdtemp(join(tmpdir(), 'rlm-scratch-cache-'));
const cachedRun = async () => {
  const cachedModel = new MockLanguageModel({ responses: replies });
  const cached = createRLM({ model: cachedModel, environment, cache: createFileCache(cacheFolder) });
  const outcome = await cached.completion('How many lines?', { context: 'one\ntwo\nthree' });
  return { calls: cachedModel.calls.length, cachedCalls: outcome.usage.total.cachedCalls };
};
const cache = [await cachedRun(), await cachedRun()];
await rm(cacheFolder, { recursive: true, force: true });
await environment.dispose?.();
console.log(
  JSON.stringify({
    answer: result.answer,
    answerSource: result.answerSource,
    calls: model.calls.length,
    cache,
  }),
);
