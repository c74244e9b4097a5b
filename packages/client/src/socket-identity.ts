import type { TRPCLink, TRPCWebSocketClient } from '@trpc/client';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import type { AppRouter } from './types';

type Token = string | null;

/**
 * A socket acts for the session whose token it opened with (`connectionParams` are read once,
 * at connect). After a sign-in, a sign-out or a new token, the open socket would still act for
 * the old session. This keeps the two in step.
 */
export class SocketIdentity {
  /** The token the current socket opened with; undefined while no socket has opened. */
  private openedWith: Token | undefined;

  constructor(
    private readonly resolveToken: () => Promise<Token>,
    private readonly tokenMayChange: boolean,
  ) {}

  /** For `connectionParams`: the token to open with, remembered. */
  async tokenForConnect(): Promise<Token> {
    const token = await this.resolveToken();
    this.openedWith = token;
    return token;
  }

  /**
   * A link in front of `wsLink`: before each operation, when the token is no longer the one
   * the open socket used, that socket is closed. The client then reconnects with the current
   * token, sends its subscriptions again (they resume from their last event id under the new
   * session) and the operation goes out on the new socket. Calls in flight on the old socket
   * fail as on any dropped connection.
   */
  link(wsClient: TRPCWebSocketClient): TRPCLink<AppRouter> {
    return () =>
      ({ op, next }) => {
        if (!this.tokenMayChange) return next(op);
        return observable((observer) => {
          let inner: Unsubscribable | null = null;
          let cancelled = false;
          this.resolveToken().then(
            (token) => {
              if (cancelled) return;
              this.closeIfStale(wsClient, token);
              inner = next(op).subscribe(observer);
            },
            (error: unknown) => observer.error(error as never),
          );
          return () => {
            cancelled = true;
            inner?.unsubscribe();
          };
        });
      };
  }

  private closeIfStale(wsClient: TRPCWebSocketClient, token: Token): void {
    const connection = wsClient.connection;
    if (this.openedWith === undefined || this.openedWith === token || connection?.state !== 'open') return;
    this.openedWith = undefined;
    connection.ws.close();
  }
}
