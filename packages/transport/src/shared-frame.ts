/**
 * The frame of a shared event: its UTF-8 text, to send as a text frame without per-message
 * compression (frame-encoder.ts). It is a `Uint8Array` of the payload, as tRPC's `Encoder` may
 * return, viewing a buffer that also holds the frame's header: the whole frame a server sends
 * (final, text, unmasked) is made once however many sockets it goes to, and SocketWriter
 * writes it to the TCP socket as one buffer when nothing can be ahead of it in `ws`.
 *
 * Only a SocketWriter knows to send it as text: given to a bare `ws` socket it would go out as
 * a binary frame. The WebSocket server installs one on every socket before tRPC sees it.
 */
export class SharedFrame extends Uint8Array<ArrayBuffer> {
  /** Slices and maps of it are plain arrays, not frames. */
  static get [Symbol.species](): Uint8ArrayConstructor {
    return Uint8Array;
  }

  private wireView: Buffer | undefined;
  private payloadView: Buffer | undefined;

  /** The frame's text (tests and logs). */
  readonly text: string;

  constructor(text: string) {
    const length = Buffer.byteLength(text);
    const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
    const frame = Buffer.from(new ArrayBuffer(headerLength + length));
    frame[0] = 0x81;
    if (length < 126) {
      frame[1] = length;
    } else if (length < 65_536) {
      frame[1] = 126;
      frame.writeUInt16BE(length, 2);
    } else {
      frame[1] = 127;
      frame.writeBigUInt64BE(BigInt(length), 2);
    }
    frame.write(text, headerLength, 'utf8');
    super(frame.buffer, headerLength, length);
    this.text = text;
  }

  /** The whole WebSocket frame, header and payload. */
  get wire(): Buffer {
    return (this.wireView ??= Buffer.from(this.buffer, 0, this.byteOffset + this.byteLength));
  }

  /** The payload as a Buffer, for sockets that frame it themselves. */
  get payload(): Buffer {
    return (this.payloadView ??= Buffer.from(this.buffer, this.byteOffset, this.byteLength));
  }
}
