/**
 * Load a classic script (not a module: a CDN without CORS headers serves it too) and resolve when
 * it has run; reject when it fails to load. `nonce` lets it through a nonce-based CSP.
 */
export function loadScript(src: string, nonce = ''): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.async = true;
    s.src = src;
    s.nonce = nonce;
    s.onload = () => resolve();
    s.onerror = reject;
    document.head.appendChild(s);
  });
}
