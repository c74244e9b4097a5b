import type {
  AppRouter as ServerRouter,
  AppErrorCode,
  ChorusErrorData,
  ChorusEvent,
  DriftView,
  PlaybackState,
  PresenceView,
  PublicMessage,
  RoomEvent,
  AiStreamEvent,
} from '@chorus/api';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';

export type AppRouter = ServerRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type { AiStreamEvent, AppErrorCode, ChorusErrorData, ChorusEvent, DriftView, PlaybackState, PresenceView, PublicMessage, RoomEvent };
export type { CallPartyView, CallSignal, CallView } from '@chorus/api';
