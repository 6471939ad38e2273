// The typed clients of Lobby's services, over the Connect protocol on this origin. The session
// is the HttpOnly cookie the gateway sets at login: the page never sees the token (but for the
// report's export, below).
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { AccountService } from "../gen/lobby/v1/accounts_pb";
import type { Ticket } from "../gen/lobby/v1/common_pb";
import { ComplaintService } from "../gen/lobby/v1/complaints_pb";
import { DispatchService } from "../gen/lobby/v1/dispatch_pb";
import { HotlineService } from "../gen/lobby/v1/hotline_pb";
import { RepairService } from "../gen/lobby/v1/repairs_pb";
import { ResidentService } from "../gen/lobby/v1/residents_pb";
import { SurveyService } from "../gen/lobby/v1/surveys_pb";

// `lobbyctl report monthly` opens the report with a short-lived token in the address's fragment
// (#token=..., never sent to a server): it is read once, taken out of the address, kept in
// memory only and sent as the bearer. Otherwise there is none, and the cookie is the session.
const fragment = new URLSearchParams(globalThis.location?.hash.slice(1) ?? "");
const bearer = fragment.get("token") ?? "";
if (bearer) history.replaceState(null, "", location.pathname + location.search);

const transport = createConnectTransport({
  baseUrl: globalThis.location?.origin ?? "",
  useBinaryFormat: true,
  fetch: (input, init) => {
    if (!bearer) return fetch(input, { ...init, credentials: "same-origin" });
    const headers = new Headers(init?.headers);
    headers.set("Authorization", `Bearer ${bearer}`);
    return fetch(input, { ...init, headers, credentials: "omit" });
  },
});

export const api = {
  accounts: createClient(AccountService, transport),
  repairs: createClient(RepairService, transport),
  complaints: createClient(ComplaintService, transport),
  dispatch: createClient(DispatchService, transport),
  hotline: createClient(HotlineService, transport),
  residents: createClient(ResidentService, transport),
  surveys: createClient(SurveyService, transport),
};

/// A ticket's own service: repairs are "R-...", complaints "C-...".
export function ticketsOf(id: string): Client<typeof RepairService> | Client<typeof ComplaintService> {
  return id.startsWith("C-") ? api.complaints : api.repairs;
}

type ListRequest = Parameters<typeof api.repairs.listRepairs>[0];

/// A page of repairs, complaints, or both ("all": a page of each, newest first; the page token
/// holds both lists' tokens, "repairs|complaints").
export async function listTickets(kind: string, req: ListRequest): Promise<{ tickets: Ticket[]; nextPageToken: string }> {
  if (kind === "complaint") return api.complaints.listComplaints(req);
  if (kind !== "all") return api.repairs.listRepairs(req);
  const [rt, ct] = (req.pageToken ?? "").split("|");
  const first = !req.pageToken;
  const [r, c] = await Promise.all([
    first || rt ? api.repairs.listRepairs({ ...req, pageToken: rt ?? "" }) : undefined,
    first || ct ? api.complaints.listComplaints({ ...req, pageToken: ct ?? "" }) : undefined,
  ]);
  const tickets = [...(r?.tickets ?? []), ...(c?.tickets ?? [])]
    .sort((a, b) => Number((b.createdAt?.seconds ?? 0n) - (a.createdAt?.seconds ?? 0n)));
  const next = r?.nextPageToken || c?.nextPageToken ? `${r?.nextPageToken ?? ""}|${c?.nextPageToken ?? ""}` : "";
  return { tickets, nextPageToken: next };
}

/// A ticket by its id, from its own service.
export function getTicket(id: string) {
  return id.startsWith("C-") ? api.complaints.getComplaint({ id }) : api.repairs.getRepair({ id });
}

let onSignedOut: () => void = () => {};
/// Called when any call finds the session gone (expired, revoked, logged out elsewhere).
export function whenSignedOut(f: () => void) {
  onSignedOut = f;
}

/// The service's own sentence for an error, as the person should read it.
export function messageOf(e: unknown): string {
  if (e instanceof ConnectError) return e.rawMessage || Code[e.code];
  if (e instanceof Error) return e.message;
  return String(e);
}

/// messageOf, and back to the sign-in page when the session is gone.
export function errorText(e: unknown): string {
  if (isCode(e, Code.Unauthenticated)) onSignedOut();
  return messageOf(e);
}

export function isCode(e: unknown, code: Code): boolean {
  return e instanceof ConnectError && e.code === code;
}
export { Code };
