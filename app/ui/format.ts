/** Bytes as megabytes for display, e.g. "13.8 MB". */
export function megabytes(bytes: number, digits: number): string {
  return `${(bytes / 1024 / 1024).toFixed(digits)} MB`;
}
