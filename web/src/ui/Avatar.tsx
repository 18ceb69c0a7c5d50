import { t } from "./messages";

/** A user's picture, or their initial on a colour of their own when they have none. */
export function Avatar({ user, size = 48 }: { user: { name: string; username: string; profile_image_url?: string }; size?: number }) {
  const style = { width: `${size}px`, height: `${size}px` };
  if (user.profile_image_url) {
    return <img class="avatar" src={user.profile_image_url} alt={t("avatarOf", { name: user.name })} style={style} loading="lazy" />;
  }
  let hue = 0;
  for (const char of user.username) hue = (hue * 31 + char.charCodeAt(0)) % 360;
  return (
    <span class="avatar avatar-initial" aria-hidden="true" style={{ ...style, background: `hsl(${hue} 45% 40%)`, fontSize: `${size / 2.2}px` }}>
      {Array.from(user.name || user.username)[0]?.toUpperCase()}
    </span>
  );
}
