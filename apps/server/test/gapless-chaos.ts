import type { TcpProxy } from '@chorus/testing';
import { pick, random, sleep } from './gapless-receiver';

/** Cuts receivers' WebSockets (at once, mid-frame, or leaving the server unaware) and senders' HTTP connections. */
export function startChaos(wsProxy: TcpProxy, httpProxy: TcpProxy): { stop(): Promise<void> } {
  let running = true;
  wsProxy.onConnection = (connection) => {
    // Some connections die while the resumed subscription is still replaying: between two
    // of its first messages, or anywhere in its first few kilobytes.
    const roll = Math.random();
    if (roll < 0.45) wsProxy.cutAfterFrames(connection, random(1, 6));
    else if (roll < 0.6) wsProxy.cutAfterBytes(connection, random(100, 6000));
  };
  const wsLoop = (async () => {
    while (running) {
      await sleep(random(60, 260));
      const open = wsProxy.open();
      if (open.length === 0) continue;
      const victim = pick(open);
      const roll = Math.random();
      if (roll < 0.15) wsProxy.cut(victim, 'blackhole');
      else if (roll < 0.3) wsProxy.cutAfterBytes(victim, random(1, 3000));
      else if (roll < 0.45) wsProxy.cutAfterFrames(victim, random(1, 4));
      else wsProxy.cut(victim, 'reset');
    }
  })();
  const httpLoop = (async () => {
    while (running) {
      await sleep(random(150, 500));
      const open = httpProxy.open();
      if (open.length > 0) httpProxy.cut(pick(open));
    }
  })();
  return {
    async stop() {
      running = false;
      wsProxy.onConnection = () => {};
      await Promise.all([wsLoop, httpLoop]);
      wsProxy.cancelPendingCuts();
    },
  };
}
