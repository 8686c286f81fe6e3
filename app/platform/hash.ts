/** Hex SHA-256 of a file's bytes: an image's identity (duplicates, stored embeddings, the sample set's "already added"). */
export async function sha256(blob: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
