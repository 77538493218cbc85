// Untrusted text on GitHub: shown, never rendered as a mention, a reference, a link, an image or HTML.
import { describe, expect, it } from 'vitest';
import { escapeMarkdown, neutralizeMarkdown, splitCodeSpans } from '../../src/report/escape.js';

const ZWJ = '\u200d';

describe('escapeMarkdown (plain untrusted text)', () => {
  it('makes a RAISE EXCEPTION payload inert: mention, image, link, HTML', () => {
    expect(escapeMarkdown('@octocat <img src=https://e.example/p.gif> [click](https://e.example/x) #12')).toBe(
      `@${ZWJ}octocat &lt;img src=\`https://e.example/p.gif\`&gt; \\[click\\](\`https://e.example/x\`) #${ZWJ}12`,
    );
  });

  it('shows code, emphasis and block syntax literally', () => {
    expect(escapeMarkdown('`@x` **b** _i_ ~s~ a|b')).toBe(`\\\`@${ZWJ}x\\\` \\*\\*b\\*\\* \\_i\\_ \\~s\\~ a\\|b`);
    expect(escapeMarkdown('# h\n> q\n- l\n1. n\n<!-- c -->')).toBe('\\# h\n&gt; q\n\\- l\n1\\. n\n&lt;\\!-- c --&gt;');
  });

  it('a backslash before a backtick cannot open a code span that hides a mention', () => {
    expect(escapeMarkdown('\\`@user\\`')).toBe(`\\\\\\\`@${ZWJ}user\\\\\\\``);
  });
});

describe('neutralizeMarkdown (prose that may use Markdown)', () => {
  it('keeps real code spans, but not ones opened by an escaped backtick', () => {
    expect(neutralizeMarkdown('run `@x` then \\`@user\\`')).toBe(`run \`@x\` then \\\`@${ZWJ}user\\\``);
  });

  it('an unmatched backtick cannot pair with a code span added for a URL', () => {
    const out = neutralizeMarkdown('` @user https://e.example/x');
    expect(out).toBe(`\\\` @${ZWJ}user \`https://e.example/x\``);
  });

  it('links, images, autolinks and reference definitions lose their target', () => {
    expect(neutralizeMarkdown('![p](https://e.example/p.gif) [a](https://e.example) <https://e.example/y>\n[r]: https://e.example/r')).toBe(
      '[image: p] a (`https://e.example`) `https://e.example/y`\n\\[r\\]: `https://e.example/r`',
    );
  });

  it('placeholder characters in the input cannot forge a link', () => {
    expect(neutralizeMarkdown('\u00000\u0000 x')).toBe('0 x');
  });
});

describe('splitCodeSpans', () => {
  it('follows CommonMark: equal-length closers, escaped openers, unmatched runs are text', () => {
    expect(splitCodeSpans('a `b` c')).toEqual([
      { code: false, text: 'a ' },
      { code: true, text: '`b`' },
      { code: false, text: ' c' },
    ]);
    expect(splitCodeSpans('``a`b``')).toEqual([{ code: true, text: '``a`b``' }]);
    expect(splitCodeSpans('\\`a`')).toEqual([{ code: false, text: '\\`a`' }]);
    expect(splitCodeSpans('`a``')).toEqual([{ code: false, text: '`a``' }]);
  });
});
