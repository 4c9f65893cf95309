import { describe, expect, it } from 'vitest';
import { findCellErrorLocation } from './cell-error-location';

describe('findCellErrorLocation', () => {
  const frames: Array<[string, string]> = [
    ['a named V8 frame', 'Error: boom\n    at foo (cell-3.js:4:7)'],
    ['an anonymous V8 frame', 'Error: boom\n    at cell-3.js:4:7'],
    ['an async V8 frame', 'Error: boom\n    at async cell-3.js:4:7'],
    ['a QuickJS frame with a column', 'Error: boom\n    at <eval> (cell-3.js:4:7)'],
  ];
  it.each(frames)('reads %s', (_, stack) => {
    expect(findCellErrorLocation(stack, 'cell-3.js', 20)).toEqual({ line: 4, column: 7 });
  });

  it('reads a QuickJS frame without a column', () => {
    expect(findCellErrorLocation('Error: boom\n    at <anonymous> (cell-3.js:4)\n', 'cell-3.js', 20)).toEqual(
      {
        line: 4,
      },
    );
  });

  it('subtracts the first line offset on line 1 only', () => {
    expect(findCellErrorLocation('Error\n    at cell-3.js:1:30', 'cell-3.js', 20)).toEqual({
      line: 1,
      column: 10,
    });
    expect(findCellErrorLocation('Error\n    at cell-3.js:2:30', 'cell-3.js', 20)).toEqual({
      line: 2,
      column: 30,
    });
  });

  it('attributes a column inside the inserted prefix to the first column', () => {
    expect(findCellErrorLocation('Error\n    at cell-3.js:1:15', 'cell-3.js', 20)).toEqual({
      line: 1,
      column: 1,
    });
  });

  it('takes the first frame in the cell, skipping frames elsewhere', () => {
    const stack = [
      'TypeError: bad',
      '    at helper (host.js:10:2)',
      '    at cell-2.js:9:9',
      '    at compute (cell-3.js:5:3)',
      '    at cell-3.js:8:1',
    ].join('\n');
    expect(findCellErrorLocation(stack, 'cell-3.js', 0)).toEqual({ line: 5, column: 3 });
  });

  it('reads the caller position of an eval frame', () => {
    const stack = 'Error\n    at eval (eval at <anonymous> (cell-3.js:2:5), <anonymous>:1:1)';
    expect(findCellErrorLocation(stack, 'cell-3.js', 0)).toEqual({ line: 2, column: 5 });
  });

  it('escapes regular expression characters in the file name', () => {
    const fileName = 'cell(1)+.js';
    expect(findCellErrorLocation('Error\n    at cell11.js:2:3', fileName, 0)).toBeUndefined();
    expect(findCellErrorLocation('Error\n    at cell(1)+.js:2:3', fileName, 0)).toEqual({
      line: 2,
      column: 3,
    });
  });

  it('does not take a longer file name that ends with the cell file name', () => {
    expect(findCellErrorLocation('Error\n    at my-cell-3.js:2:3', 'cell-3.js', 0)).toBeUndefined();
    expect(findCellErrorLocation('Error\n    at f (/lib/cell-3.js:2:3)', 'cell-3.js', 0)).toBeUndefined();
  });

  it('ignores a location quoted in the message', () => {
    const stack = 'Error: see cell-3.js:7:1 for details\n    at cell-3.js:2:3';
    expect(findCellErrorLocation(stack, 'cell-3.js', 0)).toEqual({ line: 2, column: 3 });
    expect(findCellErrorLocation('Error: at cell-3.js:7:1', 'cell-3.js', 0)).toBeUndefined();
  });

  it('returns undefined for a stack without a frame in the cell', () => {
    expect(findCellErrorLocation('Error: boom\n    at node:vm:149:12', 'cell-3.js', 0)).toBeUndefined();
    expect(findCellErrorLocation('', 'cell-3.js', 0)).toBeUndefined();
  });
});
