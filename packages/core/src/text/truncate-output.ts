import { groupDigits } from './group-digits';
/**
 * Caps text shown to the model, keeping its head and its tail (an error or a final count is often at
 * the end) and stating how much was left out, so the model knows to print less rather than believe
 * it saw everything. With `tag` (the run's note tag), the statement is a line of its own that starts
 * with the tag, like every note of the loop.
 */
export function truncateOutput(text: string, maxChars: number, tag?: string): string {
  if (text.length <= maxChars) return text;
  const marker = (omitted: number) =>
    `\n${tag ? `${tag} ` : ''}… [${groupDigits(omitted)} characters omitted: the output was ${groupDigits(text.length)} characters; print less, or print slices] …\n`;
  const budget = Math.max(0, maxChars - marker(text.length).length);
  const headLength = Math.ceil(budget * 0.6);
  const tailLength = budget - headLength;
  const omitted = text.length - headLength - tailLength;
  return text.slice(0, headLength) + marker(omitted) + (tailLength > 0 ? text.slice(-tailLength) : '');
}
