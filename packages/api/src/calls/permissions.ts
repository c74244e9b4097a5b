import { sharedConversationPeers } from '../chat/membership';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { areFriends, isBlockedBetween } from '../friends/blocks';

const notAllowed = () => new AppError('CALL_NOT_ALLOWED', 'You cannot call this user');

/**
 * Friends may call each other; so may members of a shared conversation when the operator
 * allows it. A block either way forbids it. Unknown users get the same answer as strangers.
 */
export async function assertMayCall(deps: Pick<AppDeps, 'db' | 'calls'>, callerId: number, calleeId: number): Promise<void> {
  if (callerId === calleeId) throw new AppError('BAD_INPUT', 'You cannot call yourself');
  if (await isBlockedBetween(deps.db, callerId, calleeId)) throw notAllowed();
  if (await areFriends(deps.db, callerId, calleeId)) return;
  if (deps.calls.settings.allowSharedConversation && (await sharedConversationPeers(deps.db, callerId, [calleeId])).has(calleeId)) return;
  throw notAllowed();
}
