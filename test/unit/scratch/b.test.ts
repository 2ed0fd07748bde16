import { expect, it, vi } from 'vitest';
it('currentScript', () => {
  const s = document.createElement('script');
  s.dataset.batchSize = '3';
  try { Object.defineProperty(document, 'currentScript', { value: s, configurable: true }); } catch (e) { console.log('err', e); }
  console.log('cs', (document.currentScript as any)?.dataset?.batchSize, typeof navigator.locks, typeof BroadcastChannel, typeof CompressionStream, navigator.language, typeof navigator.sendBeacon);
});
