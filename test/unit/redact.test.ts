// redact() and stripControl(): the key never leaves in any form, and server text never drives the terminal.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanText, redact, secretForms, stripControl } from '../../src/errors.js';

const KEY = 'sk_live_4f9A+b/Zq=Xy7Lm2Np8Qr';

describe('redact', () => {
  it.each([
    ['the whole key', `Bearer ${KEY}`, 'Bearer ***'],
    ['twice', `${KEY} and ${KEY}`, '*** and ***'],
    ['URL-encoded', `?key=${encodeURIComponent(KEY)}&x=1`, '?key=***&x=1'],
    ['a long prefix cut by the server', `auth: ${KEY.slice(0, 21)}`, 'auth: ***'],
    ['an 8-character prefix', `x${KEY.slice(0, 8)}y`, 'x***y'],
    ['a URL-encoded prefix', `k=${encodeURIComponent(KEY).slice(0, 14)}`, 'k=***'],
    ['a 7-character prefix is too common to be the key', `${KEY.slice(0, 7)}`, KEY.slice(0, 7)],
    // Found by hostile testing: a server may echo any piece of the key, change its case or base64 it.
    ['the last 8 characters ("key ending in ...")', `key ending in ${KEY.slice(-8)}`, 'key ending in ***'],
    ['a piece from the middle', `mid:${KEY.slice(4, 14)}.`, 'mid:***.'],
    ['the key in lower case', `lower:${KEY.toLowerCase()}`, 'lower:***'],
    ['the key in upper case', `upper:${KEY.toUpperCase()}`, 'upper:***'],
    ['the key in base64', `b64:${Buffer.from(KEY).toString('base64')}`, 'b64:***'],
    ['nothing to hide', 'all fine', 'all fine'],
  ])('%s', (_, text, expected) => {
    expect(redact(text, KEY)).toBe(expected);
  });

  it.each([
    ['a short key inside a word is left alone', 'xam', 'http://example.com', 'http://example.com'],
    ['a short key as a word is hidden', 'xam', 'key xam rejected', 'key *** rejected'],
    ['a short key at the ends', 'abc', 'abc:abc', '***:***'],
    ['no key', '', 'text', 'text'],
  ])('%s', (_, key, text, expected) => {
    expect(redact(text, key)).toBe(expected);
  });

  it.each([
    ['Basic auth of user:key', `user:${KEY}`],
    ['"Bearer key"', `Bearer ${KEY}`],
    ['the key after one byte', `x${KEY}`],
  ])('base64 of %s keeps no piece of the key', (_, secretText) => {
    const b64 = Buffer.from(secretText).toString('base64');
    const out = redact(`auth=${b64};`, KEY);
    expect(out).toContain('***');
    // What only the key's bytes decide: everything but the group the prefix shares and the last group.
    const keyPart = b64.slice(Math.ceil((secretText.length - KEY.length) / 3) * 4 + 4, -4);
    for (let i = 0; i + 8 <= keyPart.length; i++) expect(out).not.toContain(keyPart.slice(i, i + 8));
  });

  it('a key holding a quote or a backslash is hidden in JSON text too, where it stands escaped', () => {
    const key = 'ab"cd\\ef\tgh12345';
    const json = JSON.stringify({ title: `see ${key}` });
    expect(redact(json, key)).toBe('{"title":"see ***"}');
  });

  it('a key of 8 characters or more is hidden wherever it appears, even inside a word', () => {
    expect(redact('prefixABCDEFGHsuffix', 'ABCDEFGH')).toBe('prefix***suffix');
  });
});

describe('cleanText', () => {
  it.each([
    ['NULs', '\u0000'],
    ['bidi marks', '\u200e'],
    ['escape sequences', '\x1b[0m'],
  ])('a key split into short pieces by %s is hidden once they are stripped', (_, sep) => {
    const split = (KEY.match(/.{1,5}/g) ?? []).join(sep);
    expect(cleanText(`key: ${split}.`, KEY)).toBe('key: ***.');
  });
});

