import { lazy, Suspense } from 'react';
import { AuthScreen } from '../features/auth/AuthScreen';
import { CallLayer } from '../features/calls';
import { AiScreen } from '../features/ai';
import { ChatScreen } from '../features/chat';
import { NotificationsScreen } from '../features/notifications';
import { useT } from '../i18n/i18n';
import { EventsProvider } from './events';
import { shellMessages } from './messages';
import { match, usePathname } from './router';
import { useSession } from './session';
import { Shell } from './Shell';

export function App() {
  const me = useSession();
  if (me === undefined) return <Loading />;
  if (me === null) return <AuthScreen />;
  return (
    <EventsProvider>
      <Shell me={me}>
        <Suspense fallback={<Loading />}>
          <Screen isAdmin={me.user.role === 'admin'} />
        </Suspense>
      </Shell>
      <CallLayer />
    </EventsProvider>
  );
}

// The chat screen is the first one most people see; the others load when opened (the AI and
// notifications features split themselves: their entry modules hold small always-shown parts).
const AdminScreen = lazy(() => import('../features/admin').then((m) => ({ default: m.AdminScreen })));
const FriendsScreen = lazy(() => import('../features/friends').then((m) => ({ default: m.FriendsScreen })));
const RoomsScreen = lazy(() => import('../features/rooms').then((m) => ({ default: m.RoomsScreen })));
const SettingsScreen = lazy(() => import('../features/account').then((m) => ({ default: m.SettingsScreen })));

const id = (params: Record<string, string> | null) => (params?.id ? Number(params.id) : null);

/** The signed-in app's routes. */
function Screen({ isAdmin }: { isAdmin: boolean }) {
  const pathname = usePathname();
  const t = useT(shellMessages);
  if (pathname === '/' || pathname === '/signin' || pathname === '/signup' || match('/chat/:id', pathname)) {
    return <ChatScreen conversationId={id(match('/chat/:id', pathname))} />;
  }
  if (pathname === '/friends') return <FriendsScreen />;
  if (pathname === '/rooms' || match('/rooms/:id', pathname)) return <RoomsScreen roomId={id(match('/rooms/:id', pathname))} />;
  if (pathname === '/ai' || match('/ai/:id', pathname)) {
    const page = pathname === '/ai/providers' ? 'providers' : pathname === '/ai/images' ? 'images' : 'chat';
    return <AiScreen page={page} conversationId={page === 'chat' ? id(match('/ai/:id', pathname)) : null} />;
  }
  if (pathname === '/notifications') return <NotificationsScreen />;
  if (pathname === '/settings') return <SettingsScreen />;
  if (pathname === '/admin' && isAdmin) return <AdminScreen />;
  return (
    <section className="screen">
      <h1>{t('notFound')}</h1>
    </section>
  );
}

function Loading() {
  const t = useT(shellMessages);
  return (
    <p className="loading" role="status">
      {t('loading')}
    </p>
  );
}
