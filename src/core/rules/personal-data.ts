// personal-data: e-mail addresses, phone numbers, payment cards, IBANs and secret-looking tokens in a
// training. Whatever is in a training is sent to Open.cx and may be repeated to any customer.
import { z } from 'zod';
import { contentPosition, titlePosition } from './text.js';
import type { Finding, Rule, RuleFile } from './types.js';

const options = z.strictObject({
  /** The company's own public addresses and numbers; `*` matches anything (`*@acme.com`). */
  allow: z.array(z.string().min(1)).default([]),
});

// Each kind has a cheap pre-check, so text with nothing suspicious costs a few regex tests.
const SECRET = /\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}|\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}|\bgh[pousr]_[A-Za-z0-9]{30,}|\bgithub_pat_\w{20,}|\bxox[abprs]-[A-Za-z0-9-]{10,}|\bAKIA[0-9A-Z]{16}\b|\bAIza[\w-]{35}|\bglpat-[\w-]{20,}|\b(?:api[_-]?key|secret|token|password|passwd)\s*[:=]\s*["']?[\w\-./+=]{12,}/gi;
// A cheap first look: the known prefixes, or `:`/`=` followed by a long unbroken value (the
// assignment form). Case-insensitive alternations are several times slower in V8, so there are none.
// The assignment form apart, and looked for only where a ':' or '=' is (an alternation of both costs more).
const SECRET_HINT = /eyJ|_live_|_test_|sk-|gh[pousr]_|github_pat_|xox[abprs]-|AKIA|AIza|glpat-/;
const ASSIGNED_HINT = /[:=]\s*["']?[\w\-./+=]{12}/;
const IBAN_HINT = /[A-Z]{2}\d{2}/;
const DIGITS_HINT = /\d[\d ().-]{6,}\d/;

const EMAIL = /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g;
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g;
/** A run of digits with phone or card separators; its neighbours are checked by hand (faster than lookbehind). */
const DIGITS = /[+(]?\d[\d ().-]{6,}\d/g;

/** Domains reserved for examples (RFC 2606): never a real person. */
const EXAMPLE_DOMAIN = /(?:^|\.)(?:example\.(?:com|net|org)|example|test|invalid|localhost)$/i;

type Kind = 'email' | 'phone' | 'card' | 'iban' | 'secret';

const HINT: Record<Kind, string> = {
  email: 'an e-mail address: remove it, or add it to "allow" of personal-data in the config if it is the company\'s public address',
  phone: 'a phone number: remove it, or add it to "allow" of personal-data in the config if it is the company\'s public number',
  card: 'a payment card number (passes the Luhn check): remove it; card numbers must never be in a training',
  iban: 'an IBAN (passes the mod-97 check): remove it, or add it to "allow" of personal-data in the config if it is the company\'s account',
  secret: 'what looks like a secret (API key, token or password): remove it and rotate the secret, since it has been committed',
};

export const personalData: Rule<z.infer<typeof options>> = {
  id: 'personal-data',
  summary: 'e-mail addresses, phone numbers, card numbers, IBANs and secret-looking tokens in a training',
  options,
  check(files, opts) {
    const allow = opts.allow.map(allowMatcher);
    const findings: Finding[] = [];
    const report = (file: RuleFile, m: { kind: Kind; text: string }, at: { line: number; col: number }) => {
      // Cards and secrets are never allowed. The match itself never lands in a message: it is the leak.
      if (m.kind !== 'card' && m.kind !== 'secret' && allow.some((a) => a(m.text))) return;
      findings.push({ file: file.displayPath, ...at, message: `contains ${HINT[m.kind]}` });
    };
    for (const file of files) {
      const { title, content } = file.training.fields;
      // Most texts have nothing: scan gives them one shared empty list, not looped over.
      const inTitle = scan(title);
      if (inTitle.length) for (const m of inTitle) report(file, m, titlePosition(file, m.index));
      const inContent = scan(content);
      if (inContent.length) for (const m of inContent) report(file, m, contentPosition(file, m.index));
    }
    return findings;
  },
};

interface Match {
  kind: Kind;
  text: string;
  index: number;
}

const NO_MATCHES: readonly Match[] = [];

/** Every match of something personal or secret in a text, with its kind. */
export function scan(text: string): readonly Match[] {
  // The cheap first looks find nothing in most texts: those get one shared empty list.
  let out: Match[] | undefined;
  if (SECRET_HINT.test(text) || ((text.includes(':') || text.includes('=')) && ASSIGNED_HINT.test(text))) for (const m of text.matchAll(SECRET)) (out ??= []).push({ kind: 'secret', text: m[0], index: m.index });
  if (text.includes('@')) {
    for (const m of text.matchAll(EMAIL)) {
      const domain = m[0].slice(m[0].lastIndexOf('@') + 1);
      if (!EXAMPLE_DOMAIN.test(domain) && !inside(out, m.index)) (out ??= []).push({ kind: 'email', text: m[0], index: m.index });
    }
  }
  if (IBAN_HINT.test(text)) for (const m of text.matchAll(IBAN)) if (validIban(m[0]) && !inside(out, m.index)) (out ??= []).push({ kind: 'iban', text: m[0], index: m.index });
  if (DIGITS_HINT.test(text)) for (const m of text.matchAll(DIGITS)) {
    const before = text[m.index - 1];
    const after = text[m.index + m[0].length];
    if ((before && /[\w+.-]/.test(before)) || (after && /\w/.test(after)) || inside(out, m.index)) continue;
    const kind = classifyDigits(m[0]);
    if (kind) (out ??= []).push({ kind, text: m[0], index: m.index });
  }
  return out ? out.sort((a, b) => a.index - b.index) : NO_MATCHES;
}

/** Inside a match already found (a token's digits are not also a phone number). */
function inside(found: readonly Match[] | undefined, index: number): boolean {
  return found !== undefined && found.some((f) => index >= f.index && index < f.index + f.text.length);
}

function classifyDigits(s: string): 'card' | 'phone' | undefined {
  const digits = s.replace(/\D/g, '');
  if (/^[\d -]+$/.test(s) && digits.length >= 13 && digits.length <= 19 && /^[2-6]/.test(digits) && luhn(digits)) return 'card';
  if (digits.length < 9 || digits.length > 15) return undefined;
  // Digit runs that are phone-shaped: international, with an area code in brackets, 555-123-4567, or a
  // national number with its leading 0. Order numbers and dates are not.
  if (s.startsWith('+') || /\(\d{1,4}\)/.test(s) || /^\d{3}[ .-]\d{3}[ .-]\d{4}$/.test(s) || (/^0\d/.test(s) && digits.length >= 10 && /[ .-]/.test(s))) return 'phone';
  return undefined;
}

export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** ISO 13616: move the first four characters to the end, letters to numbers, the remainder mod 97 is 1. */
export function validIban(s: string): boolean {
  // A trailing word may have been taken as a group: try the longest form that checks out.
  const parts = s.split(' ');
  for (let n = parts.length; n >= 1; n--) {
    const compact = parts.slice(0, n).join('');
    if (compact.length < 15 || compact.length > 34) continue;
    const moved = compact.slice(4) + compact.slice(0, 4);
    let rest = 0;
    for (const ch of moved) {
      const v = ch >= 'A' && ch <= 'Z' ? ch.charCodeAt(0) - 55 : Number(ch);
      rest = v >= 10 ? (rest * 100 + v) % 97 : (rest * 10 + v) % 97;
    }
    if (rest === 1) return true;
  }
  return false;
}

function allowMatcher(entry: string): (s: string) => boolean {
  if (entry.includes('*')) {
    const re = new RegExp(`^${entry.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
    return (s) => re.test(s);
  }
  const lower = entry.toLowerCase();
  const digits = entry.replace(/\D/g, '');
  return (s) => s.toLowerCase() === lower || (digits.length >= 6 && /^[\d\s()+.-]+$/.test(entry) && s.replace(/\D/g, '') === digits);
}
