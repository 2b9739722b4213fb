/** A download that did not complete; the message says why and what to do, for a person at a terminal. */
export class DownloadError extends Error {
  override readonly name = 'DownloadError';
}
