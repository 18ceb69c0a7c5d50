// "5 min ago" that stays true: formatRelative reads the i18n module's `clock` signal, which one timer for
// the whole page advances, so every relative time re-renders together (not one timer per tweet). The
// title and datetime carry the exact moment, in the reader's locale and time zone.
import { formatDate, formatRelative } from "../../i18n";

export function RelativeTime({ when }: { when: string }) {
  return (
    <time dateTime={when} title={formatDate(when)}>
      {formatRelative(when)}
    </time>
  );
}
