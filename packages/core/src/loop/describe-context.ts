import type { ContextValue } from '../environment/context-value';
import { estimateTokens } from '../text/estimate-tokens';
import type { ContextSummary } from '../trajectory/trajectory';

const MAX_PART_SIZES = 100;
const PREVIEW_CHARACTERS = 300;

/**
 * Describes a context for the root model without showing it: its type, size, the sizes of its parts
 * and a short preview of its head and tail. Linear in the context's size (one JSON pass for data).
 */
export function describeContext(context: ContextValue): ContextSummary {
  if (typeof context === 'string') {
    return summary('string', [context.length], 1, context, context);
  }
  if (Array.isArray(context)) {
    const items = context as readonly unknown[];
    const allStrings = items.every((item) => typeof item === 'string');
    const sizes = items.map((item) => (typeof item === 'string' ? item.length : jsonLength(item)));
    // Preview only the ends of a document list: joining 50 MB of documents to show 600 characters would double memory.
    const first = items
      .slice(0, 3)
      .map((item) => previewText(item))
      .join('\n---\n');
    const last = items
      .slice(-3)
      .map((item) => previewText(item, 'end'))
      .join('\n---\n');
    return summary(
      allStrings ? 'string[]' : 'array',
      sizes,
      items.length,
      first,
      items.length > 3 ? last : '',
    );
  }
  if (context !== null && typeof context === 'object') {
    const entries = Object.entries(context);
    const sizes = entries.map(([, value]) => (typeof value === 'string' ? value.length : jsonLength(value)));
    const text = JSON.stringify(context);
    return {
      ...summary('object', sizes, entries.length, text, text),
      totalCharacters: text.length,
      approximateTokens: estimateTokens(text),
      keys: entries.slice(0, MAX_PART_SIZES).map(([key]) => key),
    };
  }
  const text = JSON.stringify(context);
  const type = context === null ? 'null' : (typeof context as 'number' | 'boolean');
  return summary(type, [text.length], 1, text, text);
}

function summary(
  type: ContextSummary['type'],
  sizes: readonly number[],
  parts: number,
  first: string,
  last: string,
): ContextSummary {
  const total = sizes.reduce((sum, size) => sum + size, 0);
  return {
    type,
    totalCharacters: total,
    approximateTokens: Math.ceil(total / 4),
    parts,
    partSizes: sizes.slice(0, MAX_PART_SIZES),
    head: first.slice(0, PREVIEW_CHARACTERS),
    tail: total > PREVIEW_CHARACTERS * 2 ? last.slice(-PREVIEW_CHARACTERS) : '',
  };
}

function previewText(item: unknown, end: 'start' | 'end' = 'start'): string {
  const text = typeof item === 'string' ? item : (JSON.stringify(item) ?? '');
  return end === 'start' ? text.slice(0, PREVIEW_CHARACTERS * 2) : text.slice(-PREVIEW_CHARACTERS * 2);
}

function jsonLength(value: unknown): number {
  return JSON.stringify(value)?.length ?? 0;
}
