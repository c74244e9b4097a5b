export { createChorusClient, closeChorusClient, SESSION_ENDED_CLOSE_CODE, type ChorusClient, type ChorusClientOptions } from './client';
export { appCodeOf, isChorusError, type ChorusClientError } from './errors';
export { reconnectDelay, retryHintOf, ReconnectSchedule } from './backoff';
export type {
  AiStreamEvent,
  AppErrorCode,
  AppRouter,
  ChorusErrorData,
  ChorusEvent,
  DriftView,
  PlaybackState,
  PresenceView,
  PublicMessage,
  RoomEvent,
  RouterInputs,
  RouterOutputs,
} from './types';
export type { CallPartyView, CallSignal, CallView } from './types';
