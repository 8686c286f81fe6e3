import { describe } from 'vitest';
import { firefox } from './engine';
import { classFlow } from './flow';

describe('Firefox ESR (puppeteer-core, WebDriver BiDi, headless)', () => classFlow(firefox));
