/**
 * Gives Node a `navigator.gpu` from Dawn's Node bindings (the optional npm package `webgpu`), before
 * TF.js's WebGPU backend is imported: that backend registers itself only where `navigator.gpu` exists.
 * Imported first by bench-node-webgpu.ts.
 */
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);
const gpu = create((process.env.DAWN_OPTIONS ?? '').split(' ').filter(Boolean));
Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: 'node' }, configurable: true });
