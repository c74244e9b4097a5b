/** Incoming and active calls, shown above every screen (WebRTC over `calls.*` signaling). */
export function CallLayer() {
  return null;
}
