import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { defineConfig } from 'vitest/config';

/** Cross-origin isolation lets TF.js WASM use threads (SharedArrayBuffer). */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The Content Security Policy of the production build. Everything comes from the app's own origin;
 * no inline script and no eval. 'wasm-unsafe-eval' lets TF.js compile its WASM backend
 * (WebAssembly.instantiate is blocked by a script-src without it); nothing else is relaxed.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  // blob: for TF.js wasm's pthread workers, which its threaded build starts from a Blob of their
  // script (docs/offline-privacy.md); they then load only 'self' scripts.
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "img-src 'self' blob: data:",
  "style-src 'self'",
  "font-src 'self'",
  // No manifest-src: default-src 'self' covers the web app manifest (CSP3), and WebKit reports manifest-src as unrecognised.
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

/**
 * Puts the CSP into index.html as a <meta> for the production build only: the dev server's React
 * Refresh preamble is an inline script, which this policy (rightly) blocks.
 */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'headstart-csp',
    apply: 'build',
    transformIndexHtml: {
      order: 'pre',
      handler: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP }, injectTo: 'head-prepend' }],
    },
  };
}

/** The Emscripten script of TF.js's threaded wasm build, as published (never bundled or minified). */
const THREADED_WASM_JS = 'tfjs-backend-wasm-threaded-simd.js';
const threadedWasmPath = createRequire(import.meta.url).resolve(`@tensorflow/tfjs-backend-wasm/wasm-out/${THREADED_WASM_JS}`);

/**
 * TF.js's threaded wasm build hands its pthread workers the factory's own source
 * (`factory.toString()` in a Blob), which cannot run once bundled: it refers to `_scriptDir` and
 * other names outside the function, renamed or gone after minification (tensorflow/tfjs #4539,
 * the tfjs-backend-wasm README's "JS Minification"). So the worker bundle's copy of the factory
 * is wrapped to give Emscripten the published script's URL instead (`mainScriptUrlOrBlob`, next
 * to the .wasm binaries: wasm/), and the main build ships that script untouched. The pthread
 * workers importScripts it from 'self'; only their own start needs worker-src blob:.
 */
function wasmThreadsLoader(): Plugin {
  return {
    name: 'headstart-wasm-threads',
    apply: 'build',
    transform(code, id) {
      if (id.split('?')[0] !== threadedWasmPath) return null;
      const wrapper = `module.exports = ((factory) => function headstartThreadedWasm(config) {
  config.mainScriptUrlOrBlob = config.locateFile('tfjs-backend-wasm-threaded-simd.wasm', '').replace(/\\.wasm$/, '.js');
  return factory(config);
})(WasmBackendModuleThreadedSimd);`;
      return { code: `${code}\n${wrapper}\n`, map: null };
    },
  };
}

/** Puts the published threaded wasm script beside the .wasm binaries (wasm/), for wasmThreadsLoader. */
function wasmThreadsScript(): Plugin {
  return {
    name: 'headstart-wasm-threads-script',
    apply: 'build',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: `wasm/${THREADED_WASM_JS}`, source: readFileSync(threadedWasmPath) });
    },
  };
}

export default defineConfig({
  plugins: [
    react(),
    contentSecurityPolicy(),
    wasmThreadsScript(),
    VitePWA({
      // app/platform/pwa.ts registers the service worker and asks before activating an update.
      registerType: 'prompt',
      injectRegister: false,
      // The glob below already precaches the icons and favicon.
      includeManifestIcons: false,
      manifest: {
        name: 'Headstart',
        short_name: 'Headstart',
        description: 'Train an image classifier in your browser. Your images never leave your device.',
        theme_color: '#2f6fed',
        background_color: '#f4f6fa',
        display: 'standalone',
        start_url: '.',
        scope: '.',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: 'icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // App shell, icons, the worker chunk (~2.5 MB), the WASM binaries and both bundled backbones
        // (~6.8 MB; the plugin adds manifest.webmanifest itself), and the sample dataset's photos and
        // credits (~0.25 MB): after the first visit the app, model and sample included, works with no
        // network at all.
        globPatterns: ['**/*.{html,js,css,svg,png,wasm,json,bin}', 'samples/**/*.{jpg,txt}'],
        maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
        navigateFallback: 'index.html',
        cleanupOutdatedCaches: true,
      },
    }),
  ],
  worker: { format: 'es', plugins: () => [wasmThreadsLoader()] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  server: { headers: isolation },
  // The preview server also sends the CSP as a header, so it covers the worker scripts (a <meta>
  // policy applies to the document only); the service worker's cache keeps these headers.
  preview: { headers: { ...isolation, 'Content-Security-Policy': `${CSP}; frame-ancestors 'none'` } },
  test: {
    include: ['app/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
