const said = new Set<string>();

/**
 * One console warning per distinct problem, prefixed `engagekit:`. The SDK reports bad input
 * here instead of throwing into the host page. A problem that quotes what it was given is cut at
 * 300 characters: `engagekit('x'.repeat(1e6))` is one short line.
 */
export function warn(problem: string): void {
  problem = problem.slice(0, 300);
  if (said.has(problem)) return;
  said.add(problem);
  try {
    console.warn('engagekit: ' + problem);
  } catch {
    // A page that replaced console must not break us.
  }
}
