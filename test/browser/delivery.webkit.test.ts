/**
 * The shared delivery scenarios (test/browser/support/scenarios.ts) in WebKit, Safari's engine:
 * Debian's WebKitGTK MiniBrowser over classic WebDriver (WebKitWebDriver), under Xvfb.
 */
import { deliveryScenarios } from './support/scenarios';
import { webkitEngine } from './support/engines';

deliveryScenarios(webkitEngine());
