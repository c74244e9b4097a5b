import { appCodeOf, type AppErrorCode } from '@chorus/client';
import { defineMessages, useT } from '../i18n/i18n';

const messages = defineMessages({
  en: {
    UNAUTHORIZED: 'Please sign in again.',
    FORBIDDEN: 'You are not allowed to do that.',
    NOT_FOUND: 'Not found.',
    RATE_LIMITED: 'Too many attempts. Try again in {seconds} s.',
    UNAVAILABLE: 'The server is busy. Try again shortly.',
    INTERNAL: 'Something went wrong on the server.',
    network: 'Cannot reach the server.',
    unknown: 'Something went wrong.',
  },
  zh: {
    UNAUTHORIZED: '请重新登录。',
    FORBIDDEN: '你没有权限这样做。',
    NOT_FOUND: '未找到。',
    RATE_LIMITED: '尝试次数过多，请 {seconds} 秒后再试。',
    UNAVAILABLE: '服务器繁忙，请稍后再试。',
    INTERNAL: '服务器出错了。',
    network: '无法连接服务器。',
    unknown: '出错了。',
  },
});

const general = new Set<AppErrorCode>(['UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'RATE_LIMITED', 'UNAVAILABLE', 'INTERNAL']);

function retryAfterOf(error: unknown): number {
  const data = (error as { data?: { retryAfter?: number | null } } | null)?.data;
  return data?.retryAfter ?? 60;
}

/**
 * Turns a failed call into a sentence for the user: the server's own message for domain and
 * validation errors (it is written for people), a translated one for the general codes.
 */
export function useErrorText(): (error: unknown) => string {
  const t = useT(messages);
  return (error: unknown) => {
    if (error === null || error === undefined) return '';
    const code = appCodeOf(error);
    if (code && general.has(code)) return t(code as keyof typeof messages.en, { seconds: retryAfterOf(error) });
    if (!code) return error instanceof TypeError ? t('network') : error instanceof Error && error.message ? error.message : t('unknown');
    const fieldErrors = (error as { data?: { zodError?: { fieldErrors?: Record<string, string[] | undefined> } | null } }).data?.zodError?.fieldErrors;
    const first = fieldErrors ? Object.values(fieldErrors).find((list) => list && list.length > 0)?.[0] : undefined;
    return first ?? (error as Error).message;
  };
}
