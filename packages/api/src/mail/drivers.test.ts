import { startFakeResend, type FakeResend } from '@chorus/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogDriver, createResendDriver, MailSendError } from './drivers';

let fake: FakeResend;
beforeAll(async () => {
  fake = await startFakeResend();
});
afterAll(async () => {
  await fake?.stop();
});

const message = { from: 'Chorus <no-reply@chorus.test>', to: 'ada@example.com', subject: 'Hi', text: 'code 123456', html: '<p>code 123456</p>' };

describe('resend driver (real SDK against the fake server)', () => {
  it('sends through the configured base URL and returns the provider id', async () => {
    const driver = createResendDriver({ apiKey: fake.apiKey, baseUrl: `${fake.url}/` });
    const { id } = await driver.send({ ...message, idempotencyKey: 'k-1' });
    const received = await fake.waitForMessage((m) => m.id === id);
    expect(received).toMatchObject({ from: message.from, to: ['ada@example.com'], subject: 'Hi', text: 'code 123456', html: '<p>code 123456</p>' });
    expect(received.headers['idempotency-key']).toBe('k-1');
    expect(fake.extractCode(received)).toBe('123456');
  });

  it('turns an error result into a thrown MailSendError that never contains the key', async () => {
    const wrongKey = 're_wrong_key_0123456789';
    const driver = createResendDriver({ apiKey: wrongKey, baseUrl: fake.url });
    const error = await driver.send(message).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MailSendError);
    expect(error).toMatchObject({ status: 403, providerCode: 'invalid_api_key' });
    expect(String((error as Error).message)).not.toContain(wrongKey);

    fake.failNext(1, 429);
    const limited = await createResendDriver({ apiKey: fake.apiKey, baseUrl: fake.url })
      .send(message)
      .catch((caught: unknown) => caught);
    expect(limited).toMatchObject({ status: 429, providerCode: 'rate_limit_exceeded' });
  });

  it('reports an unreachable provider as a failure with no status', async () => {
    const driver = createResendDriver({ apiKey: fake.apiKey, baseUrl: 'http://127.0.0.1:9' });
    await expect(driver.send(message)).rejects.toMatchObject({ status: null, providerCode: 'application_error' });
  });
});

describe('log driver', () => {
  it('logs recipient, subject and text at info (dev only) and returns an id', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const { id } = await createLogDriver(logger).send(message);
    expect(id).toMatch(/^log-/);
    expect(lines).toEqual([expect.objectContaining({ level: 30, to: 'ada@example.com', subject: 'Hi', text: 'code 123456' })]);
  });
});
