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

describe('noEmails: what is removed and what is kept', () => {
  // [input, expected output]
  const removed: [string, string][] = [
    ['ada@example.com', ''],
    ['john%2Bnews%40example.com', ''],
    ['jürgen@example.de', ''],
    ['j%C3%BCrgen%40example.de', ''],
    ['john%2540example.com', ''],
    ['j%25C3%25BCrgen%2540ex%25C3%25A4mple.de', ''],
    ['李@例子.中国', ''],
    ['user@xn--bcher-kva.example', ''],
    ['/u/ada@example.com/orders', '/u//orders'],
    // The escape before the address stays whole: no broken `%` is left.
    ['next=%2Faccount%2Fjohn%40example.com%2Forders', 'next=%2Faccount%2F%2Forders'],
    ['next=%252Fu%252Fjohn%2540example.com', 'next=%252Fu%252F'],
    ['to: ada@example.com, bob@example.org.', 'to: , .'],
    ['Welcome back, ada.lovelace+shop@mail.example.co.uk!', 'Welcome back, !'],
    // Malformed percent-encoding is text like any other: no throw.
    ['50%john@example.com', '50%'],
    ['%E0%A4%A@example.com %zz', '%E0%A4% %zz'],
  ];
  const kept = [
    '/products/shoes?page=2',
    'Follow @engagekit for news',
    '@handle.bsky.social',
    'me@localhost',
    'https://cdn.jsdelivr.net/npm/vue@3.4.21/dist/vue.js',
    'lodash@4.x and pkg@1.2.3-beta.1',
    '100% sure',
    '%',
    '%E0%A4%A',
    '',
  ];

  it.each(removed)('%s → %s', (input, output) => expect(noEmails(input)).toBe(output));
  it.each(kept)('keeps %s', (input) => expect(noEmails(input)).toBe(input));

  it('cleans URLs with every form, keeping the rest of the URL as it was', () => {
    expect(cleanUrl('https://s.example/u/jürgen@example.de?utm_content=john%2Bnews%40example.com', [])).toBe(
      'https://s.example/u/?utm_content=',
    );
    expect(cleanUrl('https://s.example/?next=%2Fu%2Fj%C3%BCrgen%2540example.de&x=1', ['next'])).toBe(
      'https://s.example/?next=%2Fu%2F',
    );
  });

  it('scans a long run of letters once (no quadratic time)', () => {
    const started = performance.now();
    noEmails('a'.repeat(100_000) + ' ' + '%C3%BC'.repeat(20_000));
    expect(performance.now() - started).toBeLessThan(500);
  });
});
