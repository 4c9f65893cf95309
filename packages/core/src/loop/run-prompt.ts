import type { ChatMessage } from '../language-model/language-model';
import { javascriptSystemPrompt } from '../prompts/javascript-system-prompt';
import { firstUserMessage } from '../prompts/loop-messages';
import { pythonSystemPrompt } from '../prompts/python-system-prompt';
import type { SystemPromptOptions } from '../prompts/system-prompt-options';
import type { JsonSchema } from '../tool/tool';
import type { ContextSummary } from '../trajectory/trajectory';
import type { ResolvedSettings } from './resolve-settings';

/**
 * The messages a run starts from: the system prompt (the user's, if set, else the built-in one for
 * environment's language, JavaScript or Python) and the first user message with the question and a summary of the context.
 */
export function firstMessages(
  settings: ResolvedSettings,
  run: {
    readonly question: string;
    readonly summary: ContextSummary;
    readonly depth: number;
    readonly tag: string;
    readonly answerSchema?: JsonSchema;
  },
): ChatMessage[] {
  const promptOptions: SystemPromptOptions = {
    recursionAvailable: run.depth + 1 < settings.limits.maxDepth,
    subModelContextWindow: settings.subModel.contextWindow,
    namedModels: Object.keys(settings.models),
    maxOutputChars: settings.maxOutputChars,
    maxConcurrency: settings.maxConcurrency,
    tools: settings.tools,
    noteTag: run.tag,
    ...(run.answerSchema ? { answerSchema: run.answerSchema } : {}),
  };
  const systemPrompt = settings.systemPrompt
    ? settings.systemPrompt({ ...promptOptions, language: settings.environment.language })
    : settings.environment.language === 'python'
      ? pythonSystemPrompt(promptOptions)
      : javascriptSystemPrompt(promptOptions);
  return [
    { role: 'system', content: systemPrompt },
    { role: 'user', content: firstUserMessage(run.question, run.summary, run.tag) },
  ];
}
