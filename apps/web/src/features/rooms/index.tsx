import { useSession } from '../../app/session';
import './rooms.css';
import { RoomsList } from './RoomsList';
import { RoomView } from './RoomView';

/** Watch-together rooms: `/rooms` lists and creates them, `/rooms/:id` is one room. */
export function RoomsScreen({ roomId }: { roomId: number | null }) {
  const me = useSession();
  if (!me) return null;
  if (roomId === null || !Number.isInteger(roomId)) return <RoomsList />;
  return (
    <section className="screen">
      <RoomView key={roomId} roomId={roomId} me={me.user.id} />
    </section>
  );
}
