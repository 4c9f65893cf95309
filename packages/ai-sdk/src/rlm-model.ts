import { InvalidArgumentError } from '@rlm/core';
import { RLMLanguageModel } from './rlm-language-model';
import type { RLMModelSettings } from './rlm-model-settings';

/**
 * An RLM as an AI SDK language model: `generateText({ model: rlmModel({ rlm, context }), prompt })`
 * answers the prompt from the context with the RLM; `streamText` streams the run's progress (as
 * reasoning, with each step's facts in `providerMetadata.rlm.progress`) and then the answer. Usage
 * is the whole run's; `providerMetadata.rlm` has its cost, turns and failed sub-calls.
 */
export function rlmModel(settings: RLMModelSettings): RLMLanguageModel {
  if (typeof settings !== 'object' || settings === null) {
    throw new InvalidArgumentError({
      argument: 'settings',
      message: 'rlmModel needs { rlm, context? }: rlm from createRLM({ model, environment }).',
    });
  }
  const rlm = settings.rlm as unknown as Record<string, unknown> | undefined;
  if (
    typeof rlm !== 'object' ||
    rlm === null ||
    typeof rlm.completion !== 'function' ||
    typeof rlm.stream !== 'function'
  ) {
    throw new InvalidArgumentError({
      argument: 'rlm',
      message:
        'rlmModel({ rlm }) needs an RLM made by createRLM({ model, environment }) from @rlm/core; ' +
        `got ${rlm === null ? 'null' : typeof rlm === 'object' ? 'an object without completion() and stream()' : typeof rlm}.`,
    });
  }
  if (settings.modelId !== undefined && (typeof settings.modelId !== 'string' || settings.modelId === '')) {
    throw new InvalidArgumentError({
      argument: 'modelId',
      message: `rlmModel: modelId must be a non-empty string; got ${JSON.stringify(settings.modelId)}.`,
    });
  }
  return new RLMLanguageModel(settings);
}
