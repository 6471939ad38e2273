// Small pieces every page uses: loading a call's answer, badges, times and deadlines.
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { Channel, Priority, TicketStatus, type Unit } from "../gen/lobby/v1/common_pb";
import { api, Code, errorText, isCode } from "./api";
import { nameIn, t, type Key } from "./i18n";
import { useSession } from "./session";
import { minutesUntil, when } from "./time";

export interface Loaded<T> {
  data?: T;
  error: string;
  loading: boolean;
  reload: () => void;
}

/// Calls `load` when `deps` change; `reload()` calls it again.
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error: string; loading: boolean }>({
    error: "", loading: true,
  });
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: "", loading: false }),
      (e) => live && setState({ error: errorText(e), loading: false }),
    );
    return () => { live = false; };
  }, [...deps, n]);
  const reload = useCallback(() => setN((x) => x + 1), []);
  return { ...state, reload };
}

/// The page's error, said where the person looks.
export function Problem({ text }: { text: string }) {
  return text ? <p class="error" role="alert">{text}</p> : null;
}

export function Busy({ loaded, children }: { loaded: Loaded<unknown>; children: () => ComponentChildren }) {
  if (loaded.error) return <Problem text={loaded.error} />;
  if (loaded.data === undefined) return <p class="loading">{t("loading")}</p>;
  return <>{children()}</>;
}

export function statusName(s: TicketStatus): string {
  return TicketStatus[s]?.replace("TICKET_STATUS_", "") ?? "";
}
export function StatusBadge({ status }: { status: TicketStatus }) {
  const name = statusName(status);
  return <span class={`badge st-${name.toLowerCase()}`}>{t(`s_${name}` as Key)}</span>;
}
export function statusFromName(name: string): TicketStatus {
  return (TicketStatus as unknown as Record<string, TicketStatus>)[`TICKET_STATUS_${name.toUpperCase()}`] ??
    TicketStatus.UNSPECIFIED;
}

export function PriorityBadge({ priority, emergency }: { priority: Priority; emergency?: boolean }) {
  if (!priority) return null;
  return (
    <span class={`badge p${priority}`}>
      P{priority}{emergency ? ` · ${t("emergency")}` : ""}
    </span>
  );
}

/// A flat as people write it: "Tower 1 3/F A".
export function unitText(u?: Unit): string {
  return u ? `${u.building} ${u.floor}/F ${u.room}` : "";
}

export function channelName(c: Channel): string {
  return (Channel[c] ?? "").toLowerCase().replace("unspecified", "");
}

export function Time({ at }: { at?: Timestamp }) {
  const { tz } = useSession();
  const text = when(at, tz);
  return text ? <time>{text}</time> : null;
}

export function useNow(everyMs = 15000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}

/// "in 23 min" / "12 min overdue", with the deadline's local time.
export function Due({ at, paused }: { at?: Timestamp; paused?: boolean }) {
  const { tz } = useSession();
  const now = useNow();
  const left = minutesUntil(at, now);
  if (left === undefined) return null;
  const span = Math.abs(left) >= 120 ? `${Math.round(Math.abs(left) / 60)} h` : `${Math.abs(left)} ${t("minutes")}`;
  return (
    <span class={left < 0 ? "due over" : left < 30 ? "due soon" : "due"}>
      {when(at, tz)} · {paused ? t("paused") : t(left < 0 ? "overdue" : "left").replace("{n}", span)}
    </span>
  );
}

/// An SLA stage ("acknowledge", "arrive", ...) in the person's language.
export function stageName(stage: string): string {
  return t(`st_${stage}` as Key) || stage;  // a stage the console has no word for: as it is
}

export function categoryName(id: string): string {
  const { catalog } = useSession();
  const c = catalog?.categories.find((x) => x.id === id);
  return nameIn(c?.names, id);
}

export function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return <label class="field"><span>{label}</span>{children}</label>;
}

export function value(e: Event): string {
  return (e.target as HTMLInputElement).value;
}

const residentNames = new Map<string, Promise<string>>();
/// A resident's name, looked up once per page load; their id until it comes (or if it may not).
export function ResidentName({ id }: { id: string }) {
  const [name, setName] = useState(id);
  useEffect(() => {
    let p = residentNames.get(id);
    if (!p) {
      p = api.residents.getResident({ id }).then((r) => r.name || id, () => id);
      residentNames.set(id, p);
    }
    let live = true;
    p.then((n) => live && setName(n));
    return () => { live = false; };
  }, [id]);
  return <>{name}</>;
}

/// Follows a server stream while the page shows it: each message to `onMessage`; after a break it
/// reconnects (0.5 s, doubling to 10 s) and calls `onReconnect` for what it may have missed. A
/// signed-out or refused stream ends (the former back to the sign-in page), and so does one
/// `open` gives none of. Returns whether it is connected now.
export function useStream<T>(open: (signal: AbortSignal) => AsyncIterable<T> | null, onMessage: (m: T) => void,
  onReconnect: () => void, deps: unknown[]): boolean {
  const [live, setLive] = useState(false);
  const handlers = useRef({ onMessage, onReconnect });
  handlers.current = { onMessage, onReconnect };
  useEffect(() => {
    const stop = new AbortController();
    (async () => {
      let wait = 500;
      while (!stop.signal.aborted) {
        try {
          const stream = open(stop.signal);
          if (!stream) return;  // nothing to follow (yet)
          setLive(true);
          wait = 500;
          for await (const m of stream) handlers.current.onMessage(m);
        } catch (e) {
          if (stop.signal.aborted) return;
          if (isCode(e, Code.Unauthenticated) || isCode(e, Code.PermissionDenied)) {
            errorText(e);
            setLive(false);
            return;
          }
        }
        setLive(false);
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(wait * 2, 10000);
        if (!stop.signal.aborted) handlers.current.onReconnect();
      }
    })();
    return () => stop.abort();
  }, deps);
  return live;
}
