import { describe, expect, it } from 'vitest';
import { backoffDelay } from './mail-worker';
import { escapeHtml, mailLanguage, renderMail } from './templates';

describe('mail templates', () => {
  it('chooses Chinese for any zh locale and English otherwise', () => {
    expect(['zh', 'zh-CN', 'zh_TW', 'ZH-hant'].map(mailLanguage)).toEqual(['zh', 'zh', 'zh', 'zh']);
    expect(['en', 'en-US', 'fr', '', null, undefined].map(mailLanguage)).toEqual(['en', 'en', 'en', 'en', 'en', 'en']);

    const zh = renderMail('verifyEmail', 'zh-CN', { code: '123456', minutes: 10 });
    expect(zh.subject).toBe('你的 Chorus 验证码');
    expect(zh.text).toContain('10 分钟');
    expect(zh.html).toContain('lang="zh"');

    const en = renderMail('verifyEmail', 'de-DE', { code: '123456', minutes: 10 });
    expect(en.subject).toBe('Your Chorus verification code');
    expect(en.text).toContain('expires in 10 minutes');
    expect(renderMail('resetPassword', 'en', { code: '123456', minutes: 1 }).text).toContain('1 minute.');
  });

  it('puts the code in the bodies but never in the subject', () => {
    for (const template of ['verifyEmail', 'resetPassword', 'changeEmail'] as const) {
      for (const locale of ['en', 'zh']) {
        const mail = renderMail(template, locale, { code: '904512', minutes: 15 });
        expect(mail.subject).not.toContain('904512');
        expect(mail.text).toContain('904512');
        expect(mail.html).toContain('904512');
      }
    }
  });

  it('renders notices with no code', () => {
    expect(renderMail('passwordChanged', 'en', {}).subject).toBe('Your Chorus password was changed');
    expect(renderMail('passwordChanged', 'zh', {}).subject).toBe('你的 Chorus 密码已更改');
    expect(renderMail('accountBanned', 'en', {}).text).not.toContain('Reason');
    expect(renderMail('accountBanned', 'zh', { reason: '垃圾信息' }).text).toContain('原因：垃圾信息');
  });

  it('escapes user-controlled text in html and leaves the text part as written', () => {
    const reason = `<script>alert("x")</script> & 'friends'`;
    const mail = renderMail('accountBanned', 'en', { reason });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;friends&#39;');
    expect(mail.text).toContain(`Reason: ${reason}`);
    expect(escapeHtml(`a<b>&"'`)).toBe('a&lt;b&gt;&amp;&quot;&#39;');
  });

  it('renders the digest per conversation with escaped names, lines and links', () => {
    const data = {
      total: 3,
      conversations: [
        { title: 'Mallory <img>', kind: 'direct' as const, count: 2, lines: [{ sender: 'Mallory <img>', text: '"hi" & <script>' }] },
        { title: 'Team', kind: 'group' as const, count: 1, lines: [{ sender: 'Ann', text: '@you look' }] },
      ],
      moreConversations: 1,
      openUrl: 'https://chat.example/',
      unsubscribeUrl: 'https://chat.example/unsubscribe?token=1.2.a&b',
    };
    const en = renderMail('digest', 'en', data);
    expect(en.subject).toBe('You have 3 unread messages on Chorus');
    expect(en.text).toContain('Mallory <img>: 2 new messages\n\nMallory <img>: "hi" & <script>');
    expect(en.text).toContain('Team (mentions): 1 new message');
    expect(en.text).toContain('…and 1 more conversation.');
    expect(en.html).not.toMatch(/<img|<script/);
    expect(en.html).toContain('<a href="https://chat.example/unsubscribe?token=1.2.a&amp;b">Stop these emails</a>');
    const zh = renderMail('digest', 'zh-CN', data);
    expect(zh.subject).toBe('你在 Chorus 有 3 条未读消息');
    expect(zh.text).toContain('Team（提到你）：1 条新消息');
    expect(zh.text).toContain('不再接收此类邮件: https://chat.example/unsubscribe?token=1.2.a&b');
  });
});

describe('backoffDelay', () => {
  const policy = { baseMs: 2_000, maxMs: 600_000 };

  it('doubles per failure within ±20 % and caps at the maximum', () => {
    expect(backoffDelay(1, policy, () => 0.5)).toBe(2_000);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(8_000);
    expect(backoffDelay(3, policy, () => 0)).toBe(6_400);
    expect(backoffDelay(3, policy, () => 1)).toBe(9_600);
    expect(backoffDelay(20, policy, () => 1)).toBe(600_000);
  });
});
