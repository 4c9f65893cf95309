import type { LanguageModel } from '../language-model/language-model';
import { ConcurrencyWindow, type ConcurrencyWindowSettings } from './concurrency-window';

/**
 * The windows of the process, one per model object and settings: every run tree that calls the same
 * `LanguageModel` object (root, children, and concurrent `completion()`s of one or several RLMs)
 * shares its window, so what one run learns about the provider's limit holds for all. Keyed by the
 * object, not by `provider:modelId`: two objects may point at different servers (or accounts), and
 * tests that make their own models start fresh. Held weakly: a model dropped takes its windows along.
 */
const windowsByModel = new WeakMap<LanguageModel, Map<string, ConcurrencyWindow>>();

/** The window of `model` under `settings`, made on first use. */
export function concurrencyWindowFor(
  model: LanguageModel,
  settings: ConcurrencyWindowSettings,
): ConcurrencyWindow {
  let windows = windowsByModel.get(model);
  if (!windows) {
    windows = new Map();
    windowsByModel.set(model, windows);
  }
  const key = `${settings.adaptive ? 'adaptive' : 'fixed'}:${settings.initial}:${settings.max}`;
  let window = windows.get(key);
  if (!window) {
    window = new ConcurrencyWindow(settings);
    windows.set(key, window);
  }
  return window;
}
