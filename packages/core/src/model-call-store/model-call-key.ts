import type { ChatMessage, LanguageModel } from '../language-model/language-model';
import { loadSha256 } from '../trajectory/keep-text';
import { sortKeys } from '../util/sort-keys';
import type { ModelCallKey } from './model-call-store';

/** Bumped when what goes into a key changes, so that old entries stop matching. */
export const MODEL_CALL_KEY_VERSION = 1;

/** What stands in a key for the run's note tag (see below). */
const NOTE_TAG_PLACEHOLDER = '\u0000note-tag\u0000';

/** What of one model call decides its answer. */
export interface ModelCallKeyInput {
  readonly messages: readonly ChatMessage[];
  readonly maxOutputTokens: number | undefined;
  readonly providerOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /**
   * The calling run's note tag: a random marker that starts the lines the loop adds (so no cell output
   * can forge one). It differs in every run, so it is replaced by a fixed placeholder before hashing:
   * otherwise no root call of a second run could ever match the first's.
   */
  readonly noteTag?: string;
}

/**
 * The key of one model call: SHA-256 over the key version, the provider, the model id, the model's
 * `answerSettings` (its server and generation settings), the messages (role and text, in order),
 * `maxOutputTokens` and the provider options it is sent with (the root's `providerOptions` or the
 * sub-calls' `subProviderOptions`). Two calls with the same key
 * ask the same model the same thing with the same settings.
 */
export async function modelCallKey(model: LanguageModel, input: ModelCallKeyInput): Promise<ModelCallKey> {
  return hashCall(model, input, MODEL_CALL_KEY_VERSION, (content) => content);
}

/** A loop note `Turn i/N.` once the note tag is replaced: `N` is the turn limit. */
const TURN_NOTE = /\u0000note-tag\u0000 Turn (\d+)\/\d+\./g;

/**
 * The key under which a run records its answered calls, and a resumed run replays them: the
 * {@link modelCallKey} of the call, except that the turn limit in the loop's `Turn i/N.` notes is
 * left out. So a run stopped by `maxTurns` and resumed with more turns replays every turn it had
 * taken (those notes are the only place the limit shows), where exact keys would miss from turn 2.
 * Only the loop writes those notes: they start with the run's note tag, which no cell output or
 * model text can carry.
 */
export async function replayCallKey(model: LanguageModel, input: ModelCallKeyInput): Promise<ModelCallKey> {
  return hashCall(model, input, `replay-${MODEL_CALL_KEY_VERSION}`, (content) =>
    content.replace(TURN_NOTE, '\u0000note-tag\u0000 Turn $1.'),
  );
}

async function hashCall(
  model: LanguageModel,
  input: ModelCallKeyInput,
  version: number | string,
  normalize: (content: string) => string,
): Promise<ModelCallKey> {
  const { noteTag } = input;
  const messages = input.messages.map((message) => [
    message.role,
    normalize(noteTag ? message.content.split(noteTag).join(NOTE_TAG_PLACEHOLDER) : message.content),
  ]);
  const text = JSON.stringify([
    version,
    model.provider,
    model.modelId,
    typeof model.answerSettings === 'string' ? model.answerSettings : null,
    input.maxOutputTokens ?? null,
    sortKeys(input.providerOptions ?? null),
    messages,
  ]);
  const sha256 = await loadSha256();
  return { hash: await sha256(text), provider: model.provider, modelId: model.modelId };
}
