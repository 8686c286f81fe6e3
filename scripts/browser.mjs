// Chromium launch options shared by Playwright tests, `npm run eval` and `npm run bench`.
import { existsSync } from 'node:fs';

/**
 * Debian's Chromium where it is installed (no browser download is possible here);
 * HEADSTART_CHROMIUM=/path picks another binary, HEADSTART_CHROMIUM=bundled uses Playwright's own.
 */
export function chromiumExecutable() {
  const chosen = process.env.HEADSTART_CHROMIUM ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : 'bundled');
  return chosen === 'bundled' ? undefined : chosen;
}

/** Keeps a headless run quiet: no background requests to Google services. */
export const QUIET_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** WebGPU on SwiftShader (a CPU Vulkan) when the machine has no GPU; a real adapter wins where there is one. */
export const WEBGPU_ARGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--disable-vulkan-fallback-to-gl-for-testing',
];

/** A fake camera (a moving test pattern) that needs no permission prompt, for webcam tests. */
export const FAKE_CAMERA_ARGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

export function launchOptions({ webgpu = false, fakeCamera = false } = {}) {
  return { executablePath: chromiumExecutable(), args: [...QUIET_ARGS, ...(webgpu ? WEBGPU_ARGS : []), ...(fakeCamera ? FAKE_CAMERA_ARGS : [])] };
}
