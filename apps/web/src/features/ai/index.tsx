import { lazy } from 'react';

// The chat composer shows SuggestReplies on the first screen: this module stays small, and the
// rest of the AI feature loads when one of its pages is opened.
export { SuggestReplies } from './SuggestReplies';

const Screen = lazy(() => import('./AiScreen'));

export function AiScreen(props: { conversationId: number | null; page: 'chat' | 'providers' | 'images' }) {
  return <Screen {...props} />;
}
