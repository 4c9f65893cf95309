import { describe, expect, it } from 'vitest';
import { truncateOutput } from './truncate-output';

describe('truncateOutput', () => {
  it('leaves short text alone', () => {
    expect(truncateOutput('hello', 10)).toBe('hello');
  });

  it('keeps head and tail, states the full length, and stays within the cap', () => {
    const text = `HEAD${'x'.repeat(100_000)}TAIL`;
    const shown = truncateOutput(text, 2_000);
    expect(shown.length).toBeLessThanOrEqual(2_000);
    expect(shown.startsWith('HEAD')).toBe(true);
    expect(shown.endsWith('TAIL')).toBe(true);
    expect(shown).toContain('the output was 100,008 characters');
    const omitted = Number((/([\d,]+) characters omitted/.exec(shown)?.[1] ?? '').replaceAll(',', ''));
    const kept = shown.length - shown.slice(shown.indexOf('\n…'), shown.lastIndexOf('…\n') + 2).length;
    expect(omitted + kept).toBe(text.length);
  });
});
