// What the gapless test checks: every receiver holds every message of its conversations exactly
// once and in order, every conversation event's seq without a gap, and no resync; and when not,
// a description precise enough to find the cause (the ids and connection events around a gap).
import type { Conversation, Receiver } from './gapless-receiver';

/** What the conversations hold: message ids oldest first, and each one's last event seq. */
export interface Expected {
  ids: Map<number, number[]>;
  lastSeq: Map<number, number>;
}

/** What a receiver got per conversation: message.created ids and every conversation event's seq, in arrival order. */
function receivedBy(receiver: Receiver) {
  const ids = new Map<number, number[]>();
  const seqs = new Map<number, number[]>();
  for (const { data } of receiver.received) {
    if (!('seq' in data) || !('conversationId' in data)) continue;
    const list = seqs.get(data.conversationId) ?? [];
    list.push(data.seq);
    seqs.set(data.conversationId, list);
    if (data.type === 'message.created') {
      const messageIds = ids.get(data.conversationId) ?? [];
      messageIds.push(data.message.id);
      ids.set(data.conversationId, messageIds);
    }
  }
  return { ids, seqs };
}

/** Missing, duplicated, unexpected and out-of-order ids; `phasesOf` names where missing ones were sent. */
function describeDifference(expected: number[], got: number[], phasesOf: (ids: number[]) => string): string {
  const counts = new Map<number, number>();
  for (const id of got) counts.set(id, (counts.get(id) ?? 0) + 1);
  const wanted = new Set(expected);
  const missing = expected.filter((id) => !counts.has(id));
  const duplicated = [...counts].filter(([, count]) => count > 1).map(([id]) => id);
  const unexpected = got.filter((id) => !wanted.has(id));
  const disorder = got.findIndex((id, index) => index > 0 && id < got[index - 1]!);
  const parts = [`expected ${expected.length}, got ${got.length}`];
  if (missing.length) parts.push(`missing ${missing.length}: ${missing.slice(0, 12).join(',')} (sent in ${phasesOf(missing)})`);
  if (duplicated.length) parts.push(`duplicated ${duplicated.length}: ${duplicated.slice(0, 12).join(',')}`);
  if (unexpected.length) parts.push(`unexpected ${unexpected.length}: ${unexpected.slice(0, 12).join(',')}`);
  if (disorder > 0) parts.push(`out of order at #${disorder}: ${got[disorder - 1]} then ${got[disorder]}`);
  return parts.join('; ');
}

/** The phases whose sends these message ids came from (`sent`: clientId `<phase>-s…` → message id). */
function phasesOfSends(sent: Map<string, number>): (ids: number[]) => string {
  const phaseById = new Map([...sent].map(([clientId, id]) => [id, clientId.split('-s')[0]!]));
  return (ids) => [...new Set(ids.map((id) => phaseById.get(id) ?? 'setup'))].join(', ');
}

/** Messages lost, duplicated and out of order, and resyncs, summed over receivers: the counts a run prints. */
export function tally(run: { receivers: Receiver[]; chats: Conversation[] }, expected: Expected) {
  const counts = { delivered: 0, lost: 0, duplicated: 0, outOfOrder: 0, resyncs: 0 };
  for (const receiver of run.receivers) {
    const got = receivedBy(receiver);
    for (const chat of run.chats) {
      const wanted = chat.members.includes(receiver.person.index) ? expected.ids.get(chat.id)! : [];
      const gotIds = got.ids.get(chat.id) ?? [];
      const seen = new Set(gotIds);
      counts.delivered += gotIds.length;
      counts.lost += wanted.filter((id) => !seen.has(id)).length;
      counts.duplicated += gotIds.length - seen.size;
      counts.outOfOrder += gotIds.filter((id, index) => index > 0 && id < gotIds[index - 1]!).length;
    }
    counts.resyncs += receiver.received.filter((entry) => entry.data.type === 'resync').length;
  }
  return counts;
}

/** Everything wrong with what receivers hold compared with the conversations; empty when all is well. */
export function problems(run: { receivers: Receiver[]; chats: Conversation[]; sent: Map<string, number> }, expected: Expected, withContext = false): string[] {
  const { receivers, chats } = run;
  const phasesOf = phasesOfSends(run.sent);
  const found: string[] = [];
  for (const receiver of receivers) {
    const got = receivedBy(receiver);
    for (const chat of chats) {
      const member = chat.members.includes(receiver.person.index);
      const wantIds = member ? expected.ids.get(chat.id)! : [];
      const gotIds = got.ids.get(chat.id) ?? [];
      if (wantIds.join() !== gotIds.join()) {
        found.push(`${receiver.name} in ${chat.name} (#${chat.id}) messages: ${describeDifference(wantIds, gotIds, phasesOf)}`);
        if (withContext) found.push(...gapContext(receiver, chat, wantIds, gotIds));
      }
      const lastSeq = member ? expected.lastSeq.get(chat.id)! : 0;
      const wantSeqs = Array.from({ length: lastSeq }, (_, index) => index + 1);
      const gotSeqs = got.seqs.get(chat.id) ?? [];
      if (wantSeqs.join() !== gotSeqs.join())
        found.push(`${receiver.name} in ${chat.name} (#${chat.id}) seqs: ${describeDifference(wantSeqs, gotSeqs, phasesOf)}`);
    }
    const resyncs = receiver.received.filter((entry) => entry.data.type === 'resync');
    if (resyncs.length > 0) found.push(`${receiver.name} got ${resyncs.length} resync event(s): ${JSON.stringify(resyncs.slice(0, 3))}`);
  }
  return found;
}

/**
 * For the first missing message: the stream ids and connection events around where it should
 * have arrived; for the first duplicated one: around each copy.
 */
function gapContext(receiver: Receiver, chat: Conversation, wantIds: number[], gotIds: number[]): string[] {
  const indexOf = (messageId: number | undefined, from = 0) =>
    receiver.received.findIndex((entry, at) => at >= from && entry.data.type === 'message.created' && entry.data.message.id === messageId);
  const around = (index: number) => {
    const lines: string[] = [];
    for (let at = Math.max(0, index - 3); at <= index + 6 && at < receiver.received.length; at++) {
      for (const mark of receiver.timeline.filter((entry) => entry.at === at)) lines.push(`    -- ${mark.what}`);
      const { id, data } = receiver.received[at]!;
      const detail =
        data.type === 'message.created'
          ? ` conv ${data.conversationId} seq ${data.seq} msg ${data.message.id}`
          : 'seq' in data
            ? ` conv ${data.conversationId} seq ${data.seq}`
            : '';
      lines.push(`    #${at} id ${id} ${data.type}${detail}`);
    }
    return lines;
  };
  const lines: string[] = [];
  const missing = wantIds.find((id) => !gotIds.includes(id));
  if (missing !== undefined) {
    const before = wantIds[wantIds.indexOf(missing) - 1];
    lines.push(`  context for missing message ${missing} (after ${before ?? 'nothing'}) at ${receiver.name}:`, ...around(indexOf(before)));
  }
  const duplicate = gotIds.find((id, index) => gotIds.indexOf(id) !== index);
  if (duplicate !== undefined) {
    const first = indexOf(duplicate);
    lines.push(`  context for duplicated message ${duplicate} at ${receiver.name}, first copy:`, ...around(first));
    lines.push('  second copy:', ...around(indexOf(duplicate, first + 1)));
  }
  return lines;
}
