/**
 * `1234567` → `'1,234,567'`: what `value.toLocaleString('en-US')` gives for the counts the prompts,
 * notes and messages show, without it. The first `toLocaleString` of a process loads ICU's number
 * formatting (measured 50–65 ms on a loaded 2-core machine), and the system prompt needs a number
 * before the root model's first request: that load was on the path of every run's first call.
 * Fractions keep their digits as `String` writes them (`1234.5` → `'1,234.5'`); NaN and infinities
 * are written as `String` writes them.
 */
export function groupDigits(value: number): string {
  const text = String(value);
  if (!Number.isFinite(value) || text.includes('e')) return text;
  const point = text.indexOf('.');
  const whole = point === -1 ? text : text.slice(0, point);
  return whole.replace(/\B(?=(\d{3})+$)/g, ',') + (point === -1 ? '' : text.slice(point));
}
