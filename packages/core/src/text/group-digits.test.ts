import { describe, expect, it } from 'vitest';
import { groupDigits } from './group-digits';

describe('groupDigits', () => {
  it('writes integers as en-US toLocaleString does', () => {
    const samples = [
      0,
      1,
      12,
      123,
      999,
      1000,
      1001,
      12_345,
      999_999,
      1_000_000,
      1_234_567_890,
      Number.MAX_SAFE_INTEGER,
    ];
    for (let i = 0; i < 2000; i++) samples.push(Math.floor(Math.random() * 10 ** (1 + (i % 15))));
    for (const value of samples) {
      expect(groupDigits(value)).toBe(value.toLocaleString('en-US'));
      if (value !== 0) expect(groupDigits(-value)).toBe((-value).toLocaleString('en-US'));
    }
  });

  it('groups only the whole part of a fraction, keeping its digits', () => {
    expect(groupDigits(1234.5)).toBe('1,234.5');
    expect(groupDigits(-1234567.125)).toBe('-1,234,567.125');
    expect(groupDigits(0.25)).toBe('0.25');
    expect(groupDigits(-0)).toBe('0');
  });

  it('leaves what has no digits to group as String writes it', () => {
    expect(groupDigits(Number.NaN)).toBe('NaN');
    expect(groupDigits(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(groupDigits(1e21)).toBe('1e+21');
  });
});
