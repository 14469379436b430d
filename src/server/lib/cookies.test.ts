import { describe, expect, it } from 'vitest';
import { readCookie, serializeSetCookie } from './cookies.ts';

describe('readCookie', () => {
  it('finds the named cookie among others, trimmed, the first of a repeated name winning', () => {
    expect(readCookie('a=1; outfield_session=tok; b=2', 'outfield_session')).toBe('tok');
    expect(readCookie('outfield_session=tok', 'outfield_session')).toBe('tok');
    expect(readCookie('  outfield_session =  tok  ;x=y', 'outfield_session')).toBe('tok');
    expect(readCookie('outfield_session=first; outfield_session=second', 'outfield_session')).toBe('first');
    expect(readCookie('outfield_session=a=b', 'outfield_session')).toBe('a=b');
    expect(readCookie('outfield_session=', 'outfield_session')).toBe('');
  });

  it('does not confuse names that contain or extend the wanted one', () => {
    expect(readCookie('xoutfield_session=evil; outfield_sessionx=evil', 'outfield_session')).toBeUndefined();
    expect(readCookie('x_outfield_session=evil; outfield_session=tok', 'outfield_session')).toBe('tok');
    expect(readCookie('junk; outfield_session=tok', 'outfield_session')).toBe('tok');
    expect(readCookie(undefined, 'outfield_session')).toBeUndefined();
    expect(readCookie('', 'outfield_session')).toBeUndefined();
  });

  it('decodes percent-escapes as the cookie package does, keeping malformed ones as sent', () => {
    expect(readCookie('s=a%20b', 's')).toBe('a b');
    expect(readCookie('s=%E0%A4%A', 's')).toBe('%E0%A4%A');
    expect(readCookie('s="quoted"', 's')).toBe('"quoted"');
  });
});

describe('serializeSetCookie', () => {
  const expires = new Date(Date.UTC(2026, 10, 27, 12, 0, 0));

  it('writes the flags the session cookie needs, readable back by readCookie', () => {
    const header = serializeSetCookie('outfield_session', 'abc_DEF-123', {
      path: '/',
      httpOnly: true,
      sameSite: 'Lax',
      secure: true,
      expires,
    });
    expect(header).toBe(
      'outfield_session=abc_DEF-123; Path=/; Expires=Fri, 27 Nov 2026 12:00:00 GMT; HttpOnly; Secure; SameSite=Lax',
    );
    expect(readCookie(header.split(';')[0], 'outfield_session')).toBe('abc_DEF-123');
  });

  it('encodes values that are not cookie-safe and clears with Max-Age=0', () => {
    const header = serializeSetCookie('s', 'a b;c', {
      path: '/',
      httpOnly: false,
      sameSite: 'Strict',
      secure: false,
    });
    expect(header).toBe('s=a%20b%3Bc; Path=/; SameSite=Strict');
    expect(readCookie(header.split('; ')[0], 's')).toBe('a b;c');
    expect(
      serializeSetCookie('s', '', {
        path: '/',
        httpOnly: true,
        sameSite: 'Lax',
        secure: false,
        expires: new Date(0),
        maxAge: 0,
      }),
    ).toBe('s=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax');
  });

  it('refuses names and paths that would inject attributes', () => {
    const base = { path: '/', httpOnly: true, sameSite: 'Lax', secure: false } as const;
    expect(() => serializeSetCookie('a;b', 'v', base)).toThrow(TypeError);
    expect(() => serializeSetCookie('a=b', 'v', base)).toThrow(TypeError);
    expect(() => serializeSetCookie('s', 'v', { ...base, path: '/; Domain=evil.example' })).toThrow(
      TypeError,
    );
    expect(() => serializeSetCookie('s', 'v', { ...base, expires: new Date(Number.NaN) })).toThrow(TypeError);
  });
});
