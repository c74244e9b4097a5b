/** The data each template needs; `enqueueMail` checks `data` against its template name. */
export interface MailTemplateData {
  verifyEmail: { code: string; minutes: number };
  resetPassword: { code: string; minutes: number };
  changeEmail: { code: string; minutes: number };
  passwordChanged: Record<string, never>;
  accountBanned: { reason?: string | null };
  digest: TDigestMailData;
}

/** Unread direct messages and mentions of a user who was away, per conversation. */
export interface TDigestMailData {
  /** Messages in the digest (the sum of `conversations[].count`). */
  total: number;
  conversations: Array<{
    /** The other person's name (direct) or the group's or room's. */
    title: string;
    kind: 'direct' | 'group' | 'room';
    count: number;
    /** The latest few, oldest first, already shortened. */
    lines: Array<{ sender: string; text: string }>;
  }>;
  /** Conversations left out of the mail (only the busiest are shown). */
  moreConversations: number;
  openUrl: string;
  unsubscribeUrl: string;
}

export type MailTemplateName = keyof MailTemplateData;
export type MailLanguage = 'en' | 'zh';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** A paragraph, a one-time code shown on its own line in large type, or a link. */
type Block = string | { code: string } | { link: string; label: string };
interface Copy {
  subject: string;
  blocks: Block[];
}

