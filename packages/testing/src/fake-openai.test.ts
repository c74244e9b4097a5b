import OpenAI from 'openai';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { startFakeOpenAi } from './fake-openai';

const fake = await startFakeOpenAi();
const openai = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.url, maxRetries: 0 });
const messages = [{ role: 'user' as const, content: 'Say hello to the whole wide world' }]; // 33 chars → 9 tokens

afterEach(() => fake.respondWith(null));
afterAll(() => fake.close());

/** Collects a streamed completion's text pieces, and the error it ended with, if any. */
async function drain(stream: AsyncIterable<OpenAI.ChatCompletionChunk>) {
  const pieces: string[] = [];
  try {
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) pieces.push(chunk.choices[0].delta.content);
    return { pieces, error: null };
  } catch (error) {
    return { pieces, error };
  }
}

describe('fake OpenAI chat completions', () => {
  it('streams the tokens in order, then finish_reason and the usage chunk', async () => {
    fake.enqueue({ tokens: ['One', ' two', ' three'], finishReason: 'length' });
    const stream = await openai.chat.completions.create({ model: 'fake-model', messages, stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('One two three');
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('length');
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 });
    expect(fake.requests.at(-1)).toMatchObject({ path: '/v1/chat/completions', apiKey: fake.apiKey, body: { model: 'fake-model', stream: true } });
    expect(fake.openStreams()).toBe(0);
  });

  it('omits the usage chunk unless asked, or when the reply says usage: false', async () => {
    fake.enqueue({ tokens: ['a'] }, { tokens: ['b'], usage: false });
    for (const stream_options of [undefined, { include_usage: true }]) {
      const stream = await openai.chat.completions.create({ model: 'fake-model', messages, stream: true, stream_options });
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(chunks.some((c) => c.usage)).toBe(false);
      expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    }
  });

  it('answers non-streaming calls with the joined text and usage', async () => {
    const completion = await openai.chat.completions.create({ model: 'fake-model', messages });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.content).toBe('Hello world');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 });
  });

  it('paces the stream at tokensPerSecond', async () => {
    fake.enqueue({ tokens: ['1', '2', '3', '4', '5'], tokensPerSecond: 50 });
    const started = performance.now();
    const { pieces, error } = await drain(await openai.chat.completions.create({ model: 'fake-model', messages, stream: true }));
    expect(error).toBeNull();
    expect(pieces).toEqual(['1', '2', '3', '4', '5']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(70); // 4 gaps of 20 ms
  });

  it('prefers respondWith over the queue, and falls back when it returns undefined', async () => {
    fake.enqueue({ tokens: ['queued'] });
    fake.respondWith((req) => (req.body?.messages?.[0]?.content === 'special' ? { tokens: ['decided'] } : undefined));
    const special = await openai.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'special' }] });
    const plain = await openai.chat.completions.create({ model: 'fake-model', messages });
    expect(special.choices[0]?.message.content).toBe('decided');
    expect(plain.choices[0]?.message.content).toBe('queued');
  });

  it('consumes one queued reply per request, so an SDK retry gets the next one', async () => {
    fake.enqueue({ failStatus: 500 }, { tokens: ['second', ' try'] });
    const retrying = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.url, maxRetries: 1 });
    const completion = await retrying.chat.completions.create({ model: 'fake-model', messages });
    expect(completion.choices[0]?.message.content).toBe('second try');
  });

  it('rejects a wrong key with 401, echoing the key like OpenAI does', async () => {
    const wrong = new OpenAI({ apiKey: 'sk-wrong-key-123', baseURL: fake.url, maxRetries: 0 });
    const error = await wrong.chat.completions.create({ model: 'fake-model', messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'invalid_request_error' });
    expect((error as Error).message).toContain('sk-wrong-key-123');
    expect(fake.requests.at(-1)?.apiKey).toBe('sk-wrong-key-123');
  });

  it('maps unknown models and scripted failures to the SDK error classes', async () => {
    const call = () => openai.chat.completions.create({ model: 'fake-model', messages, stream: true });
    const unknown = await openai.chat.completions.create({ model: 'gpt-nope', messages }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknown).toMatchObject({ status: 404, code: 'model_not_found' });

    fake.enqueue({ failStatus: 429 }, { failStatus: 500 });
    const limited = await call().catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('1');
    const exploded = await call().catch((e: unknown) => e);
    expect(exploded).toBeInstanceOf(OpenAI.InternalServerError);
    expect((exploded as Error).message).toContain('upstream exploded');
  });

  it('drops the connection after dropAfter tokens: iteration throws after receiving them', async () => {
    fake.enqueue({ tokens: ['a', 'b', 'c', 'd', 'e'], dropAfter: 2 });
    const abortedBefore = fake.aborted;
    const { pieces, error } = await drain(await openai.chat.completions.create({ model: 'fake-model', messages, stream: true }));
    expect(pieces).toEqual(['a', 'b']);
    expect(error).toBeInstanceOf(Error);
    expect(fake.aborted).toBe(abortedBefore); // our own drop is not a client abort
  });

  it('hangs before the headers until the client aborts, and counts the abort', async () => {
    fake.enqueue({ hangAfter: 0 });
    const abortedBefore = fake.aborted;
    const controller = new AbortController();
    const seen = fake.requests.length;
    const call = openai.chat.completions.create({ model: 'fake-model', messages, stream: true }, { signal: controller.signal });
    const request = await fake.waitForRequest((req) => fake.requests.indexOf(req) >= seen);
    expect(request.path).toBe('/v1/chat/completions');
    expect(fake.openStreams()).toBe(1);
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    await vi.waitFor(() => expect(fake.aborted).toBe(abortedBefore + 1));
    expect(fake.openStreams()).toBe(0);
  });

  it('hangs mid-stream after hangAfter tokens until the client aborts', async () => {
    fake.enqueue({ tokens: ['a', 'b', 'c'], hangAfter: 2 });
    const abortedBefore = fake.aborted;
    const controller = new AbortController();
    const stream = await openai.chat.completions.create({ model: 'fake-model', messages, stream: true }, { signal: controller.signal });
    const pieces: string[] = [];
    // The SDK ends an aborted stream quietly or with an abort error, depending on timing: accept both.
    await (async () => {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) pieces.push(chunk.choices[0].delta.content);
        if (pieces.length === 2) setTimeout(() => controller.abort(), 20);
      }
    })().catch(() => undefined);
    expect(pieces).toEqual(['a', 'b']);
    await vi.waitFor(() => expect(fake.aborted).toBe(abortedBefore + 1));
    expect(fake.openStreams()).toBe(0);
  });
});

