// Sign in with a Lobby account: the session goes into an HttpOnly cookie (docs/accounts.md). A
// reset password is changed here before anything else works.
import { useState } from "preact/hooks";
import type { User } from "../../gen/lobby/v1/accounts_pb";
import { api, messageOf } from "../api";
import { lang, languages, setLang, t, type Lang } from "../i18n";
import { Field, Problem, value } from "../ui";

export function SignIn({ note, onSignedIn }: { note: string; onSignedIn: (u: User) => void }) {
  const [login, setLogin] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [mustChange, setMustChange] = useState<User | null>(null);
  const [fresh, setFresh] = useState("");
  const [, setTick] = useState(0);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      const r = await api.accounts.login({ login, password, totpCode: code, cookie: true });
      if (r.mustChangePassword && r.user) setMustChange(r.user);
      else if (r.user) onSignedIn(r.user);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }
  async function change(e: Event) {
    e.preventDefault();
    try {
      await api.accounts.changePassword({ currentPassword: password, newPassword: fresh });
      onSignedIn(await api.accounts.whoAmI({}));
    } catch (err) {
      setError(messageOf(err));
    }
  }
  const picker = (
    <select aria-label={t("language")} value={lang()} data-testid="language"
      onChange={(e) => { setLang(value(e) as Lang); setTick((n) => n + 1); }}>
      {languages.map((l) => <option value={l.id}>{l.name}</option>)}
    </select>
  );
  if (mustChange)
    return (
      <main class="signin">
        <form class="card narrow" onSubmit={change}>
          <h1>{t("changePassword")}</h1>
          <p>{t("mustChange")}</p>
          <Field label={t("newPassword")}>
            <input type="password" autocomplete="new-password" required value={fresh}
              onInput={(e) => setFresh(value(e))} />
          </Field>
          <Problem text={error} />
          <button>{t("save")}</button>
        </form>
      </main>
    );
  return (
    <main class="signin">
      <form class="card narrow" onSubmit={submit} aria-labelledby="signin-title">
        <div class="row spread"><h1 id="signin-title">Lobby</h1>{picker}</div>
        {note && <p class="note" role="status">{note}</p>}
        <Field label={t("login")}>
          <input name="login" autocomplete="username" required autofocus value={login}
            onInput={(e) => setLogin(value(e))} />
        </Field>
        <Field label={t("password")}>
          <input name="password" type="password" autocomplete="current-password" required
            value={password} onInput={(e) => setPassword(value(e))} />
        </Field>
        <Field label={t("totp")}>
          <input name="totp" inputMode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}"
            value={code} onInput={(e) => setCode(value(e))} />
        </Field>
        <Problem text={error} />
        <button disabled={busy}>{busy ? t("signingIn") : t("signIn")}</button>
      </form>
    </main>
  );
}
