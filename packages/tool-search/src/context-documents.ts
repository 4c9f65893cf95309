import { type ContextValue, InvalidArgumentError } from '@rlm/core';

/** One text the tools read: the whole context, or one document of a list. */
export interface ContextDocument {
  readonly text: string;
  /** The document's path (or name, title, id) when the context gave one. */
  readonly path?: string;
}

/** The context as texts: one for a string, one per item for a list of documents. */
export interface ContextDocuments {
  /** True for a list of documents (results then carry `document`), false for one string. */
  readonly isList: boolean;
  readonly documents: readonly ContextDocument[];
}

const TEXT_KEYS = ['text', 'content', 'body'] as const;
const PATH_KEYS = ['path', 'name', 'title', 'id'] as const;

const cache = new WeakMap<object, ContextDocuments>();

/**
 * Reads `context` as texts: a string, or a list whose items are strings or `{ path?, text }`-like
 * objects (`content` or `body` also name the text; `name`, `title` or `id` the path). Anything else
 * is JSON data the tools cannot search, and throws an error that tells the model what to do instead.
 */
export function contextDocuments(context: ContextValue, toolName: string): ContextDocuments {
  if (typeof context === 'string') return { isList: false, documents: [{ text: context }] };
  if (!Array.isArray(context)) {
    throw notText(toolName, `the context is ${describeValue(context)}`);
  }
  const cached = cache.get(context);
  if (cached) return cached;
  const documents = context.map((item, index): ContextDocument => {
    if (typeof item === 'string') return { text: item };
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      const record = item as Record<string, unknown>;
      const textKey = TEXT_KEYS.find((key) => typeof record[key] === 'string');
      if (textKey) {
        const pathKey = PATH_KEYS.find(
          (key) => typeof record[key] === 'string' || typeof record[key] === 'number',
        );
        return {
          text: record[textKey] as string,
          ...(pathKey ? { path: String(record[pathKey]) } : {}),
        };
      }
    }
    throw notText(toolName, `context[${index}] is ${describeValue(item)}`);
  });
  const result = { isList: true, documents };
  cache.set(context, result);
  return result;
}

function notText(toolName: string, what: string): InvalidArgumentError {
  return new InvalidArgumentError({
    argument: 'context',
    message: `${toolName}: ${what}, not text. ${toolName} works over a string, a list of strings, or a list of { path?, text } documents. For JSON data, filter \`context\` with code instead (or JSON.stringify the part you want to read).`,
  });
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object without a string field text, content or body';
  return `a ${typeof value}`;
}
