// Lobby's web console: the service desk, tickets, the dispatch board, residents and the estate.
import "./styles.css";
import { render } from "preact";
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import type { User } from "../gen/lobby/v1/accounts_pb";
import type { Catalog } from "../gen/lobby/v1/common_pb";
import type { EstateRegister } from "../gen/lobby/v1/dispatch_pb";
import { api, Code, errorText, isCode, messageOf, whenSignedOut } from "./api";
import { adoptAccountLanguage, lang, languages, setLang, t, type Lang } from "./i18n";
import { navigate, onLink, useRoute } from "./router";
import { can, estatesOf, rolesIn, SessionContext, type Session } from "./session";
import { zoneLabel } from "./time";
import { SignIn } from "./pages/signin";
import { Desk } from "./pages/desk";
import { TicketList } from "./pages/tickets";
import { TicketPage } from "./pages/ticket";
import { Board } from "./pages/board";
import { ResidentPage, Residents } from "./pages/resident";
import { EstatePage } from "./pages/estate";
import { Incidents } from "./pages/incidents";

const siteKey = "lobby.site";

function App() {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [note, setNote] = useState("");
  const [, setTick] = useState(0);
  useEffect(() => {
    whenSignedOut(() => {
      setNote(t("signedOutNote"));
      setUser(null);
    });
    api.accounts.whoAmI({}).then(
      (u) => {
        adoptAccountLanguage(u.language);
        setUser(u);
      },
      (e) => {
        if (!isCode(e, Code.Unauthenticated)) setNote(messageOf(e));
        setUser(null);
      },
    );
  }, []);
  if (user === undefined) return <p class="loading">{t("loading")}</p>;
  if (user === null)
    return (
      <SignIn
        note={note}
        onSignedIn={(u) => {
          adoptAccountLanguage(u.language);
          setNote("");
          setUser(u);
          setTick((n) => n + 1);
        }}
      />
    );
  return <Console user={user} onSignedOut={() => setUser(null)} />;
}

