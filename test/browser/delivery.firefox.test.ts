/**
 * The shared delivery scenarios (test/browser/support/scenarios.ts) in Firefox ESR, Debian's
 * `firefox-esr` over WebDriver BiDi (puppeteer-core).
 */
import { deliveryScenarios } from './support/scenarios';
import { firefoxEngine } from './support/engines';

deliveryScenarios(firefoxEngine());
