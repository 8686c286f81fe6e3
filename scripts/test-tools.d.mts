export function onPath(name: string): string | undefined;
export function firefoxExecutable(): string;
export function webkitDriverExecutable(): string | undefined;
export function miniBrowserExecutable(): string | undefined;
export function pythonExecutable(): string;
export const PYTHON_MODULES: Record<string, string>;
