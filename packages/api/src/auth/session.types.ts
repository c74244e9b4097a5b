// What a validated session carries. Realtime caches sessions (SessionRevocations), so these
// types live apart from the service, which depends on the whole dependency aggregate.
import type { TUserRole } from '@chorus/db';

export interface SessionUser {
  id: number;
  username: string;
  displayName: string;
  role: TUserRole;
  isGuest: boolean;
}

export interface ValidSession {
  id: string;
  userId: number;
  expiresAt: Date;
  user: SessionUser;
}
