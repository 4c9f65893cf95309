// The same imports as run.mjs, type-checked as a user's NodeNext project sees the built packages.
import { createRLM, type RLMResult } from '@rlm/core';
import { createFileCache, type ModelCallCache } from '@rlm/core/cache';
import type { ReplEnvironment } from '@rlm/core/environment';
import { MockLanguageModel } from '@rlm/core/testing';
import { createQuickJSEnvironment } from '@rlm/env-quickjs';

const model = new MockLanguageModel({ responses: ['FINAL("done")'] });
const environment: ReplEnvironment = createQuickJSEnvironment();
const cache: ModelCallCache = createFileCache('.rlm-cache', { maxBytes: 1e8 });
const rlm = createRLM({ model, environment, cache });
const result: RLMResult = await rlm.completion('How many lines?', { context: 'one\ntwo\nthree' });
const answer: string = result.answer;
console.log(answer);
