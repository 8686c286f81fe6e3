import { describe, expect, it } from 'vitest';
import { describeAdapter, engineOf, fastest, measuredReason, planAuto, reusable, WEBGL_WEBKIT_NOTE } from './backendPlan';

/** User agents as these browsers send them (from workers too: WorkerNavigator has the same string). */
const UA = {
  safariMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Safari/605.1.15',
  safariIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1',
  // iPadOS asks for desktop sites by default: it says Macintosh.
  safariIpadDesktop: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Safari/605.1.15',
  chromeIos: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/139.0.7258.76 Mobile/15E148 Safari/604.1',
  firefoxIos: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/142.0 Mobile/15E148 Safari/605.1.15',
  edgeIos: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 EdgiOS/139.3405.86 Mobile/15E148 Safari/605.1.15',
  webkitGtk: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15',
  chromeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36',
  chromeHeadless: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/140.0.0.0 Safari/537.36',
  chromeAndroid: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36',
  edgeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0',
  samsung: 'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/28.0 Chrome/130.0.0.0 Mobile Safari/537.36',
  chromium: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chromium/140.0.0.0 Safari/537.36',
  firefoxWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:143.0) Gecko/20100101 Firefox/143.0',
  firefoxEsrLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0',
  firefoxAndroid: 'Mozilla/5.0 (Android 14; Mobile; rv:143.0) Gecko/143.0 Firefox/143.0',
};

