import { describe, expect, it } from 'vitest';
import { parseAnsi } from './ansi.js';

describe('parseAnsi', () => {
  it('turns colour and weight codes into styled spans, and reset ends them', () => {
    expect(parseAnsi('\x1b[1;31merror:\x1b[0m file not found')).toEqual([
      { text: 'error:', bold: true, fg: 1 },
      { text: ' file not found' },
    ]);
  });

  it('knows bright colours, backgrounds, 256 colours and true colour', () => {
    expect(parseAnsi('\x1b[92mok\x1b[44m on blue\x1b[49m')).toEqual([
      { text: 'ok', fg: 10 },
      { text: ' on blue', fg: 10, bg: 4 },
    ]);
    expect(parseAnsi('\x1b[38;5;196mred\x1b[38;5;244mgrey\x1b[38;2;1;2;300mtrue')).toEqual([
      { text: 'red', fg: 'rgb(255, 0, 0)' },
      { text: 'grey', fg: 'rgb(128, 128, 128)' },
      { text: 'true', fg: 'rgb(1, 2, 255)' },
    ]);
  });

  it('drops cursor movement, titles and stray control characters, keeping the text', () => {
    expect(parseAnsi('\x1b[2K\x1b[1Gprogress 50%\x1b]0;title\x07 done\x07\x08')).toEqual([
      { text: 'progress 50% done' },
    ]);
  });

  it('leaves plain text alone, and never makes markup of it', () => {
    expect(parseAnsi('<b>not bold</b> & co')).toEqual([{ text: '<b>not bold</b> & co' }]);
    expect(parseAnsi('')).toEqual([]);
  });
});
