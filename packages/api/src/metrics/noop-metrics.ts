import type { Metrics } from './metrics';

const nothing = () => {};

/** Metrics off: every method does nothing, and delivery is never timed. */
export const noopMetrics: Metrics = {
  enabled: false,
  rpcFinished: nothing,
  subscriptionStarted: nothing,
  subscriptionEnded: nothing,
  wsOpened: nothing,
  wsClosed: nothing,
  eventPublished: nothing,
  deliverySampleDue: () => false,
  eventDelivered: nothing,
  eventResynced: nothing,
  streamArchivePass: nothing,
  mailSent: nothing,
  mailFailed: nothing,
  pushAttempted: nothing,
  aiGenerationStarted: nothing,
  aiGenerationEnded: nothing,
  aiFirstToken: nothing,
  aiTokens: nothing,
  aiError: nothing,
  uploadReceived: nothing,
  uploadFinished: nothing,
  uploadFailed: nothing,
  callEnded: nothing,
};
