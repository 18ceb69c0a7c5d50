// One account in a list (search's People, settings' blocked and muted accounts): avatar, name, @username,
// bio, and an action (Follow by default).
import type { ComponentChildren } from "preact";
import type { User } from "../../api/types";
import { Link } from "../../router";
import { Avatar } from "../../ui/Avatar";
import { FollowButton } from "./FollowButton";

export function UserRow({ user, action }: { user: User; action?: ComponentChildren }) {
  const href = `/u/${encodeURIComponent(user.username)}`;
  return (
    <li class="user-row" data-testid="user-row">
      <Link href={href} class="user-row-avatar" tabIndex={-1} aria-hidden="true">
        <Avatar user={user} size={48} />
      </Link>
      <div class="user-row-body">
        <Link href={href} class="user-row-name">
          <bdi>{user.name}</bdi> <span class="muted" dir="ltr">@{user.username}</span>
        </Link>
        {user.description ? (
          <p class="user-row-bio" dir="auto">
            {user.description}
          </p>
        ) : null}
      </div>
      <div class="user-row-action">{action === undefined ? <FollowButton user={user} /> : action}</div>
    </li>
  );
}
