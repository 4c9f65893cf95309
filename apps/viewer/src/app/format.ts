import type { ViewText, ViewUsage } from '../model/run-model';

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1) return '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatCount(value: number): string {
  if (value < 1000) return String(value);
  if (value < 1_000_000) return `${(value / 1000).toFixed(value < 10_000 ? 2 : 1)}k`;
  return `${(value / 1_000_000).toFixed(2)}M`;
}

export function formatCost(cost: number | undefined, unknown = 0): string {
  if (cost === undefined || (cost === 0 && unknown > 0))
    return unknown > 0 ? `unknown (${unknown} unpriced calls)` : 'unknown';
  const text =
    cost === 0
      ? '$0'
      : cost < 0.0001
        ? '<$0.0001'
        : cost < 0.01
          ? `$${cost.toFixed(4)}`
          : `$${cost.toFixed(2)}`;
  return unknown > 0 ? `${text} (+${unknown} unpriced)` : text;
}

export function formatTokens(usage: ViewUsage | undefined): string {
  if (!usage || usage.input + usage.output === 0) return 'tokens not recorded';
  return `${formatCount(usage.input)} in · ${formatCount(usage.output)} out${usage.cached ? ` · ${formatCount(usage.cached)} cached` : ''}`;
}

/** The first line of a text, at most `max` characters. */
export function firstLine(text: string, max = 160): string {
  const line = text.trimStart().split('\n', 1)[0] ?? '';
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** Says how much of a text the page holds. */
export function cutNote(text: ViewText): string | undefined {
  return text.text.length < text.length
    ? `showing ${formatCount(text.text.length)} of ${formatCount(text.length)} characters`
    : undefined;
}
