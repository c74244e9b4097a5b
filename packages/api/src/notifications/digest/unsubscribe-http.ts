import type { IncomingMessage, ServerResponse } from 'node:http';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { AppDeps } from '../../deps';
import { escapeHtml, mailLanguage, type MailLanguage } from '../../mail/templates';
import { upsertNotificationSettings } from '../settings/settings.service';
import { verifyUnsubscribeToken } from './unsubscribe-token';

const copy = {
  en: {
    confirmTitle: 'Stop digest emails?',
    confirmText: 'You will no longer get emails about unread messages. You can turn them back on in your notification settings.',
    button: 'Stop these emails',
    doneTitle: 'Unsubscribed',
    doneText: 'You will no longer get digest emails from Chorus.',
    badTitle: 'This link does not work',
    badText: 'The link is invalid or has expired. You can turn digest emails off in your notification settings.',
    limitedTitle: 'Too many attempts',
    limitedText: 'Try again in a few minutes.',
  },
  zh: {
    confirmTitle: '不再接收邮件摘要？',
    confirmText: '你将不再收到关于未读消息的邮件。之后可以在通知设置中重新开启。',
    button: '不再接收此类邮件',
    doneTitle: '已退订',
    doneText: '你将不再收到 Chorus 的邮件摘要。',
    badTitle: '此链接无效',
    badText: '链接无效或已过期。你可以在通知设置中关闭邮件摘要。',
    limitedTitle: '尝试次数过多',
    limitedText: '请几分钟后再试。',
  },
} satisfies Record<MailLanguage, Record<string, string>>;

/**
 * `GET /unsubscribe?token=…` shows a confirmation with a button; `POST` (the button, or a mail
 * client's RFC 8058 one-click request) turns the digest off. No session is needed: the signed
 * token names the user. Every request counts against a per-IP limit, as it checks a secret.
 * Any bad token gets the same 400 page, whatever was wrong with it.
 */
export function createUnsubscribeHandler(deps: Pick<AppDeps, 'db' | 'clock' | 'limiters' | 'mailLinks'>, options: { ipOf(req: IncomingMessage): string }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // The browser's first language, chosen as mails choose from a locale.
    const language = mailLanguage(req.headers['accept-language']);
    const text = copy[language];
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.writeHead(405, { allow: 'GET, POST', 'cache-control': 'no-store' }).end();
      return;
    }
    try {
      await deps.limiters.unsubscribePerIp.consume(options.ipOf(req));
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      res.setHeader('retry-after', String(Math.max(1, Math.ceil(error.msBeforeNext / 1000))));
      return page(res, 429, language, text.limitedTitle, text.limitedText);
    }
    if (req.method === 'POST') await drain(req);
    const token = new URL(req.url ?? '/', 'http://unused').searchParams.get('token') ?? '';
    const userId = verifyUnsubscribeToken(deps.mailLinks.linkSecret, token, deps.clock.now());
    if (userId === null) return page(res, 400, language, text.badTitle, text.badText);
    if (req.method === 'GET') {
      // Links are opened by mail scanners too: only the POST changes anything.
      const form = `<form method="post" action="?token=${escapeHtml(encodeURIComponent(token))}"><button type="submit">${escapeHtml(text.button)}</button></form>`;
      return page(res, 200, language, text.confirmTitle, text.confirmText, form);
    }
    await upsertNotificationSettings(deps.db, userId, { digestEnabled: false });
    return page(res, 200, language, text.doneTitle, text.doneText);
  };
}

/** Reads and drops a small form body (`List-Unsubscribe=One-Click`); no more than 4 KiB. */
async function drain(req: IncomingMessage): Promise<void> {
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 4096) break;
  }
}

function page(res: ServerResponse, status: number, language: MailLanguage, title: string, body: string, extra = ''): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // The token is in the URL: never send it on as a Referer.
    'referrer-policy': 'no-referrer',
    // No script at all; the form posts back here; never framed (no clickjacking of the button).
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    'x-frame-options': 'DENY',
  });
  res.end(
    `<!doctype html><html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head>` +
      `<body style="font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem">` +
      `<h1 style="font-size:1.4rem">${escapeHtml(title)}</h1><p>${escapeHtml(body)}</p>${extra}</body></html>`,
  );
}
