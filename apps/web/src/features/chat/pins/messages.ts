import { defineMessages } from '../../../i18n/i18n';

export const pinMessages = defineMessages({
  en: {
    pin: 'Pin',
    unpin: 'Unpin',
    pinned: 'Pinned',
    pinnedMessages: 'Pinned messages',
    pinnedCount: '{count} pinned',
    unpinMessage: 'Unpin “{text}”',
  },
  zh: {
    pin: '置顶',
    unpin: '取消置顶',
    pinned: '已置顶',
    pinnedMessages: '置顶消息',
    pinnedCount: '{count} 条置顶',
    unpinMessage: '取消置顶“{text}”',
  },
});
