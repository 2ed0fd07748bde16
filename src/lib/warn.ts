const said = new Set<string>();

/**
 * One console warning per distinct problem, prefixed `engagekit:`. The SDK reports bad input
 * here instead of throwing into the host page.
 */
export function warn(problem: string): void {
  if (said.has(problem)) return;
  said.add(problem);
  try {
    console.warn('engagekit: ' + problem);
  } catch {
    // A page that replaced console must not break us.
  }
}
