// A person's page: header (banner, avatar, name, bio, where, since when, counts), what the reader can do
// about them (follow, block, mute; or edit one's own), and their tweets or their likes.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, api } from "../../api/client";
import type { Page, Tweet, User } from "../../api/types";
import { formatDate } from "../../i18n";
import { navigate } from "../../router";
import { currentUser } from "../../session";
import { Avatar } from "../../ui/Avatar";
import { errorMessage } from "../../ui/errors";
import { toast } from "../../ui/toast";
import { TweetList } from "../timeline/TweetList";
import { EditProfile } from "./EditProfile";
import { FollowButton } from "./FollowButton";
import { t } from "./messages";
import { Tabs } from "./Tabs";
import { has, loadRelations, relations, setRelation } from "./relations";

export type ProfileTab = "tweets" | "likes";

type Loaded = { state: "loading" } | { state: "missing" } | { state: "failed"; message: string } | { state: "ready"; user: User };

export function ProfilePage({ username, tab = "tweets" }: { username: string; tab?: ProfileTab | string }) {
  const [loaded, setLoaded] = useState<Loaded>({ state: "loading" });
  const [attempt, setAttempt] = useState(0);
  const me = currentUser.value;

  useEffect(() => {
    let live = true;
    setLoaded({ state: "loading" });
    api
      .get<{ data: User }>(`/api/users/by/username/${encodeURIComponent(username)}`)
      .then((answer) => live && setLoaded({ state: "ready", user: answer.data }))
      .catch((error: unknown) => {
        if (!live) return;
        if (error instanceof ApiError && (error.status === 404 || error.status === 400)) setLoaded({ state: "missing" });
        else setLoaded({ state: "failed", message: errorMessage(error) });
      });
    return () => {
      live = false;
    };
  }, [username, attempt]);

  useEffect(() => {
    if (me) loadRelations(me).catch(() => undefined);
  }, [me?.id]);

  if (loaded.state === "loading") return <p class="notice" aria-busy="true">…</p>;
  if (loaded.state === "missing")
    return (
      <section class="profile-missing">
        <h1>{t("noAccount")}</h1>
        <p>{t("noAccountHint")}</p>
      </section>
    );
  if (loaded.state === "failed")
    return (
      <p class="notice" role="alert">
        {loaded.message}{" "}
        <button type="button" onClick={() => setAttempt(attempt + 1)}>
          ↻
        </button>
      </p>
    );
  return (
    <Profile
      key={loaded.user.id}
      user={loaded.user}
      tab={tab === "likes" ? "likes" : "tweets"}
      onChanged={(user) => {
        setLoaded({ state: "ready", user });
        if (user.username !== username) navigate(`/u/${encodeURIComponent(user.username)}`, { replace: true });
      }}
    />
  );
}

function Profile({ user, tab, onChanged }: { user: User; tab: ProfileTab; onChanged: (user: User) => void }) {
  const me = currentUser.value;
  const own = me?.id === user.id;
  const [editing, setEditing] = useState(false);
  // The followers count as the API answered it counts the reader's follow as it was then; a follow or
  // unfollow made here moves it by one.
  const followingAtLoad = useRef<boolean | null>(null);
  if (followingAtLoad.current === null && relations.value) followingAtLoad.current = has("following", user.id);
  const followingNow = has("following", user.id);
  const followerDelta = followingAtLoad.current === null ? 0 : Number(followingNow) - Number(followingAtLoad.current);
  const blocking = has("blocking", user.id);
  const muting = has("muting", user.id);
  const metrics = user.public_metrics;
  const base = `/u/${encodeURIComponent(user.username)}`;

  const toggle = async (kind: "blocking" | "muting") => {
    const on = !(kind === "blocking" ? blocking : muting);
    try {
      await setRelation(kind, user.id, on);
      const done = kind === "blocking" ? (on ? "blocked" : "unblocked") : on ? "muted" : "unmuted";
      toast(t(done, { username: user.username }));
    } catch (error) {
      toast(t("actionFailed", { reason: errorMessage(error) }), "error");
    }
  };

  const load = (cursor?: string) =>
    api.get<Page<Tweet>>(tab === "likes" ? `/api/users/${user.id}/liked_tweets` : `/api/users/${user.id}/tweets`, { cursor });

  return (
    <div class="profile">
      <header class="profile-header">
        <div class="profile-banner">{user.profile_banner_url ? <img src={user.profile_banner_url} alt="" /> : null}</div>
        <div class="profile-top">
          <div class="profile-avatar">
            <Avatar user={user} size={112} />
          </div>
          <div class="profile-actions">
            {own ? (
              <button type="button" onClick={() => setEditing(true)}>
                {t("editProfile")}
              </button>
            ) : me ? (
              <>
                {blocking ? null : <FollowButton user={user} />}
                <button type="button" onClick={() => toggle("muting")}>
                  {muting ? t("unmute") : t("mute")}
                </button>
                <button type="button" class={blocking ? "danger" : undefined} onClick={() => toggle("blocking")}>
                  {blocking ? t("unblock") : t("block")}
                </button>
              </>
            ) : null}
          </div>
        </div>
        <h1 class="profile-name" dir="auto">
          {user.name}
        </h1>
        <p class="profile-username muted">
          <span dir="ltr">@{user.username}</span>
        </p>
        {user.description ? (
          <p class="profile-bio" dir="auto">
            {user.description}
          </p>
        ) : null}
        <p class="profile-facts muted">
          {user.location ? (
            <span class="profile-location" dir="auto">
              {user.location}
            </span>
          ) : null}
          {user.url ? (
            <a class="profile-url" href={user.url} rel="noopener noreferrer nofollow ugc" target="_blank">
              {user.url.replace(/^https?:\/\//, "")}
            </a>
          ) : null}
          <span class="profile-joined">
            {t("joined", { date: formatDate(user.created_at, { month: "long", year: "numeric" }) })}
          </span>
        </p>
        <ul class="profile-counts">
          <li data-testid="followers-count">{t("followersCount", { count: Math.max(0, metrics.followers_count + followerDelta) })}</li>
          <li data-testid="following-count">{t("followingCount", { count: metrics.following_count })}</li>
          <li data-testid="tweets-count">{t("tweetsCount", { count: metrics.tweet_count })}</li>
          <li data-testid="likes-count">{t("likesCount", { count: metrics.like_count })}</li>
        </ul>
        {blocking ? (
          <p class="notice" role="note">
            {t("blockedNote", { username: user.username })}
          </p>
        ) : null}
      </header>
      <Tabs
        prefix="profile"
        label={t("profileTabs")}
        current={tab}
        tabs={[
          { id: "tweets", href: base, label: t("tweets") },
          { id: "likes", href: `${base}/likes`, label: t("likes") },
        ]}
      />
      <div role="tabpanel" id="profile-panel" aria-labelledby={`profile-tab-${tab}`}>
        <TweetList
          key={`${user.id}:${tab}`}
          load={load}
          label={tab === "likes" ? t("likes") : t("tweets")}
          empty={tab === "likes" ? t("noLikes") : t("noTweets")}
        />
      </div>
      {editing ? (
        <EditProfile
          user={user}
          onClose={() => setEditing(false)}
          onSaved={(saved) => {
            setEditing(false);
            onChanged(saved);
          }}
        />
      ) : null}
    </div>
  );
}
