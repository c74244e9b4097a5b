/**
 * What the app reports to its operators, in domain terms. Services call these methods; how
 * (or whether) they become Prometheus series is the implementation's business. Every argument
 * that ends up as a label is drawn from a bounded set: never an id.
 */
export type RpcTransport = 'http' | 'ws';
export type RpcType = 'query' | 'mutation' | 'subscription';
/** Why the server saw a WebSocket close (see docs/metrics.md). */
export type WsCloseReason = 'normal' | 'slow_consumer' | 'payload_too_big' | 'revoked' | 'shutdown' | 'auth_timeout' | 'error' | 'overloaded';
/** A user's own provider configuration, or one the operator offers to everybody. */
export type AiProviderKind = 'user' | 'system';

export interface Metrics {
  /** False for the no-op implementation: callers may skip work only metrics need. */
  readonly enabled: boolean;

  /** A procedure call ended (a subscription: its setup); `outcome` is `ok` or the app error code. */
  rpcFinished(procedure: string, transport: RpcTransport, type: RpcType, outcome: string, seconds: number): void;
  subscriptionStarted(procedure: string): void;
  subscriptionEnded(procedure: string): void;

  wsOpened(): void;
  wsClosed(reason: WsCloseReason): void;

  /** An event was handed to Redis for delivery. */
  eventPublished(): void;
  /** Whether the next delivery should be timed: delivery latency is sampled, not measured for every event. */
  deliverySampleDue(): boolean;
  /** Seconds from the event's commit to its write to the sockets of this instance. */
  eventDelivered(seconds: number): void;
  /** A subscriber's position could not be resumed: it was told to resync. */
  eventResynced(): void;
  /** A pass of the stream archiver moved `entries` stream entries from Redis to the database in `seconds`. */
  streamArchivePass(entries: number, seconds: number): void;

  mailSent(driver: string): void;
  mailFailed(driver: string): void;
  /** One push attempt's outcome (`sent`, `retry`, `gone`, `rejected`) by device kind. */
  pushAttempted(kind: string, outcome: string): void;

  aiGenerationStarted(): void;
  aiGenerationEnded(): void;
  aiFirstToken(kind: AiProviderKind, seconds: number): void;
  aiTokens(kind: AiProviderKind, input: number, output: number): void;
  aiError(kind: AiProviderKind, code: string): void;

  /** Bytes of an upload received since its previous progress (see recordProgress). */
  uploadReceived(bytes: number): void;
  /** An upload finished or failed (refused at its end, or terminated). */
  uploadFinished(): void;
  uploadFailed(): void;

  /** A call reached its final state (its outcome: completed, missed, rejected, ...). */
  callEnded(outcome: string): void;
}
