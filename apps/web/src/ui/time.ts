/** Short, locale-aware times for message lists: "14:05" today, "Mar 3" otherwise. */
export function shortTime(date: Date, locale: string): string {
  const today = new Date();
  const sameDay = date.toDateString() === today.toDateString();
  return sameDay
    ? date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleDateString(locale, { month: 'short', day: 'numeric' });
}
