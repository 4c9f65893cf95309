import { type ContextValue, InvalidArgumentError } from '@rlm/core';

/** One text the tool indexes: the whole context, or one document of a list. */
export interface RetrievalDocument {
  readonly text: string;
  /** The document's path (or name, title, id) when the context gave one. */
  readonly path?: string;
}

/**
 * The context as texts: a string is one document; a list holds strings or objects with a string
 * `text` (or `content`, `body`) and maybe a `path` (or `name`, `title`, `id`). Anything else is JSON
 * data, which has no passages to retrieve: the error tells the model to use code instead.
 */
export function readDocuments(
  context: ContextValue,
  toolName: string,
): { readonly isList: boolean; readonly documents: readonly RetrievalDocument[] } {
  if (typeof context === 'string') return { isList: false, documents: [{ text: context }] };
  if (!Array.isArray(context)) throw notText(toolName, `the context is ${kindOf(context)}`);
  const documents = context.map((item, index): RetrievalDocument => {
    if (typeof item === 'string') return { text: item };
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      const text = item.text ?? item.content ?? item.body;
      if (typeof text === 'string') {
        const path = [item.path, item.name, item.title, item.id].find(
          (value) => typeof value === 'string' || typeof value === 'number',
        );
        return path === undefined ? { text } : { text, path: String(path) };
      }
    }
    throw notText(toolName, `context[${index}] is ${kindOf(item)}`);
  });
  return { isList: true, documents };
}

function notText(toolName: string, what: string): InvalidArgumentError {
  return new InvalidArgumentError({
    argument: 'context',
    message: `${toolName}: ${what}, not text. ${toolName} retrieves passages from a string, a list of strings, or a list of { path?, text } documents. For JSON data, filter \`context\` with code instead.`,
  });
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object without a string field text, content or body';
  return `a ${typeof value}`;
}
