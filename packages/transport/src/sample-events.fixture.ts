/** Events of every shape superjson annotates, for the shared-frame tests. */
export const sampleEvents: Record<string, () => object> = {
  'plain JSON': () => ({ type: 'room.playback', roomId: 7, seq: 12, playback: { paused: false, positionSec: 1.5, mediaUrl: 'https://example.com/a.mp4' } }),
  'dates, nested and in arrays': () => ({ type: 'chat.message', at: new Date(5), message: { createdAt: new Date(6), reactions: [{ at: new Date(7) }] } }),
  'maps, sets, bigint, undefined': () => ({ m: new Map([[1, new Date(0)]]), s: new Set([new Date(1)]), big: 10n, gone: undefined }),
  'keys with dots': () => ({ 'a.b': new Date(0), nested: { 'c.d': { e: new Date(1) } } }),
  'one object in two places': () => {
    const now = new Date(9);
    const member = { userId: 3 };
    return { type: 'room.playback', createdAt: now, playback: { updatedAt: now }, by: member, members: [member] };
  },
};