const enMinutes = (minutes: number) => `${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
const enPlural = (count: number, one: string) => `${count} ${one}${count === 1 ? '' : 's'}`;

/** Per conversation: a heading line, then `sender: text` lines. */
function digestBlocks(data: TDigestMailData, heading: (c: TDigestMailData['conversations'][number]) => string): Block[] {
  return data.conversations.flatMap((conversation) => [heading(conversation), ...conversation.lines.map((line) => `${line.sender}: ${line.text}`)]);
}

const copy: { [L in MailLanguage]: { [T in MailTemplateName]: (data: MailTemplateData[T]) => Copy } } = {
  en: {
    verifyEmail: ({ code, minutes }) => ({
      subject: 'Your Chorus verification code',
      blocks: [
        'Use this code to verify your email address on Chorus:',
        { code },
        `It expires in ${enMinutes(minutes)}. If you did not sign up for Chorus, you can ignore this email.`,
      ],
    }),
    resetPassword: ({ code, minutes }) => ({
      subject: 'Reset your Chorus password',
      blocks: [
        'Someone (hopefully you) asked to reset the password of your Chorus account. Use this code:',
        { code },
        `It expires in ${enMinutes(minutes)}. If you did not ask for this, ignore this email: your password stays unchanged.`,
      ],
    }),
    changeEmail: ({ code, minutes }) => ({
      subject: 'Confirm your new Chorus email address',
      blocks: [
        'Use this code to make this address the email of your Chorus account:',
        { code },
        `It expires in ${enMinutes(minutes)}. If you did not ask for this change, ignore this email.`,
      ],
    }),
    passwordChanged: () => ({
      subject: 'Your Chorus password was changed',
      blocks: ['The password of your Chorus account was just changed.', 'If this was not you, reset your password right away and contact us.'],
    }),
    accountBanned: ({ reason }) => ({
      subject: 'Your Chorus account has been suspended',
      blocks: [
        'Your Chorus account has been suspended by an administrator.',
        ...(reason ? [`Reason: ${reason}`] : []),
        'If you think this is a mistake, contact us.',
      ],
    }),
    digest: (data) => ({
      subject: `You have ${enPlural(data.total, 'unread message')} on Chorus`,
      blocks: [
        `While you were away, people wrote to you or mentioned you (${enPlural(data.total, 'message')}):`,
        ...digestBlocks(data, (c) => `${c.kind === 'direct' ? c.title : `${c.title} (mentions)`}: ${enPlural(c.count, 'new message')}`),
        ...(data.moreConversations > 0 ? [`…and ${enPlural(data.moreConversations, 'more conversation')}.`] : []),
        { link: data.openUrl, label: 'Open Chorus' },
        'You get this mail because digests are on in your notification settings.',
        { link: data.unsubscribeUrl, label: 'Stop these emails' },
      ],
    }),
  },
  zh: {
    verifyEmail: ({ code, minutes }) => ({
      subject: '你的 Chorus 验证码',
      blocks: ['请使用以下验证码验证你在 Chorus 的邮箱地址：', { code }, `验证码 ${minutes} 分钟内有效。如果你没有注册 Chorus，请忽略这封邮件。`],
    }),
    resetPassword: ({ code, minutes }) => ({
      subject: '重置你的 Chorus 密码',
      blocks: [
        '有人（希望是你）请求重置你的 Chorus 账户密码。请使用以下验证码：',
        { code },
        `验证码 ${minutes} 分钟内有效。如果这不是你本人的操作，请忽略这封邮件，你的密码不会改变。`,
      ],
    }),
    changeEmail: ({ code, minutes }) => ({
      subject: '确认你的 Chorus 新邮箱地址',
      blocks: ['请使用以下验证码将此地址设为你的 Chorus 账户邮箱：', { code }, `验证码 ${minutes} 分钟内有效。如果这不是你本人的操作，请忽略这封邮件。`],
    }),
    passwordChanged: () => ({
      subject: '你的 Chorus 密码已更改',
      blocks: ['你的 Chorus 账户密码刚刚被更改。', '如果这不是你本人的操作，请立即重置密码并联系我们。'],
    }),
    accountBanned: ({ reason }) => ({
      subject: '你的 Chorus 账户已被停用',
      blocks: ['你的 Chorus 账户已被管理员停用。', ...(reason ? [`原因：${reason}`] : []), '如果你认为这是误会，请联系我们。'],
    }),
    digest: (data) => ({
      subject: `你在 Chorus 有 ${data.total} 条未读消息`,
      blocks: [
        `你不在的时候，有人给你发了消息或提到了你（共 ${data.total} 条）：`,
        ...digestBlocks(data, (c) => `${c.kind === 'direct' ? c.title : `${c.title}（提到你）`}：${c.count} 条新消息`),
        ...(data.moreConversations > 0 ? [`……还有 ${data.moreConversations} 个会话。`] : []),
        { link: data.openUrl, label: '打开 Chorus' },
        '你收到这封邮件，是因为你在通知设置中开启了邮件摘要。',
        { link: data.unsubscribeUrl, label: '不再接收此类邮件' },
      ],
    }),
  },
};

/** `zh`, `zh-CN`, `zh_TW`… get Chinese; anything else (or nothing) gets English. */
export function mailLanguage(locale: string | null | undefined): MailLanguage {
  return locale?.trim().toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => htmlEscapes[char] ?? char);
}

function toHtml(language: MailLanguage, { subject, blocks }: Copy): string {
  const body = blocks
    .map((block) =>
      typeof block === 'string'
        ? `<p style="margin:0 0 16px">${escapeHtml(block)}</p>`
        : 'link' in block
          ? `<p style="margin:0 0 16px"><a href="${escapeHtml(block.link)}">${escapeHtml(block.label)}</a></p>`
          : `<p style="margin:0 0 16px;font-size:28px;font-weight:bold;letter-spacing:6px;font-family:monospace">${escapeHtml(block.code)}</p>`,
    )
    .join('\n');
  return [
    `<!doctype html>`,
    `<html lang="${language}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    `<body style="font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#222">`,
    body,
    `</body></html>`,
  ].join('\n');
}

export function renderMail<T extends MailTemplateName>(template: T, locale: string | null | undefined, data: MailTemplateData[T]): RenderedMail {
  const language = mailLanguage(locale);
  // The mapped `copy` type already ties each renderer to its data; indexing by a generic
  // name loses that link, hence the one cast.
  const render = copy[language][template] as (data: MailTemplateData[T]) => Copy;
  const content = render(data);
  const text = content.blocks.map((block) => (typeof block === 'string' ? block : 'link' in block ? `${block.label}: ${block.link}` : block.code)).join('\n\n');
  return { subject: content.subject, text: `${text}\n`, html: toHtml(language, content) };
}
