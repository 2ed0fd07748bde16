/**
 * The delivery scenarios and core capture checks in real Chromium (Debian's, through
 * playwright-core). The scenarios themselves are shared with Firefox and WebKit:
 * test/browser/support/scenarios.ts.
 */
import { deliveryScenarios } from './support/scenarios';
import { chromiumEngine } from './support/engines';

deliveryScenarios(chromiumEngine);
