/**
 * The script-tag build's Web Vitals, `dist/engagekit-vitals.min.js`: the web-vitals package,
 * handed to engagekit.min.js through `window.engagekitWebVitals`. That script loads this file
 * from next to itself only when Web Vitals are on, so pages with `data-web-vitals="false"` never
 * fetch it.
 */
import { onCLS, onFCP, onINP, onLCP, onTTFB } from 'web-vitals';

(window as unknown as { engagekitWebVitals: unknown }).engagekitWebVitals = { onCLS, onFCP, onINP, onLCP, onTTFB };
