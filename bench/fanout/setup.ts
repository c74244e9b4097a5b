// Users, sessions and conversations of the fanout benchmark: users from lib/members.ts,
// conversations made through the API, as clients make them.
import type { BenchStack } from '../lib/harness';
import { createMembers, inParallel, type Member } from '../lib/members';
import { closeChorusClient, createBenchClient, type ChorusClient } from '../lib/workspace';

export interface Population {
  /** members[0] owns the group. */
  group: { conversationId: number; members: Member[] };
  directs: Array<{ conversationId: number; members: [Member, Member] }>;
  /** Two spare users for the history conversation. */
  spare: [Member, Member];
}

const CREATE_GROUP_MAX = 500;

export async function createPopulation(stack: BenchStack, sizes: { groupMembers: number; directs: number }): Promise<Population> {
  const all = await createMembers(stack, sizes.groupMembers + sizes.directs * 2 + 2);
  const groupMembers = all.slice(0, sizes.groupMembers);
  const directMembers = all.slice(sizes.groupMembers, sizes.groupMembers + sizes.directs * 2);
  const spare = all.slice(-2) as [Member, Member];

  const clients: ChorusClient[] = [];
  const clientOf = (member: Member) => {
    const client = createBenchClient(stack.url, { token: member.token });
    clients.push(client);
    return client;
  };
  try {
    const [owner, ...rest] = groupMembers;
    if (!owner) throw new Error('fanout: the group needs members');
    const ownerClient = clientOf(owner);
    const { conversationId } = await ownerClient.chat.createGroup.mutate({
      name: 'fanout bench',
      memberIds: rest.slice(0, CREATE_GROUP_MAX - 1).map((member) => member.id),
    });
    for (let from = CREATE_GROUP_MAX - 1; from < rest.length; from += CREATE_GROUP_MAX) {
      await ownerClient.chat.addMembers.mutate({ conversationId, userIds: rest.slice(from, from + CREATE_GROUP_MAX).map((member) => member.id) });
    }

    const directs: Population['directs'] = [];
    const pairs = Array.from({ length: sizes.directs }, (_, i) => [directMembers[2 * i]!, directMembers[2 * i + 1]!] as [Member, Member]);
    await inParallel(pairs, 16, async (pair, index) => {
      const client = createBenchClient(stack.url, { token: pair[0].token });
      try {
        const opened = await client.chat.openDirect.mutate({ userId: pair[1].id });
        directs[index] = { conversationId: opened.conversationId, members: pair };
      } finally {
        await closeChorusClient(client);
      }
    });
    return { group: { conversationId, members: groupMembers }, directs, spare };
  } finally {
    await Promise.all(clients.map((client) => closeChorusClient(client)));
  }
}
