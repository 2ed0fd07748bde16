// Prints the one closing line CI reads, `tests: N passed, N failed`, from vitest's JSON report,
// and exits non-zero when anything failed. A run that died before vitest (build, types, size
// budget) has no report: it counts as one failure.
import { existsSync, readFileSync } from 'node:fs';

const [file, status] = process.argv.slice(2);
let passed = 0;
let failed = 0;
if (existsSync(file)) {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests + (r.numTotalTestSuites && !r.success && !r.numFailedTests ? 1 : 0);
}
if (Number(status) !== 0 && failed === 0) failed = 1;
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
