import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Resend } from 'resend';

export interface MailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  /**
   * Same key, same mail: the provider sends it once even if we retry after a lost
   * response or a lapsed lease (Resend keeps keys for 24 hours).
   */
  idempotencyKey?: string;
  /** Extra headers, e.g. `List-Unsubscribe` and `List-Unsubscribe-Post` (RFC 8058). */
  headers?: Record<string, string>;
}

export interface MailDriver {
  name: string;
  /** Resolves with the provider's message id; throws when the mail was not accepted. */
  send(message: MailMessage): Promise<{ id: string }>;
}

/** A provider refusal or an unreachable provider; the message is safe to log and store. */
export class MailSendError extends Error {
  /** HTTP status, or null when no response arrived (network, timeout). */
  readonly status: number | null;
  /** The provider's error name, e.g. `invalid_api_key`, `rate_limit_exceeded`. */
  readonly providerCode: string;

  constructor(message: string, status: number | null, providerCode: string) {
    super(message);
    this.name = 'MailSendError';
    this.status = status;
    this.providerCode = providerCode;
  }
}

export interface ResendDriverOptions {
  apiKey: string;
  /** Default https://api.resend.com; tests point it at the fake Resend server. */
  baseUrl?: string;
  /** Abort one send after this long, so a hung provider cannot outlive the worker's lease. */
  timeoutMs?: number;
}

export const RESEND_DEFAULT_BASE_URL = 'https://api.resend.com';

/**
 * The real Resend SDK. The base URL is always passed to the constructor (`ResendOptions.baseUrl`,
 * checked in resend 6.38): left out, the SDK would fall back to `process.env.RESEND_BASE_URL`,
 * and only the server's env.ts may read the environment.
 */
export function createResendDriver(options: ResendDriverOptions): MailDriver {
  const baseUrl = (options.baseUrl ?? RESEND_DEFAULT_BASE_URL).replace(/\/+$/, '');
  const client = new Resend(options.apiKey, { baseUrl });
  const timeoutMs = options.timeoutMs ?? 15_000;
  // Provider messages should never echo the key, but this text reaches logs and the database.
  const scrub = (text: string) => (options.apiKey ? text.split(options.apiKey).join('[redacted]') : text);

  return {
    name: 'resend',
    async send(message) {
      // The SDK reports failures as `{ error }` rather than throwing; turn them into throws
      // so the worker has a single failure path.
      const { data, error } = await client.emails.send(
        {
          from: message.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          ...(message.html === undefined ? {} : { html: message.html }),
          ...(message.headers === undefined ? {} : { headers: message.headers }),
        },
        {
          signal: AbortSignal.timeout(timeoutMs),
          ...(message.idempotencyKey === undefined ? {} : { idempotencyKey: message.idempotencyKey }),
        },
      );
      if (error) {
        const status = error.statusCode ?? null;
        throw new MailSendError(scrub(`Resend ${status ?? 'no response'} ${error.name}: ${error.message}`), status, error.name);
      }
      if (!data?.id) throw new MailSendError('Resend accepted the mail but returned no id', 200, 'application_error');
      return { id: data.id };
    },
  };
}

/**
 * Development only (no RESEND_API_KEY): nothing is sent; the whole text, one-time codes
 * included, goes to the log at info so a developer can finish a sign-up locally. This is
 * the one place a code may be logged; production always has a real driver.
 */
export function createLogDriver(logger: Logger): MailDriver {
  return {
    name: 'log',
    async send(message) {
      const id = `log-${randomUUID()}`;
      logger.info({ mailDriver: 'log', providerMessageId: id, to: message.to, subject: message.subject, text: message.text }, 'mail (not sent: log driver)');
      return { id };
    },
  };
}
