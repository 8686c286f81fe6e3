export function chromiumExecutable(): string | undefined;
export const QUIET_ARGS: string[];
export const WEBGPU_ARGS: string[];
export const FAKE_CAMERA_ARGS: string[];
export function launchOptions(options?: { webgpu?: boolean; fakeCamera?: boolean }): { executablePath: string | undefined; args: string[] };
