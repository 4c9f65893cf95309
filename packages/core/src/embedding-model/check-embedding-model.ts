import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { UnsupportedSpecificationError } from '../errors/unsupported-specification-error';
import type { EmbeddingModel } from './embedding-model';

/**
 * Checks that `model` is an `EmbeddingModel` this core supports (v1), with a message that says what
 * is wrong; `argument` names the option it came from (e.g. `'embeddingModel'`).
 */
export function checkEmbeddingModel(model: unknown, argument = 'embeddingModel'): EmbeddingModel {
  const candidate = model as Partial<EmbeddingModel> | null | undefined;
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.doEmbed !== 'function') {
    throw new InvalidArgumentError({
      argument,
      message: `${argument} must be an EmbeddingModel (an object with doEmbed), e.g. openai.embedding('text-embedding-3-small').`,
    });
  }
  if (candidate.specificationVersion !== 'v1') {
    throw new UnsupportedSpecificationError({
      kind: 'model',
      id: `${String(candidate.provider)}:${String(candidate.modelId)}`,
      version: candidate.specificationVersion,
    });
  }
  const limit = candidate.maxValuesPerCall;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
    throw new InvalidArgumentError({
      argument,
      message: `${argument}.maxValuesPerCall must be a whole number >= 1, got ${String(limit)}.`,
    });
  }
  return candidate as EmbeddingModel;
}
