/**
 * `@rlm/cli/models` (workspace only, not published): how the CLI turns `--model`, `--sub-model` and
 * `--base-url` into `LanguageModel`s, for the repository's other apps (`apps/bench`), so that they
 * accept exactly what `rlm` accepts.
 */

export {
  createLanguageModel,
  type LanguageModelOverrides,
  type ModelConnection,
} from './create-language-model';
export { BASE_URL_KEY_VARIABLE, KNOWN_PROVIDERS, type KnownProvider } from './known-providers';
export { type ModelChoice, resolveModelChoice } from './resolve-model-ids';
