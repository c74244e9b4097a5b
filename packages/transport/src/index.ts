export { attachWebSockets, type TransportLogger, type WebSocketOptions, type WebSockets } from './websocket-server';
export { SocketWriter, type FrameSink } from './socket-writer';
export { chorusTransformer } from './transformer';
export { parseSharedEvent, sendOnce, shareEvent, isSharedEvent, type SharedEvent } from './shared-event';
export { DirectFrames, directFramesFor } from './direct-frames';
export { coalesceCommandWrites } from './write-coalescing';
export { serialize, stringify } from './superjson-fast';
export type { CloseReason, ConnectionObserver } from './close-reasons';
export { SESSION_ENDED_CLOSE_CODE } from './session-end';
