/**
 * Load a classic script (not a module: a CDN without CORS headers serves it too) and resolve when
 * it has run; reject when it fails to load. `nonce` lets it through a nonce-based CSP.
 */
export function loadScript(src: string, nonce = ''): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.async = true;
    script.src = src;
    script.nonce = nonce;
    script.onload = () => resolve();
    script.onerror = reject;
    document.head.appendChild(script);
  });
}
