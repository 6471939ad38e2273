// The dispatch board of one team: each member's open work against their capacity, on shift or
// not, the pool, and what is held elsewhere or not routed. Live: every assignment event
// (DispatchService.WatchAssignments) redraws it. A ticket moves by drag and drop onto a person
// or the pool, or by its menu (the keyboard's way); "why" shows dispatch's reasoning.
import { useRef, useState } from "preact/hooks";
import type { Board as BoardData, BoardTicket, Decision } from "../../gen/lobby/v1/dispatch_pb";
import { api, errorText, getTicket, ticketsOf } from "../api";
import { t } from "../i18n";
import { setQuery, useRoute } from "../router";
import { useSession } from "../session";
import { Busy, categoryName, Due, PriorityBadge, Problem, stageName, useLoad, useStream, value } from "../ui";
import { Explanation } from "./ticket";

export function Board() {
  const s = useSession();
  const { query } = useRoute();
  const teams = s.register?.teams ?? [];
  const team = query.get("team") || teams[0]?.team || "";
  const board = useLoad<BoardData>(() => api.dispatch.getBoard({ siteId: s.site, team }), [s.site, team]);
  // People's names for the columns (the board names member ids).
  const estate = useLoad(() => api.dispatch.getEstate({ siteId: s.site }), [s.site]);
  const nameOf = (id: string) => estate.data?.members.find((m) => m.id === id)?.name || id;
  const [moved, setMoved] = useState<string>("");
  const [error, setError] = useState("");
  const [why, setWhy] = useState<{ id: string; d?: Decision; error?: string } | null>(null);
  const reload = useRef(board.reload);
  reload.current = board.reload;

  // Every assignment event of the team redraws the board (one reload for a burst of them).
  const timer = useRef<ReturnType<typeof setTimeout>>();
  const live = useStream((signal) => (team ? api.dispatch.watchAssignments({ siteId: s.site, team }, { signal }) : null), (ev) => {
    setMoved(ev.ticketId);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => reload.current(), 100);
  }, () => reload.current(), [s.site, team]);

  async function move(id: string, assignee: string) {
    setError("");
    try {
      await ticketsOf(id).assign({ id, team, assignee, note: "moved on the dispatch board" });
      board.reload();
    } catch (e) {
      setError(errorText(e));
    }
  }
  const members = board.data?.members.map((m) => m.member) ?? [];
  const card = (x: BoardTicket) => (
    <li class={`card ticket-card${x.breached.length ? " breached" : ""}${x.escalated.length ? " escalated" : ""}${x.emergency ? " emergency" : ""}${x.id === moved ? " moved" : ""}`}
      draggable data-ticket={x.id}
      onDragStart={(e) => e.dataTransfer?.setData("text/plain", x.id)}>
      <div class="row spread">
        <a href={`/tickets/${x.id}`}>{x.id}</a>
        <PriorityBadge priority={x.priority} emergency={x.emergency} />
      </div>
      <p>{categoryName(x.category)} · {x.building}</p>
      {x.breached.length > 0 && <p class="over">{t("breached")}: {x.breached.map(stageName).join(", ")}</p>}
      {x.escalated.length > 0 && <p class="over">{t("escalated")}: {x.escalated.map(stageName).join(", ")}</p>}
      {x.nextDue && <p>{stageName(x.nextStage)}: <Due at={x.nextDue} paused={x.paused} /></p>}
      {x.notRouted && <p class="muted">{x.notRouted}</p>}
      <div class="row">
        <select aria-label={`${t("moveTo")} ${x.id}`} value="" onChange={(e) => { const v = value(e); if (v) move(x.id, v === "-" ? "" : v); }}>
          <option value="">{t("moveTo")}</option>
          <option value="-">{t("pool")}</option>
          {members.filter((m) => m !== x.assignee).map((m) => <option value={m}>{nameOf(m)}</option>)}
        </select>
        <button type="button" class="link" onClick={() => {
          setWhy({ id: x.id });
          getTicket(x.id)
            .then((ticket) => api.dispatch.explain({ ticket }))
            .then((d) => setWhy({ id: x.id, d }), (e) => setWhy({ id: x.id, error: errorText(e) }));
        }}>{t("explain")}</button>
      </div>
    </li>
  );
  const column = (title: string, who: string | null, tickets: BoardTicket[], extra?: preact.ComponentChildren, cls = "") => (
    <section class={`column ${cls}`} data-member={who ?? undefined} aria-label={title}
      onDragOver={(e) => { if (who !== null) e.preventDefault(); }}
      onDrop={(e) => {
        e.preventDefault();
        const id = e.dataTransfer?.getData("text/plain");
        if (id && who !== null) move(id, who === "-" ? "" : who);
      }}>
      <h2>{title}</h2>
      {extra}
      <ul class="plain">{tickets.map(card)}</ul>
    </section>
  );
  return (
    <section aria-labelledby="board-title">
      <div class="row spread">
        <h1 id="board-title">{t("board")}</h1>
        <div class="row">
          <select aria-label={t("team")} value={team} onChange={(e) => setQuery({ team: value(e) })}>
            {teams.map((tm) => <option value={tm.team}>{tm.name || tm.team}</option>)}
          </select>
          <span class={live ? "live on" : "live"} data-testid="board-live">{live ? t("live") : t("reconnecting")}</span>
        </div>
      </div>
      <p class="muted">{t("dragHint")}</p>
      <Problem text={error} />
      {why && (
        <div class="card explain-box" role="dialog" aria-label={t("explain")}>
          <div class="row spread"><h2>{why.id}: {t("explain")}</h2><button type="button" class="link" onClick={() => setWhy(null)}>{t("close")}</button></div>
          {why.d ? <Explanation d={why.d} /> : why.error ? <Problem text={why.error} /> : <p>{t("loading")}</p>}
        </div>
      )}
      <Busy loaded={board}>{() => (
        <div class="board">
          {column(t("poolTitle"), "-", board.data!.pool, undefined, "pool")}
          {board.data!.members.map((m) => column(nameOf(m.member), m.member, m.tickets, (
            <p class="load">
              <meter min={0} max={Math.max(m.capacity, 1)} value={m.tickets.length} aria-label={`${t("load")} ${m.member}`} />
              {" "}{m.tickets.length}/{m.capacity} · <span class={m.onShift ? "on" : "off"}>{m.onShift ? t("onShift") : t("offShift")}</span>
            </p>
          ), m.onShift ? "" : "off-shift"))}
          {board.data!.elsewhere.length > 0 && column(t("elsewhere"), null, board.data!.elsewhere)}
          {board.data!.unrouted.length > 0 && column(t("unrouted"), null, board.data!.unrouted)}
        </div>
      )}</Busy>
    </section>
  );
}
