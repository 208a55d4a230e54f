// An API URL carrying a user name or password is refused, and the error never repeats them.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';

function urlError(apiUrl: string): string {
  try {
    resolveConfig({ cwd: '/r', env: {}, flags: { apiUrl } });
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

describe('API URL credentials', () => {
  it.each([
    ['user and password', 'https://alice:s3cretPass@api.open.cx'],
    ['a password only', 'https://:s3cretPass@api.open.cx'],
    ['a user only', 'https://s3cretPass@api.open.cx'],
    ['on loopback', 'http://alice:s3cretPass@127.0.0.1:3000'],
  ])('refuses %s without echoing them', (_, url) => {
    const message = urlError(url);
    expect(message).toMatch(/must not contain a user name or password/);
    expect(message).not.toContain('s3cretPass');
    expect(message).not.toContain('alice');
  });

  it('does not echo credentials from a URL that does not parse either', () => {
    const message = urlError('https://alice:s3cretPass@exa mple.com');
    expect(message).toMatch(/is not a URL/);
    expect(message).not.toContain('s3cretPass');
  });

  it('still accepts a plain URL', () => {
    expect(urlError('https://api.open.cx/v1')).toBe('');
  });
});
