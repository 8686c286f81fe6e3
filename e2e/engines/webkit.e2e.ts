import { describe } from 'vitest';
import { webkit } from './engine';
import { classFlow } from './flow';

// WebDriver's session is ephemeral, as Safari's private browsing is: the flow runs in that mode.
describe('WebKitGTK (WebKitWebDriver + MiniBrowser, private session, under xvfb-run)', () => classFlow(webkit));
