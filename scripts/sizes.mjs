// Prints raw, gzip and brotli sizes of built files: `node scripts/sizes.mjs dist/engagekit.min.js`.
import { readFileSync } from 'node:fs';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
for (const f of process.argv.slice(2)) {
  const b = readFileSync(f);
  const br = brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  console.log(`${f}: ${b.length} B raw, ${gzipSync(b, { level: 9 }).length} B gzip, ${br} B brotli`);
}
