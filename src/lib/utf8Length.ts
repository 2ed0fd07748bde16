/** Bytes of a string once encoded as UTF-8: the unit of every body limit (the keepalive quota counts bytes, not characters). */
export function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}
