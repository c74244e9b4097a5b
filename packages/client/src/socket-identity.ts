import { TRPCClientError, type TRPCLink, type TRPCWebSocketClient } from '@trpc/client';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import type { AppRouter } from './types';

type Token = string | null;

/**
 * A socket acts for the session whose token it opened with (`connectionParams` are read once,
 * at connect). After a sign-in, a sign-out or a switch of account, the open socket would still
 * act for the old session. This keeps the two in step.
 */
export class SocketIdentity {
  /** The token the current socket opened with; undefined while no socket is open. */
  private openedWith: Token | undefined;

  constructor(private readonly resolveToken: () => Promise<Token>) {}

  /** For `connectionParams`: the token to open with, remembered. */
  async tokenForConnect(): Promise<Token> {
    const token = await this.resolveToken();
    this.openedWith = token;
    return token;
  }

  /**
   * A link in front of `wsLink`: before each operation, when the token is no longer the one the
   * open socket used, the socket is closed and the operation opens a new one with the current
   * token. The old session's subscriptions end (complete): a subscription's last event id is a
   * position in that session's stream, which means nothing to another account, so the app
   * subscribes again. Calls in flight on the old socket are answered before it closes.
   */
  link(wsClient: TRPCWebSocketClient): TRPCLink<AppRouter> {
    return () =>
      ({ op, next }) =>
        observable((observer) => {
          let inner: Unsubscribable | null = null;
          let cancelled = false;
          this.resolveToken()
            .then((token) => this.closeIfStale(wsClient, token))
            .then(
              () => {
                if (!cancelled) inner = next(op).subscribe(observer);
              },
              (error: unknown) => observer.error(TRPCClientError.from(error instanceof Error ? error : new Error(String(error)))),
            );
          return () => {
            cancelled = true;
            inner?.unsubscribe();
          };
        });
  }

  private async closeIfStale(wsClient: TRPCWebSocketClient, token: Token): Promise<void> {
    if (this.openedWith === undefined || this.openedWith === token || wsClient.connection?.state !== 'open') return;
    this.openedWith = undefined;
    await wsClient.close();
  }
}
