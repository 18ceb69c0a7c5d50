// "Edit profile": name, bio, location, website, and the avatar and header images. Images are uploaded
// when saving (POST /api/media, the file to storage, wait until ready), then the profile changes in one
// PATCH /api/users/me naming only what changed (avatar_media_id/banner_media_id null removes an image).
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api/client";
import type { User } from "../../api/types";
import { currentUser } from "../../session";
import { Modal } from "../../ui/Modal";
import { errorMessage } from "../../ui/errors";
import { toast } from "../../ui/toast";
import { t } from "./messages";
import { PROFILE_IMAGE_TYPES, UploadFailed, uploadImage } from "./upload";

type ImageChoice = { kind: "keep" } | { kind: "remove" } | { kind: "new"; file: File; preview: string };

function ImageField(props: {
  id: string;
  label: string;
  current?: string;
  choice: ImageChoice;
  onChoice: (choice: ImageChoice) => void;
  onError: (message: string) => void;
}) {
  const { choice } = props;
  const shown = choice.kind === "new" ? choice.preview : choice.kind === "keep" ? props.current : undefined;
  return (
    <div class={`edit-image edit-image-${props.id}`}>
      {shown ? <img src={shown} alt="" class="edit-image-preview" /> : <div class="edit-image-preview is-empty" />}
      <label for={`edit-${props.id}`}>{props.label}</label>
      <input
        id={`edit-${props.id}`}
        type="file"
        accept={PROFILE_IMAGE_TYPES.join(",")}
        onChange={(event) => {
          const file = (event.currentTarget as HTMLInputElement).files?.[0];
          if (!file) return;
          if (!PROFILE_IMAGE_TYPES.includes(file.type)) {
            props.onError(t("imageType"));
            return;
          }
          props.onChoice({ kind: "new", file, preview: URL.createObjectURL(file) });
        }}
      />
      {shown ? (
        <button type="button" class="button-small" onClick={() => props.onChoice({ kind: "remove" })}>
          {t("removeImage")} <span class="visually-hidden">{props.label}</span>
        </button>
      ) : null}
    </div>
  );
}

export function EditProfile({ user, onClose, onSaved }: { user: User; onClose: () => void; onSaved: (user: User) => void }) {
  const [name, setName] = useState(user.name);
  const [bio, setBio] = useState(user.description);
  const [location, setLocation] = useState(user.location);
  const [url, setUrl] = useState(user.url);
  const [avatar, setAvatar] = useState<ImageChoice>({ kind: "keep" });
  const [banner, setBanner] = useState<ImageChoice>({ kind: "keep" });
  const [status, setStatus] = useState<"idle" | "uploading" | "saving">("idle");
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(
    () => () => {
      if (avatar.kind === "new") URL.revokeObjectURL(avatar.preview);
      if (banner.kind === "new") URL.revokeObjectURL(banner.preview);
    },
    [avatar, banner],
  );

  const imageId = async (choice: ImageChoice): Promise<string | null | undefined> => {
    if (choice.kind === "keep") return undefined;
    if (choice.kind === "remove") return null;
    return uploadImage(choice.file);
  };

  const save = async (event: Event) => {
    event.preventDefault();
    setProblem(null);
    try {
      const change: Record<string, string | null> = {};
      if (name.trim() !== user.name) change.name = name.trim();
      if (bio !== user.description) change.description = bio;
      if (location.trim() !== user.location) change.location = location.trim();
      if (url.trim() !== user.url) change.url = url.trim();
      if (avatar.kind !== "keep" || banner.kind !== "keep") setStatus("uploading");
      const [avatarId, bannerId] = await Promise.all([imageId(avatar), imageId(banner)]);
      if (avatarId !== undefined && !(avatarId === null && !user.profile_image_url)) change.avatar_media_id = avatarId;
      if (bannerId !== undefined && !(bannerId === null && !user.profile_banner_url)) change.banner_media_id = bannerId;
      setStatus("saving");
      let saved = user;
      if (Object.keys(change).length > 0) {
        saved = (await api.patch<{ data: User }>("/api/users/me", change)).data;
        if (currentUser.value?.id === saved.id) currentUser.value = saved;
      }
      toast(t("profileSaved"));
      onSaved(saved);
    } catch (error) {
      setProblem(error instanceof UploadFailed ? t("imageFailed", { reason: error.message }) : errorMessage(error));
      setStatus("idle");
    }
  };

  const busy = status !== "idle";
  return (
    <Modal title={t("editProfile")} onClose={onClose}>
      <form class="edit-profile" onSubmit={save} aria-busy={busy}>
        <ImageField id="banner" label={t("banner")} current={user.profile_banner_url} choice={banner} onChoice={setBanner} onError={setProblem} />
        <ImageField id="avatar" label={t("avatar")} current={user.profile_image_url} choice={avatar} onChoice={setAvatar} onError={setProblem} />
        <label class="field">
          <span>{t("name")}</span>
          <input value={name} required maxLength={50} onInput={(event) => setName(event.currentTarget.value)} />
        </label>
        <label class="field">
          <span>{t("bio")}</span>
          <textarea value={bio} maxLength={160} rows={3} dir="auto" onInput={(event) => setBio(event.currentTarget.value)} />
        </label>
        <label class="field">
          <span>{t("location")}</span>
          <input value={location} maxLength={30} onInput={(event) => setLocation(event.currentTarget.value)} />
        </label>
        <label class="field">
          <span>{t("website")}</span>
          <input type="url" value={url} maxLength={100} placeholder="https://" onInput={(event) => setUrl(event.currentTarget.value)} />
        </label>
        {problem ? (
          <p class="form-error" role="alert">
            {problem}
          </p>
        ) : null}
        <div class="form-actions">
          <button type="button" onClick={onClose}>
            {t("cancel")}
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {status === "uploading" ? t("uploading") : status === "saving" ? t("saving") : t("save")}
          </button>
        </div>
      </form>
    </Modal>
  );
}
