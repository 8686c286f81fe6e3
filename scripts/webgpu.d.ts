/** The parts of the optional package `webgpu` (Dawn's Node bindings) that the Node benchmark uses. */
declare module 'webgpu' {
  export function create(options: string[]): unknown;
  export const globals: Record<string, unknown>;
}