function Console({ user, onSignedOut }: { user: User; onSignedOut: () => void }) {
  const sites = estatesOf(user);
  const everyEstate = sites.includes("*");
  const [site, setSiteState] = useState<string>(() => {
    const stored = localStorage.getItem(siteKey) ?? "";
    if (stored && (everyEstate || sites.includes(stored))) return stored;
    return sites.find((s) => s !== "*") ?? "";
  });
  const [register, setRegister] = useState<EstateRegister | undefined>();
  const [catalog, setCatalog] = useState<Catalog | undefined>();
  const [problem, setProblem] = useState("");
  const [, setTick] = useState(0);
  const route = useRoute();

  useEffect(() => {
    if (!site) return;
    setRegister(undefined);
    setCatalog(undefined);
    setProblem("");
    api.dispatch.getRegister({ siteId: site }).then(setRegister, (e) => setProblem(errorText(e)));
    api.repairs.getCatalog({ siteId: site }).then(setCatalog, () => {});
  }, [site]);

  const setSite = useCallback((s: string) => {
    localStorage.setItem(siteKey, s);
    setSiteState(s);
  }, []);
  const signOut = useCallback(() => {
    api.accounts.logout({}).finally(onSignedOut);
  }, [onSignedOut]);
  const { roles, member } = rolesIn(user, site);
  const session: Session = useMemo(
    () => ({
      user, site, roles, member, register, catalog,
      tz: register?.timeZone || "UTC",
      setSite, signOut, refresh: () => setTick((n) => n + 1),
    }),
    [user, site, register, catalog, lang()],
  );

  if (!site) return <PickEstate onPick={setSite} />;
  if (route.path === "/report" && route.query.get("export") === "1") {
    // The report alone, as `lobbyctl report monthly` prints or saves it.
    return (
      <SessionContext.Provider value={session}>
        <main id="main" class="export">{register && <Page path={route.path} home="/report" />}</main>
      </SessionContext.Provider>
    );
  }
  const nav: [string, string, boolean][] = [
    ["/desk", t("desk"), can.desk(session)],
    ["/tickets", can.technicianOnly(session) ? t("myWork") : t("tickets"), true],
    ["/board", t("board"), can.board(session)],
    ["/dashboard", t("dashboard"), can.board(session)],
    ["/report", t("report"), can.board(session)],
    ["/residents", t("residents"), can.desk(session)],
    ["/incidents", t("incidents"), true],
    ["/estate", t("estatePages"), !can.technicianOnly(session)],
  ];
  const home = can.desk(session) ? "/desk" : "/tickets";
  return (
    <SessionContext.Provider value={session}>
      <div class="shell" onClick={onLink}>
        <a class="skip" href="#main">{t("skip")}</a>
        <header class="top">
          <a class="brand" href={home}>Lobby</a>
          <nav aria-label="Pages">
            {nav.filter(([, , ok]) => ok).map(([href, label]) => (
              <a href={href} aria-current={route.path.startsWith(href) ? "page" : undefined}>{label}</a>
            ))}
          </nav>
          <div class="me">
            <label>
              <span class="sr">{t("estate")}</span>
              {everyEstate ? (
                <input class="estate-id" value={site} aria-label={t("estate")} size={8}
                  onChange={(e) => setSite((e.target as HTMLInputElement).value.trim())} />
              ) : (
                <select aria-label={t("estate")} value={site}
                  onChange={(e) => setSite((e.target as HTMLSelectElement).value)}>
                  {sites.map((s) => <option value={s}>{s}</option>)}
                </select>
              )}
            </label>
            <select aria-label={t("language")} value={lang()} data-testid="language"
              onChange={(e) => {
                setLang((e.target as HTMLSelectElement).value as Lang);
                session.refresh();
              }}>
              {languages.map((l) => <option value={l.id}>{l.name}</option>)}
            </select>
            <span class="who" title={user.login}>{user.displayName || user.login}</span>
            <button type="button" class="link" onClick={signOut}>{t("signOut")}</button>
          </div>
        </header>
        <p class="zone">{t("timeZone")}: {zoneLabel(session.tz)} · {register?.name || site}</p>
        {problem && <p class="error" role="alert">{problem}</p>}
        <main id="main" tabIndex={-1}>
          <Page path={route.path} home={home} />
        </main>
      </div>
    </SessionContext.Provider>
  );
}

/// To `to`, replacing this address in the history (after rendering, not during it).
function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, true), [to]);
  return null;
}

function Page({ path, home }: { path: string; home: string }) {
  if (path === "/" || path === "/signin") return <Redirect to={home} />;
  const [, section, id] = path.split("/");
  switch (section) {
    case "desk": return <Desk />;
    case "tickets": return id ? <TicketPage id={decodeURIComponent(id)} /> : <TicketList />;
    case "board": return <Board />;
    case "dashboard": return <Lazy load={() => import("./pages/dashboard").then((m) => m.Dashboard)} />;
    case "report": return <Lazy load={() => import("./pages/report").then((m) => m.Report)} />;
    case "residents": return id ? <ResidentPage id={decodeURIComponent(id)} /> : <Residents />;
    case "estate": return <EstatePage />;
    case "incidents": return <Incidents />;
    default: return <p>{t("notFound")}</p>;
  }
}

/// A page whose code (and its libraries) is fetched the first time it is opened.
function Lazy({ load }: { load: () => Promise<() => preact.JSX.Element> }) {
  const [page, setPage] = useState<{ Page: () => preact.JSX.Element } | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    load().then((Page) => setPage({ Page }), (e) => setError(String(e)));
  }, []);
  if (error) return <p class="error" role="alert">{error}</p>;
  return page ? <page.Page /> : <p class="loading">{t("loading")}</p>;
}

function PickEstate({ onPick }: { onPick: (s: string) => void }) {
  const [value, setValue] = useState("");
  return (
    <form class="card narrow" onSubmit={(e) => { e.preventDefault(); if (value.trim()) onPick(value.trim()); }}>
      <h1>{t("pickEstate")}</h1>
      <label>{t("estateId")}<input value={value} required onInput={(e) => setValue((e.target as HTMLInputElement).value)} /></label>
      <button>{t("pickEstate")}</button>
    </form>
  );
}

render(<App />, document.getElementById("app")!);
