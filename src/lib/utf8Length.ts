/**
 * Bytes of a string once encoded as UTF-8: the unit of every body limit (the keepalive quota
 * counts bytes, not characters). Counted, not encoded: TextEncoder made a copy of every event.
 * A lone surrogate counts as TextEncoder writes it: U+FFFD, 3 bytes.
 */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // 2 bytes up to U+07FF, 3 above; a surrogate pair is 4 for its two units (the low one skipped).
    if (c > 127) ((n += c < 2048 ? 1 : 2), c >> 10 == 54 && s.charCodeAt(i + 1) >> 10 == 55 && i++);
  }
  return n;
}
