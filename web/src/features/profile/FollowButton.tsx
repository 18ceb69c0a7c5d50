// Follow / Unfollow for one account: the state changes at once, and comes back with a message if the API
// refuses (a block, a rate limit, the network).
import type { User } from "../../api/types";
import { currentUser } from "../../session";
import { errorMessage } from "../../ui/errors";
import { toast } from "../../ui/toast";
import { t } from "./messages";
import { has, setRelation } from "./relations";

export function FollowButton({ user, onChange }: { user: User; onChange?: (following: boolean) => void }) {
  const me = currentUser.value;
  if (!me || me.id === user.id) return null;
  const following = has("following", user.id);
  const toggle = async () => {
    const next = !following;
    onChange?.(next);
    try {
      await setRelation("following", user.id, next);
    } catch (error) {
      onChange?.(!next);
      const reason = errorMessage(error);
      toast(t(next ? "followFailed" : "unfollowFailed", { username: user.username, reason }), "error");
    }
  };
  return (
    <button
      type="button"
      class={following ? "follow-button is-following" : "primary follow-button"}
      aria-pressed={following}
      data-idle={following ? t("following") : undefined}
      onClick={toggle}
    >
      {/* Following: the button reads "Unfollow" (what it does) and shows "Following" (a CSS ::before with an
          empty alternative text, so the name is the visible label on hover and focus), as Twitter does. */}
      {following ? <span class="follow-label-action">{t("unfollow")}</span> : t("follow")}
    </button>
  );
}
