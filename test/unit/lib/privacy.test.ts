import { describe, expect, it } from 'vitest';
import { cleanUrl, noEmails, scrub } from '../../../src/lib/privacy';

describe('privacy', () => {
  it('keeps only campaign parameters and the allow-list, drops the fragment and emails', () => {
    expect(cleanUrl('https://s.example/p?utm_source=n&q=shoes&token=abc&gclid=G&fbclid=F#access_token=x', [])).toBe(
      'https://s.example/p?utm_source=n&gclid=G&fbclid=F',
    );
    expect(cleanUrl('https://s.example/p?q=shoes&page=2&token=abc', ['q', 'page'])).toBe(
      'https://s.example/p?q=shoes&page=2',
    );
    expect(cleanUrl('https://s.example/u/ada@example.com/orders', [])).toBe('https://s.example/u//orders');
    expect(cleanUrl('https://s.example/?utm_content=ada%40example.com', [])).toBe('https://s.example/?utm_content=');
    expect(cleanUrl('', [])).toBe('');
  });

  it('removes email-shaped text from titles and automatically captured properties', () => {
    expect(noEmails('Welcome back, ada.lovelace+shop@mail.example.co.uk!')).toBe('Welcome back, !');
    expect(scrub({ form_id: 'signup ada@example.com', n: 3 })).toEqual({ form_id: 'signup ', n: 3 });
  });
});
