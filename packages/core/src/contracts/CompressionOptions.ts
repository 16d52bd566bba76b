/** Response compression settings; off unless set. `text/event-stream` is never compressed. */
export interface CompressionOptions {
  /** Smallest body worth compressing, in bytes. Default 1024. */
  threshold?: number;
  /** Encodings offered, in order of preference. Default `['br', 'gzip']`. */
  encodings?: ReadonlyArray<'br' | 'gzip'>;
}
