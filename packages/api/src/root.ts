import { aiRouter } from './ai/ai.router';
import { callsRouter } from './calls/calls.router';
import { filesRouter } from './files/files.router';
import { accountRouter } from './account/account.router';
import { adminRouter } from './admin/admin.router';
import { authRouter } from './auth/auth.router';
import { friendsRouter } from './friends/friends.router';
import { systemRouter } from './system/system.router';
import { chatRouter } from './chat/chat.router';
import { eventsRouter } from './events/events.router';
import { notificationsRouter } from './notifications/notifications.router';
import { presenceRouter } from './presence/presence.router';
import { roomsRouter } from './rooms/rooms.router';
import { createCallerFactory, router } from './trpc';
import { usersRouter } from './users/users.router';
import { pushRouter } from './push/push.router';

export const appRouter = router({
  system: systemRouter,
  auth: authRouter,
  account: accountRouter,
  users: usersRouter,
  friends: friendsRouter,
  admin: adminRouter,
  chat: chatRouter,
  presence: presenceRouter,
  rooms: roomsRouter,
  notifications: notificationsRouter,
  events: eventsRouter,
  ai: aiRouter,
  files: filesRouter,
  calls: callsRouter,
  push: pushRouter,
});

export type AppRouter = typeof appRouter;

/** Calls procedures in-process (scripts, tests) with a context built by `createContextInner`. */
export const createCaller = createCallerFactory(appRouter);
