import { CONFIG } from './config';
import type { Scenario } from './report';
import type { createPopulation } from './setup';

/** The two cases: one large group with a few senders, and many direct conversations. */
export function scenariosOf(population: Awaited<ReturnType<typeof createPopulation>>): Scenario[] {
  return [
    {
      key: 'group',
      label: `group of ${CONFIG.groupMembers}, ${CONFIG.groupSenders} senders`,
      receivers: population.group.members,
      senders: population.group.members.slice(1, 1 + CONFIG.groupSenders).map((member) => ({ member, conversationId: population.group.conversationId })),
      fanout: CONFIG.groupMembers,
      ...CONFIG.group,
    },
    {
      key: 'direct',
      label: `${CONFIG.directs} direct conversations`,
      receivers: population.directs.flatMap((direct) => direct.members),
      // One sender per conversation, alternating which member sends.
      senders: population.directs.map((direct, i) => ({ member: direct.members[i % 2]!, conversationId: direct.conversationId })),
      fanout: 2,
      ...CONFIG.direct,
    },
  ];
}
