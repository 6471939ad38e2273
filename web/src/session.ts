// Who is signed in, in which estate, with which roles there; the estate's register and catalog
// (time zone, buildings, teams, category names) that every page reads.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { User } from "../gen/lobby/v1/accounts_pb";
import type { Catalog } from "../gen/lobby/v1/common_pb";
import type { EstateRegister } from "../gen/lobby/v1/dispatch_pb";

export interface Session {
  user: User;
  site: string;               // the estate open now
  roles: Set<string>;         // the user's roles in it
  member: string;             // their dispatch member id there ("" none)
  register?: EstateRegister;
  catalog?: Catalog;
  tz: string;                 // the estate's time zone
  setSite: (site: string) => void;
  signOut: () => void;
  refresh: () => void;        // re-render after a language change
}

export const SessionContext = createContext<Session | null>(null);
export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("no session");
  return s;
}

/// The estates the user may open: their grants' estates ("*" for every estate).
export function estatesOf(user: User): string[] {
  return user.grants.map((g) => g.siteId);
}

export function rolesIn(user: User, site: string): { roles: Set<string>; member: string } {
  const roles = new Set<string>();
  let member = "";
  for (const g of user.grants) {
    if (g.siteId !== site && g.siteId !== "*") continue;
    g.roles.forEach((r) => roles.add(r));
    if (g.siteId === site && g.memberId) member = g.memberId;
  }
  return { roles, member };
}

// The role sets of services/common/permissions.cc the console's pages follow.
const deskRoles = ["agent", "supervisor", "manager", "admin"];
const boardRoles = ["supervisor", "manager", "admin"];
const managementRoles = ["manager", "admin"];
const holds = (s: Session, roles: string[]) => roles.some((r) => s.roles.has(r));

export const can = {
  desk: (s: Session) => holds(s, deskRoles),
  board: (s: Session) => holds(s, boardRoles),
  assign: (s: Session) => holds(s, deskRoles),  // Assign and Explain: the desk's roles
  manage: (s: Session) => holds(s, managementRoles),
  technicianOnly: (s: Session) => s.roles.has("technician") && !holds(s, deskRoles),
};
