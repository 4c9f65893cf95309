/** `950`, `45.2k`, `1.23M`: token counts short enough for a status line. */
export function formatTokens(count: number): string {
  if (count < 1000) return String(count);
  if (count < 1_000_000) return `${(count / 1000).toFixed(count < 10_000 ? 2 : 1).replace(/\.?0+$/, '')}k`;
  return `${(count / 1_000_000).toFixed(2).replace(/\.?0+$/, '')}M`;
}

/** `$0.0123`, `$1.23`: four decimals below a dollar, where RLM runs usually are. */
export function formatCost(usd: number): string {
  return usd < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** `4 cached ($0.0340 saved)`: model calls the cache answered, and what they cost when first made. */
export function formatCached(calls: number, savedUsd: number): string {
  return `${calls} cached${savedUsd > 0 ? ` (${formatCost(savedUsd)} saved)` : ''}`;
}

/** `0.4s`, `12.3s`, `2m05s`, `1h02m`. */
export function formatDuration(milliseconds: number): string {
  const seconds = Math.max(0, milliseconds) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** Cuts `text` to `width` columns, marking the cut with `…`. Control characters and tabs become spaces first. */
export function fitToWidth(text: string, width: number): string {
  const clean = text.replace(/[\t\r\n\x00-\x1f\x7f]/g, ' ');
  const characters = Array.from(clean);
  if (characters.length <= width) return clean;
  return width <= 1 ? characters.slice(0, width).join('') : `${characters.slice(0, width - 1).join('')}…`;
}
