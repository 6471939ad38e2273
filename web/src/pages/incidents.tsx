// Incidents (a burst pipe, a power cut): each with the tickets attached to it.
import { IncidentStatus } from "../../gen/lobby/v1/repairs_pb";
import { api } from "../api";
import { t } from "../i18n";
import { useRoute } from "../router";
import { useSession } from "../session";
import { Busy, categoryName, Time, useLoad } from "../ui";

export function Incidents() {
  const s = useSession();
  const { query } = useRoute();
  const focus = query.get("id") ?? "";
  const list = useLoad(() => api.repairs.listIncidents({ siteId: s.site, includeResolved: true }).then((r) => r.incidents), [s.site]);
  return (
    <section aria-labelledby="incidents-title">
      <h1 id="incidents-title">{t("incidents")}</h1>
      <Busy loaded={list}>{() => list.data!.length === 0 ? <p class="muted">{t("none")}</p> : (
        <ul class="plain">
          {list.data!.map((i) => (
            <li class={`card${i.id === focus ? " focus" : ""}`} id={i.id}>
              <h2>{i.id} · {i.title} <span class="badge">{i.status === IncidentStatus.OPEN ? t("open") : t("resolved")}</span></h2>
              <p>{categoryName(i.category)} · {i.buildings.join(", ") || t("any")} · <Time at={i.createdAt} />
                {i.expectedAt && <> · {t("expectedAt")}: <Time at={i.expectedAt} /></>}</p>
              {i.description && <p class="prose">{i.description}</p>}
              {i.resolution && <p>{t("resolution")}: {i.resolution} (<Time at={i.resolvedAt} />)</p>}
              <p>{t("ticketsOf")}: {i.ticketIds.map((id) => <><a href={`/tickets/${id}`}>{id}</a> </>)}</p>
            </li>
          ))}
        </ul>
      )}</Busy>
    </section>
  );
}