describe('fake OpenAI images and models', () => {
  it('returns a b64_json PNG', async () => {
    const result = await openai.images.generate({ model: 'fake-image-model', prompt: 'a cat' });
    const bytes = Buffer.from(result.data?.[0]?.b64_json ?? '', 'base64');
    expect([...bytes.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]); // \x89PNG
  });

  it('serves the PNG at the returned URL when response_format is url', async () => {
    const result = await openai.images.generate({ model: 'fake-image-model', prompt: 'a cat', response_format: 'url' });
    const response = await fetch(result.data?.[0]?.url ?? '');
    expect(response.headers.get('content-type')).toBe('image/png');
    expect([...new Uint8Array(await response.arrayBuffer()).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it('checks key and model, and fails with imageFailStatus', async () => {
    const wrong = new OpenAI({ apiKey: 'sk-wrong', baseURL: fake.url, maxRetries: 0 });
    await expect(wrong.images.generate({ model: 'fake-image-model', prompt: 'x' })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(openai.images.generate({ model: 'dall-e-9', prompt: 'x' })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    fake.imageFailStatus = 500;
    try {
      await expect(openai.images.generate({ model: 'fake-image-model', prompt: 'x' })).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    } finally {
      fake.imageFailStatus = undefined;
    }
  });

  it('lists the models and 404s anything else', async () => {
    const models = [];
    for await (const model of openai.models.list()) models.push(model.id);
    expect(models).toEqual(fake.models);
    await expect(openai.embeddings.create({ model: 'fake-model', input: 'x' })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});