const apple = describeAdapter({ vendor: 'apple', architecture: 'metal-3' });
const nvidia = describeAdapter({ vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA GeForce RTX 3060' });
const swiftshader = describeAdapter({ vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader Device (Subzero)' });

describe('engineOf', () => {
  it('tells WebKit (Safari, and every browser on iOS/iPadOS) from Chromium and Firefox', () => {
    const engines = Object.fromEntries(Object.entries(UA).map(([name, ua]) => [name, engineOf(ua)]));
    expect(engines).toEqual({
      safariMac: 'webkit',
      safariIphone: 'webkit',
      safariIpadDesktop: 'webkit',
      chromeIos: 'webkit',
      firefoxIos: 'webkit',
      edgeIos: 'webkit',
      webkitGtk: 'webkit',
      chromeWindows: 'blink',
      chromeHeadless: 'blink',
      chromeAndroid: 'blink',
      edgeWindows: 'blink',
      samsung: 'blink',
      chromium: 'blink',
      firefoxWindows: 'gecko',
      firefoxEsrLinux: 'gecko',
      firefoxAndroid: 'gecko',
    });
    expect(engineOf('')).toBe('unknown');
  });

  it('takes navigator.userAgentData (Chromium only) as Chromium whatever the string says', () => {
    expect(engineOf(UA.safariMac, true)).toBe('blink');
  });
});

describe('describeAdapter', () => {
  it('calls an adapter software when it says it is a fallback or names a CPU rasteriser', () => {
    expect(apple).toEqual({ description: 'apple metal-3', software: false });
    expect(nvidia.software).toBe(false);
    expect(swiftshader.software).toBe(true);
    expect(describeAdapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }).software).toBe(true);
    expect(describeAdapter({ vendor: 'microsoft', description: 'Microsoft Basic Render Driver' }).software).toBe(true);
    expect(describeAdapter({ vendor: 'intel', isFallbackAdapter: true }).software).toBe(true);
    expect(describeAdapter({ vendor: 'intel' }, true).software).toBe(true);
    expect(describeAdapter({})).toEqual({ description: 'unknown adapter', software: false });
  });
});

describe('planAuto', () => {
  it('Safari without WebGPU: wasm only, and says webgl was skipped because it hangs in a worker there', () => {
    for (const ua of [UA.safariIphone, UA.safariIpadDesktop, UA.chromeIos, UA.webkitGtk]) {
      const plan = planAuto({ engine: engineOf(ua), adapter: null, avoid: [] });
      expect(plan).toEqual({ webgpuFirst: false, measure: ['wasm'], webgpuLast: false, notes: ['no WebGPU adapter', WEBGL_WEBKIT_NOTE] });
    }
    expect(WEBGL_WEBKIT_NOTE).toMatch(/^webgl skipped: known to hang in a worker on Safari/);
  });

  it('Safari 26 and Firefox on Windows with a real GPU adapter: WebGPU first', () => {
    expect(planAuto({ engine: engineOf(UA.safariMac), adapter: apple, avoid: [] })).toMatchObject({ webgpuFirst: true, measure: ['wasm'] });
    expect(planAuto({ engine: engineOf(UA.firefoxWindows), adapter: nvidia, avoid: [] })).toMatchObject({ webgpuFirst: true, measure: ['wasm', 'webgl'] });
    expect(planAuto({ engine: engineOf(UA.chromeWindows), adapter: nvidia, avoid: [] })).toMatchObject({ webgpuFirst: true, webgpuLast: false });
  });

  it('Chromium and Firefox without a GPU: wasm and webgl measured; a software adapter only as the last resort', () => {
    expect(planAuto({ engine: engineOf(UA.chromeHeadless), adapter: swiftshader, avoid: [] })).toEqual({
      webgpuFirst: false,
      measure: ['wasm', 'webgl'],
      webgpuLast: true,
      notes: ['WebGPU adapter is software (google swiftshader SwiftShader Device (Subzero))'],
    });
    expect(planAuto({ engine: engineOf(UA.firefoxEsrLinux), adapter: null, avoid: [] })).toEqual({ webgpuFirst: false, measure: ['wasm', 'webgl'], webgpuLast: false, notes: ['no WebGPU adapter'] });
  });

  it('after a failure (a lost GPU device), the failed backend is left out and that is said', () => {
    expect(planAuto({ engine: 'blink', adapter: nvidia, avoid: ['webgpu'] })).toEqual({ webgpuFirst: false, measure: ['wasm', 'webgl'], webgpuLast: false, notes: ['avoiding webgpu after a failure'] });
    expect(planAuto({ engine: 'blink', adapter: swiftshader, avoid: ['webgpu'] }).webgpuLast).toBe(false);
    expect(planAuto({ engine: 'webkit', adapter: null, avoid: ['webgl'] }).measure).toEqual(['wasm']);
  });
});

describe('reusable', () => {
  const key = 'some device';
  it('reuses a measurement made on this device for a backend the plan allows, never webgl in a WebKit worker', () => {
    const chrome = planAuto({ engine: 'blink', adapter: null, avoid: [] });
    const safari = planAuto({ engine: 'webkit', adapter: null, avoid: [] });
    expect(reusable({ key, backend: 'webgl', reason: 'r' }, key, chrome)).toBe(true);
    expect(reusable({ key, backend: 'webgl', reason: 'r' }, key, safari)).toBe(false);
    expect(reusable({ key, backend: 'wasm', reason: 'r' }, key, safari)).toBe(true);
    expect(reusable({ key, backend: 'wasm', reason: 'r' }, 'another device', safari)).toBe(false);
    expect(reusable({ key, backend: 'webgpu', reason: 'r' }, key, chrome)).toBe(false);
    expect(reusable({ key, backend: 'webgpu', reason: 'r' }, key, planAuto({ engine: 'blink', adapter: swiftshader, avoid: [] }))).toBe(true);
    expect(reusable(null, key, chrome)).toBe(false);
  });
});

describe('the measured choice', () => {
  it('keeps the fastest and says what was left out and what was measured', () => {
    expect(fastest({ wasm: 61, webgl: 40 })).toBe('webgl');
    expect(fastest({})).toBeNull();
    expect(measuredReason(['no WebGPU adapter', WEBGL_WEBKIT_NOTE], { wasm: 61.2 })).toBe(`auto: no WebGPU adapter; ${WEBGL_WEBKIT_NOTE}; measured wasm 61 ms/img`);
    expect(measuredReason(['no WebGPU adapter'], { webgl: 80, wasm: 50 })).toBe('auto: no WebGPU adapter; measured wasm 50 ms/img, webgl 80 ms/img');
    expect(measuredReason(['no WebGPU adapter'], {})).toBe('auto: no WebGPU adapter; nothing else started');
  });
});