describe('stripControl', () => {
  it.each([
    ['an OSC title sequence', 'a\x1b]0;pwned\x07b', 'ab'],
    ['an OSC ended by ST', 'a\x1b]2;t\x1b\\b', 'ab'],
    ['a screen clear', '\x1b[2J\x1b[Hdone', 'done'],
    ['colours', '\x1b[31mred\x1b[0m', 'red'],
    ['carriage return and bell', 'one\rtwo\x07', 'one two'],
    ['newlines and tabs become spaces', 'a\nb\tc', 'a b c'],
    ['C1 controls and bidi overrides', 'a\u009b2Jb\u202ec', 'abc'],
    ['plain text and unicode stay', 'Café – ok', 'Café – ok'],
  ])('%s', (_, text, expected) => {
    expect(stripControl(text)).toBe(expected);
  });
});

/** The algorithm redact() used before its one-pass rewrite (a slice and a set lookup per position), over the same forms of the key. */
function referenceRedact(text: string, secret: string): string {
  const forms = secretForms(secret);
  const fold = (s: string) => s.split('').map((u) => (u.toLowerCase().length === 1 ? u.toLowerCase() : u)).join('');
  const pieces = new Set<string>();
  for (const form of forms.map(fold)) for (let i = 0; i + 8 <= form.length; i++) pieces.add(form.slice(i, i + 8));
  const folded = fold(text);
  const hidden = new Uint8Array(text.length);
  for (let i = 0; i + 8 <= folded.length; i++) if (pieces.has(folded.slice(i, i + 8))) hidden.fill(1, i, i + 8);
  let out = '';
  for (let i = 0; i < text.length; ) {
    if (!hidden[i]) {
      out += text[i++];
      continue;
    }
    while (i < text.length && hidden[i]) i++;
    out += '***';
  }
  return out;
}

describe('redact, compared with the reference algorithm', () => {
  // Text made of pieces of the key (any case, encoded, cut anywhere) among ordinary and odd characters.
  const keyArb = fc.oneof(fc.constant(KEY), fc.string({ minLength: 8, maxLength: 40 }), fc.stringMatching(/^[A-Za-z0-9İıẞß+/=_-]{8,30}$/));
  const textOf = (key: string) =>
    fc
      .array(
        fc.oneof(
          fc.string({ maxLength: 12 }),
          fc.constantFrom('İ', 'ß', '\u{10400}', '\u{10428}', 'É', 'é', '\ud801', '***'),
          fc.tuple(fc.nat(key.length), fc.nat(key.length)).map(([a, b]) => key.slice(Math.min(a, b), Math.max(a, b))),
          fc.constantFrom(key.toUpperCase(), key.toLowerCase(), encodeURIComponent(key), Buffer.from(key).toString('base64'), Buffer.from(`x${key}`).toString('base64')),
        ),
        { maxLength: 12 },
      )
      .map((parts) => parts.join(''));

  it('hides exactly what the reference hides', () => {
    fc.assert(
      fc.property(keyArb.chain((key) => fc.tuple(fc.constant(key), textOf(key))), ([key, text]) => {
        expect(redact(text, key)).toBe(referenceRedact(text, key));
      }),
      { numRuns: 3000 },
    );
  });

  it('a key too long for the automaton (hundreds of characters beyond ASCII) hides the same, in bounded memory', () => {
    // 600 CJK characters: the automaton's table would be ~100 million moves (GBs); the pieces are looked up instead.
    const key = Array.from({ length: 600 }, (_, i) => String.fromCharCode(0x4e00 + ((i * 37) % 2000))).join('');
    const text = `a ${key.slice(100, 140)} b ${encodeURIComponent(key).slice(9, 90)} c ${Buffer.from(key).toString('base64').slice(40, 120)} d`;
    const out = redact(text, key);
    expect(out).toBe(referenceRedact(text, key));
    expect(out).toBe('a *** b *** c *** d');
  });

  it('a plan-sized text (megabytes, the key in a few places) gives the reference result', () => {
    const line = 'title: "How do I handle case 1234?", content: 6 lines, 343 characters, channels: [sms, web]\n';
    const parts = Array.from({ length: 20_000 }, (_, i) => (i % 5000 === 17 ? `token ${KEY.slice(3, 19)} here\n` : line));
    const text = parts.join('');
    const out = redact(text, KEY);
    expect(out).toBe(referenceRedact(text, KEY));
    expect(out.split('***').length - 1).toBe(4);
  });
});
