export { attachWebSockets, type WebSocketOptions, type WebSockets } from './websocket-server';
export { coalesceCommandWrites } from './write-coalescing';
export { sharedTransformer, parseSharedEvent, shareCopy, shareEvent, dropOnSend } from './shared-frames';
export { DirectFrames, directFramesFor, type DirectSocket } from './direct-frames';
export { frameEncoder, acceptUncompressedFrames, UncompressedFrame } from './frame-encoder';
export { serialize, stringify } from './superjson-fast';
