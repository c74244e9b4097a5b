import { defineMessages, useT } from '../../i18n/i18n';

const messages = defineMessages({ en: { title: 'Rooms' }, zh: { title: '放映室' } });

export function RoomsScreen(props: { roomId: number | null }) {
  const t = useT(messages);
  return (
    <section className="screen" data-id={props.roomId ?? undefined} aria-labelledby="rooms-title">
      <h1 id="rooms-title">{t('title')}</h1>
    </section>
  );
}
