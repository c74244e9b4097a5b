/** An abort listener given as an object, as EventTarget takes it (`handleEvent`). */
export interface EndListener {
  handleEvent(): void;
}

/**
 * What the transport needs of a signal that ends a connection or a subscription. An AbortSignal
 * has this shape; so does the lighter signal a connection watches its session with
 * (SessionEndSignal in the API): an AbortSignal with its EventTarget costs about 700 bytes,
 * held by every idle connection.
 */
export interface EndSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: EndListener, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: EndListener): void;
}
