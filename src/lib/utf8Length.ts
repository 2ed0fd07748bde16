/**
 * Bytes of a string once encoded as UTF-8: the unit of every body limit (the keepalive quota
 * counts bytes, not characters: https://fetch.spec.whatwg.org/#http-network-or-cache-fetch).
 * Counted, not encoded: TextEncoder made a copy of every event. A lone surrogate counts as
 * TextEncoder writes it: U+FFFD, 3 bytes (its input is a USVString: https://webidl.spec.whatwg.org/#es-USVString).
 */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // 2 bytes up to U+07FF, 3 above; a surrogate pair is 4 for its two units (the low one skipped).
    if (code > 127) {
      bytes += code < 2048 ? 1 : 2;
      // A high surrogate (0xD800-0xDBFF, 54 << 10) followed by a low one (0xDC00-0xDFFF, 55 << 10).
      if (code >> 10 == 54 && text.charCodeAt(i + 1) >> 10 == 55) i++;
    }
  }
  return bytes;
}
