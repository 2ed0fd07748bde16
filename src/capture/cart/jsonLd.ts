// JSON-LD as the page wrote it: any shape, every field read with `?.` and `??` as possibly missing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a precise type would need a cast at each read
export type Json = Record<string, any>;

/** A number from a JSON-LD value (`42`, `"42.00"`), undefined when it is none. */
export const toNumber = (value: unknown) => (value == null || value === '' || isNaN(+value!) ? undefined : +value!);

/**
 * The page's first schema.org node of one of `types` in its JSON-LD blocks: in a block, a list of
 * them, or a `@graph`. A broken block is skipped (the page's, not ours to report).
 */
export function jsonLdNode(types: string[]): Json | undefined {
  let found: Json | undefined;
  const visit = (node: Json): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node == 'object') {
      if (types.includes(node['@type'])) found ||= node;
      else visit(node['@graph']);
    }
  };
  document.querySelectorAll('script[type="application/ld+json"]').forEach((script) => {
    try {
      visit(JSON.parse(script.textContent!));
    } catch {
      // a broken block of the page's is not ours to report
    }
  });
  return found;
}

/** Properties without the fields the page did not give (not sent as null, and not hiding a value found elsewhere). */
export const known = (properties: Json): Json => {
  for (const key in properties) if (properties[key] == null || properties[key] === '') delete properties[key];
  return properties;
};
