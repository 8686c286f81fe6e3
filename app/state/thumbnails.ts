/**
 * The images' thumbnails, kept beside the store (which holds no blobs). An object URL is made only
 * when a thumbnail is first shown: URL.createObjectURL is a synchronous call into the browser
 * process, and making sixteen per batch as a large drop arrived measured 4–71 ms per batch on the
 * page's thread; the virtualised grid shows a few dozen at a time.
 */
const blobs = new Map<string, Blob>();
const urls = new Map<string, string>();

export function keepThumbnails(samples: readonly { id: string; thumbnail: Blob }[]): void {
  for (const s of samples) blobs.set(s.id, s.thumbnail);
}

/** The thumbnail's object URL, made on first use. */
export function thumbnailUrl(id: string): string | undefined {
  let url = urls.get(id);
  if (url === undefined) {
    const blob = blobs.get(id);
    if (!blob) return undefined;
    url = URL.createObjectURL(blob);
    urls.set(id, url);
  }
  return url;
}

export function forgetThumbnails(ids: Iterable<string>): void {
  for (const id of ids) {
    const url = urls.get(id);
    if (url !== undefined) URL.revokeObjectURL(url);
    urls.delete(id);
    blobs.delete(id);
  }
}

export function forgetAllThumbnails(): void {
  forgetThumbnails([...blobs.keys()]);
}
