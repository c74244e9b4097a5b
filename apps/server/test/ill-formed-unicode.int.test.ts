import { failure, startMailedTestServer, type FakeResend, type MailedTestServer, type TestAccount, type TestServer } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A lone UTF-16 surrogate: JSON carries it (as "\ud800"), MariaDB's JSON checks refuse it. */
const BAD = 'x\uD800y';
const REPAIRED = 'x\uFFFDy';

let server: TestServer;
let mail: FakeResend;
let ann: TestAccount;
let ben: TestAccount;
let groupId: number;
let roomId: number;

beforeAll(async () => {
  let accounts: MailedTestServer['accounts'];
  ({ server, mail, accounts } = await startMailedTestServer());
  ann = await accounts.register('ann');
  ben = await accounts.register('ben');
  ({ conversationId: groupId } = await ann.client.chat.createGroup.mutate({ name: 'crew', memberIds: [ben.id] }));
  roomId = (await ann.client.rooms.create.mutate({ name: 'hall', visibility: 'public', joinPolicy: 'approval' })).id;
});
afterAll(async () => {
  await server?.stop();
  await mail?.stop();
});

describe('ill-formed Unicode in inputs', () => {
  it('is refused with BAD_INPUT where the string names or identifies something, and nothing is written', async () => {
    const sent = await ann.client.chat.send.mutate({ conversationId: groupId, clientId: 'ok-1', kind: 'text', text: 'hello' });
    const groupsBefore = (await ann.client.chat.list.query()).items.length;

    expect(await failure(ann.client.chat.send.mutate({ conversationId: groupId, clientId: BAD, kind: 'text', text: 'hi' }))).toBe('BAD_INPUT');
    expect(await failure(ann.client.chat.react.mutate({ messageId: sent.id, emoji: BAD }))).toBe('BAD_INPUT');
    expect(await failure(ann.client.chat.createGroup.mutate({ name: BAD, memberIds: [ben.id] }))).toBe('BAD_INPUT');
    expect(await failure(ann.client.chat.update.mutate({ conversationId: groupId, name: BAD }))).toBe('BAD_INPUT');
    expect(await failure(ann.client.rooms.updateSettings.mutate({ roomId, name: BAD }))).toBe('BAD_INPUT');
    expect(await failure(ann.client.ai.configs.create.mutate({ label: BAD, baseUrl: 'http://127.0.0.1:9/', model: 'm', apiKey: 'key-1234' }))).toBe(
      'BAD_INPUT',
    );

    const history = await ben.client.chat.history.query({ conversationId: groupId });
    expect(history.map((message) => message.id)).toEqual([sent.id]);
    expect(history[0]!.reactions).toEqual([]);
    const groups = (await ann.client.chat.list.query()).items;
    expect(groups).toHaveLength(groupsBefore);
    expect(groups.find((conversation) => conversation.id === groupId)?.name).toBe('crew');
    expect((await ann.client.rooms.get.query({ roomId })).room.name).toBe('hall');
    expect(await ann.client.ai.configs.list.query()).toEqual([]);
  });

  it('is repaired to U+FFFD in free text, which is stored and read back', async () => {
    const sent = await ann.client.chat.send.mutate({ conversationId: groupId, clientId: 'ok-2', kind: 'text', text: BAD });
    expect(sent.text).toBe(REPAIRED);
    await ann.client.chat.edit.mutate({ messageId: sent.id, text: `${BAD}!` });
    const history = await ben.client.chat.history.query({ conversationId: groupId });
    expect(history.find((message) => message.id === sent.id)?.text).toBe(`${REPAIRED}!`);

    await ben.client.friends.request.mutate({ userId: ann.id, message: BAD });
    const [request] = await ann.client.friends.requests.query({ direction: 'incoming' });
    expect(request?.message).toBe(REPAIRED);

    await ben.client.rooms.applyToJoin.mutate({ roomId, message: BAD });
    const view = await ann.client.rooms.get.query({ roomId });
    expect(view.pendingApplications?.map((application) => application.message)).toEqual([REPAIRED]);

    const config = await ann.client.ai.configs.create.mutate({
      label: 'mine',
      baseUrl: 'http://127.0.0.1:9/',
      model: 'm',
      apiKey: 'key-1234',
      params: { systemPrompt: BAD },
    });
    expect(config.params.systemPrompt).toBe(REPAIRED);
    const [listed] = await ann.client.ai.configs.list.query();
    expect(listed?.params.systemPrompt).toBe(REPAIRED);
  });
});
