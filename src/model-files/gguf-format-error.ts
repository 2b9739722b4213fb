/** A file that is not a GGUF model this code can read; the message says what is wrong with it. */
export class GgufFormatError extends Error {
  override readonly name = 'GgufFormatError';
}
