/**
 * A random RFC 4122 version-4 UUID: `crypto.randomUUID` (the faster) where there is one; it needs
 * a secure context (https://w3c.github.io/webcrypto/#Crypto-method-randomUUID), so on plain http
 * pages we build it ourselves.
 */
export function uuid(): string {
  if (crypto.randomUUID) return crypto.randomUUID();
  const random = crypto.getRandomValues(new Uint8Array(16));
  // Version 4 in the high nibble of byte 6, variant 10 in the top bits of byte 8.
  random[6] = (random[6] & 15) | 64;
  random[8] = (random[8] & 63) | 128;
  let id = '';
  for (let i = 0; i < 16; i++)
    id += (i == 4 || i == 6 || i == 8 || i == 10 ? '-' : '') + (random[i] + 256).toString(16).slice(1);
  return id;
}
