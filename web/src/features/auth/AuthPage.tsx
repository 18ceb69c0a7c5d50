// Signing up and logging in. The forms are plain HTML forms (labels, autocomplete hints, native
// validation first), and what the API refuses is shown next to the form, in its words.
import { useState } from "preact/hooks";
import { Link, navigate } from "../../router";
import { logIn, signUp } from "../../session";
import { errorMessage } from "../../ui/errors";
import { t } from "./messages";

export function AuthPage({ mode }: { mode: "signup" | "login" }) {
  return (
    <div class="auth">
      <div class="auth-brand">
        <span class="logo" aria-hidden="true">
          🐦
        </span>
        <p class="tagline">{t("tagline")}</p>
      </div>
      {mode === "signup" ? <SignUpForm /> : <LogInForm />}
    </div>
  );
}

function useSubmit(action: (form: FormData) => Promise<void>) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action(new FormData(event.currentTarget as HTMLFormElement));
      navigate("/", { replace: true });
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, onSubmit };
}

function SignUpForm() {
  const { error, busy, onSubmit } = useSubmit((form) =>
    signUp({
      username: String(form.get("username")),
      email: String(form.get("email")),
      password: String(form.get("password")),
      name: String(form.get("name") ?? "").trim() || undefined,
    }),
  );
  return (
    <form class="card auth-form" onSubmit={onSubmit} aria-labelledby="auth-title" aria-busy={busy}>
      <h1 id="auth-title">{t("signUpTitle")}</h1>
      <label>
        {t("username")}
        <input name="username" required maxLength={15} pattern="[A-Za-z0-9_]{1,15}" autoComplete="username" aria-describedby="username-hint" />
      </label>
      <small id="username-hint">{t("usernameHint")}</small>
      <label>
        {t("displayName")}
        <input name="name" maxLength={50} autoComplete="name" />
      </label>
      <label>
        {t("email")}
        <input name="email" type="email" required autoComplete="email" />
      </label>
      <label>
        {t("password")}
        <input name="password" type="password" required minLength={8} autoComplete="new-password" aria-describedby="password-hint" />
      </label>
      <small id="password-hint">{t("passwordHint")}</small>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy}>
        {busy ? t("working") : t("signUp")}
      </button>
      <p>
        {t("haveAccount")} <Link href="/login">{t("logIn")}</Link>
      </p>
    </form>
  );
}

function LogInForm() {
  const { error, busy, onSubmit } = useSubmit((form) => logIn(String(form.get("login")), String(form.get("password"))));
  return (
    <form class="card auth-form" onSubmit={onSubmit} aria-labelledby="auth-title" aria-busy={busy}>
      <h1 id="auth-title">{t("logInTitle")}</h1>
      <label>
        {t("login")}
        <input name="login" required autoComplete="username" />
      </label>
      <label>
        {t("password")}
        <input name="password" type="password" required autoComplete="current-password" />
      </label>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy}>
        {busy ? t("working") : t("logIn")}
      </button>
      <p>
        {t("noAccount")} <Link href="/signup">{t("createAccount")}</Link>
      </p>
    </form>
  );
}
