#include "services/common/permissions.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"

namespace lobby::auth {
namespace {

constexpr Role A = Role::kAdapter, G = Role::kAgent, T = Role::kTechnician, S = Role::kSupervisor,
               M = Role::kManager, D = Role::kAdmin;
constexpr RoleSet kEveryone = {A, G, T, S, M, D};
constexpr RoleSet kStaff = {G, T, S, M, D};
constexpr RoleSet kDesk = {G, S, M, D};
constexpr RoleSet kDeskAndAdapters = {A, G, S, M, D};
constexpr RoleSet kManagement = {M, D};
constexpr RoleSet kService = {D};
constexpr RoleSet kAdapters = {A, D};

constexpr char kOwnTicket[] =
    "a technician only on tickets assigned to them (claim from the pool first); an adapter only "
    "for "
    "the resident (or caller's number) the ticket was reported by";
constexpr char kTicketRead[] =
    "anonymous complainants hidden from agents and technicians; a technician sees the reporter "
    "only "
    "on their own tickets, the phone number only where the estate allows it";

constexpr MethodRoles kTable[] = {
    // ResidentService
    {"lobby.v1.ResidentService/CreateResident", kDesk, ""},
    {"lobby.v1.ResidentService/GetResident", kDeskAndAdapters,
     "technicians read a resident only through their own tickets"},
    {"lobby.v1.ResidentService/UpdateResident", kDeskAndAdapters, ""},
    {"lobby.v1.ResidentService/ListResidents", kDesk, ""},
    {"lobby.v1.ResidentService/ImportResidents", kManagement, ""},
    {"lobby.v1.ResidentService/LinkIdentity", kDesk, ""},
    {"lobby.v1.ResidentService/ResolveIdentity", kDeskAndAdapters, ""},
    {"lobby.v1.ResidentService/ResolvePhone", kDeskAndAdapters,
     "at most 20 residents, for a caller's or texter's number"},
    {"lobby.v1.ResidentService/UnlinkIdentity", kDeskAndAdapters, ""},
    {"lobby.v1.ResidentService/StartVerification", kDeskAndAdapters, ""},
    {"lobby.v1.ResidentService/ConfirmVerification", kDeskAndAdapters, ""},
    {"lobby.v1.ResidentService/MergeResidents", kManagement, ""},
    {"lobby.v1.ResidentService/ListTimeline", kDesk,
     "entries of anonymous complaints for managers and admins only"},
    {"lobby.v1.ResidentService/AppendTimeline", kDeskAndAdapters, ""},
    {"lobby.v1.ResidentService/RequestCallback", kDeskAndAdapters, ""},
    {"lobby.v1.ResidentService/ListCallbacks", kDesk, ""},
    {"lobby.v1.ResidentService/CompleteCallback", kDesk, ""},
    {"lobby.v1.ResidentService/ApplyNotices", kManagement, ""},
    {"lobby.v1.ResidentService/GetNotices", kStaff, ""},
    // RepairService
    {"lobby.v1.RepairService/CreateRepair", kDeskAndAdapters,
     "the reporter must live in the estate"},
    {"lobby.v1.RepairService/GetRepair", kEveryone, kTicketRead},
    {"lobby.v1.RepairService/ListRepairs", kEveryone, kTicketRead},
    {"lobby.v1.RepairService/Assign", kDesk, ""},
    {"lobby.v1.RepairService/Annotate", kService, "dispatch's SLA record: the service token only"},
    {"lobby.v1.RepairService/Transition", kEveryone, kOwnTicket},
    {"lobby.v1.RepairService/ProposeVisit", kStaff,
     "a technician only on tickets assigned to them"},
    {"lobby.v1.RepairService/ConfirmVisit", kDeskAndAdapters,
     "an adapter only for the ticket's reporter"},
    {"lobby.v1.RepairService/AddComment", kEveryone, kOwnTicket},
    {"lobby.v1.RepairService/CountByStatus", kStaff, ""},
    {"lobby.v1.RepairService/CreateIncident", kDesk, ""},
    {"lobby.v1.RepairService/AttachToIncident", kDesk, ""},
    {"lobby.v1.RepairService/ResolveIncident", kDesk, ""},
    {"lobby.v1.RepairService/GetIncident", kEveryone, ""},
    {"lobby.v1.RepairService/ListIncidents", kEveryone, ""},
    {"lobby.v1.RepairService/ApplyCatalog", kManagement, ""},
    {"lobby.v1.RepairService/GetCatalog", kEveryone, ""},
    {"lobby.v1.RepairService/Classify", kEveryone, ""},
    // ComplaintService
    {"lobby.v1.ComplaintService/CreateComplaint", kDeskAndAdapters,
     "the reporter must live in the estate"},
    {"lobby.v1.ComplaintService/GetComplaint", kEveryone, kTicketRead},
    {"lobby.v1.ComplaintService/ListComplaints", kEveryone,
     "a reporter filter finds no anonymous complaint for agents and technicians; otherwise as "
     "GetComplaint"},
    {"lobby.v1.ComplaintService/Assign", kDesk, ""},
    {"lobby.v1.ComplaintService/Annotate", kService,
     "dispatch's SLA record: the service token only"},
    {"lobby.v1.ComplaintService/Transition", kEveryone, kOwnTicket},
    {"lobby.v1.ComplaintService/AddComment", kEveryone, kOwnTicket},
    {"lobby.v1.ComplaintService/RecordFollowUp", kDesk, ""},
    {"lobby.v1.ComplaintService/CountByStatus", kStaff, ""},
    // SurveyService
    {"lobby.v1.SurveyService/GetSurvey", kEveryone,
     "the resident of an anonymous complaint's survey hidden from staff"},
    {"lobby.v1.SurveyService/SubmitResponse", kDeskAndAdapters, ""},
    {"lobby.v1.SurveyService/ListFollowUps", kDesk, "as GetSurvey"},
    {"lobby.v1.SurveyService/CompleteFollowUp", kDesk, ""},
    {"lobby.v1.SurveyService/ApplySettings", kManagement, ""},
    {"lobby.v1.SurveyService/GetSettings", kStaff, ""},
    {"lobby.v1.SurveyService/StartCampaign", kManagement, ""},
    {"lobby.v1.SurveyService/GetTrends", kDesk, ""},
    {"lobby.v1.SurveyService/GetScorecard", kStaff, ""},
    {"lobby.v1.SurveyService/GetBuildingHeatmap", kDesk, ""},
    {"lobby.v1.SurveyService/RepeatFaults", kDesk, ""},
    // DispatchService
    {"lobby.v1.DispatchService/ApplyEstate", kManagement, ""},
    {"lobby.v1.DispatchService/GetEstate", kStaff, ""},
    {"lobby.v1.DispatchService/GetRegister", kEveryone,
     "buildings, floors, units, common areas and team member ids; no contacts"},
    {"lobby.v1.DispatchService/Explain", kDesk, ""},
    {"lobby.v1.DispatchService/Claim", kStaff,
     "a technician only for themself, from their team's pool"},
    {"lobby.v1.DispatchService/Decline", kStaff, "a technician only for themself"},
    {"lobby.v1.DispatchService/Transfer", kStaff, "a technician only their own tickets"},
    {"lobby.v1.DispatchService/Acknowledge", kStaff, "a technician only for themself"},
    {"lobby.v1.DispatchService/GetBoard", kStaff, ""},
    {"lobby.v1.DispatchService/SetDuty", kStaff, "a technician only for themself"},
    {"lobby.v1.DispatchService/WatchAssignments", kStaff, "a technician watches only themself"},
    // HotlineService
    {"lobby.v1.HotlineService/WatchCalls", kDesk, ""},
    {"lobby.v1.HotlineService/GetCall", kDesk, ""},
    {"lobby.v1.HotlineService/LogCall", kDesk, ""},
    {"lobby.v1.HotlineService/ReportCall", kAdapters, "the hotline adapter's events"},
    // AccountService
    {"lobby.v1.AccountService/Login", RoleSet::Public(),
     "no credentials; rate-limited per user and per address"},
    {"lobby.v1.AccountService/Logout", kEveryone, "the caller's own session"},
    {"lobby.v1.AccountService/WhoAmI", kEveryone, ""},
    {"lobby.v1.AccountService/ChangePassword", kStaff, "the caller's own, with the current one"},
    {"lobby.v1.AccountService/CreateUser", kService, ""},
    {"lobby.v1.AccountService/UpdateUser", kService, ""},
    {"lobby.v1.AccountService/GetUser", kStaff, "others than themself: admins only"},
    {"lobby.v1.AccountService/ListUsers", kManagement, "managers: users of their estates"},
    {"lobby.v1.AccountService/ResetPassword", kService, ""},
    {"lobby.v1.AccountService/EnrolTotp", kStaff, "the caller's own"},
    {"lobby.v1.AccountService/ConfirmTotp", kStaff, "the caller's own"},
    {"lobby.v1.AccountService/DisableTotp", kStaff,
     "the caller's own with a current code; another user's: admins"},
    {"lobby.v1.AccountService/ListSessions", kStaff, "another user's: admins"},
    {"lobby.v1.AccountService/RevokeSession", kStaff, "another user's: admins"},
    {"lobby.v1.AccountService/CreateToken", kService, ""},
    {"lobby.v1.AccountService/ListTokens", kService, ""},
    {"lobby.v1.AccountService/RevokeToken", kService, ""},
    {"lobby.v1.AccountService/ListAudit", kManagement, "managers: entries of their estates"},
    // DemoClockService: served only by a lobbyd started with --demo-clock
    {"lobby.v1.DemoClockService/GetClock", kService,
     "served only by a lobbyd started with --demo-clock"},
    {"lobby.v1.DemoClockService/SetClock", kService,
     "served only by a lobbyd started with --demo-clock"},
};

// The methods that change nothing: every other method's calls go to the audit trail.
constexpr absl::string_view kReads[] = {
    "lobby.v1.ResidentService/GetResident",      "lobby.v1.ResidentService/ListResidents",
    "lobby.v1.ResidentService/ResolveIdentity",  "lobby.v1.ResidentService/ResolvePhone",
    "lobby.v1.ResidentService/ListTimeline",     "lobby.v1.ResidentService/ListCallbacks",
    "lobby.v1.ResidentService/GetNotices",       "lobby.v1.RepairService/GetRepair",
    "lobby.v1.RepairService/ListRepairs",        "lobby.v1.RepairService/CountByStatus",
    "lobby.v1.RepairService/GetIncident",        "lobby.v1.RepairService/ListIncidents",
    "lobby.v1.RepairService/GetCatalog",         "lobby.v1.RepairService/Classify",
    "lobby.v1.ComplaintService/GetComplaint",    "lobby.v1.ComplaintService/ListComplaints",
    "lobby.v1.ComplaintService/CountByStatus",   "lobby.v1.SurveyService/GetSurvey",
    "lobby.v1.SurveyService/ListFollowUps",      "lobby.v1.SurveyService/GetSettings",
    "lobby.v1.SurveyService/GetTrends",          "lobby.v1.SurveyService/GetScorecard",
    "lobby.v1.SurveyService/GetBuildingHeatmap", "lobby.v1.SurveyService/RepeatFaults",
    "lobby.v1.DispatchService/GetEstate",        "lobby.v1.DispatchService/GetRegister",
    "lobby.v1.DispatchService/Explain",          "lobby.v1.DispatchService/GetBoard",
    "lobby.v1.DispatchService/WatchAssignments", "lobby.v1.HotlineService/WatchCalls",
    "lobby.v1.HotlineService/GetCall",           "lobby.v1.AccountService/WhoAmI",
    "lobby.v1.AccountService/GetUser",           "lobby.v1.AccountService/ListUsers",
    "lobby.v1.AccountService/ListSessions",      "lobby.v1.AccountService/ListTokens",
    "lobby.v1.AccountService/ListAudit",         "lobby.v1.DemoClockService/GetClock",
};

}  // namespace

absl::Span<const MethodRoles> Permissions() { return kTable; }

absl::Span<const absl::string_view> ReadMethods() { return kReads; }

bool IsRead(absl::string_view method) {
  for (absl::string_view m : kReads) {
    if (m == method) return true;
  }
  return false;
}

RoleSet RolesFor(absl::string_view method) {
  for (const MethodRoles& row : kTable) {
    if (row.method == method) return row.roles;
  }
  std::fprintf(stderr, "permissions: no entry for %.*s in services/common/permissions.cc\n",
               static_cast<int>(method.size()), method.data());
  std::abort();
}

std::string PermissionsMarkdown() {
  static constexpr Role kRoles[] = {A, G, T, S, M, D};
  std::string out =
      "| method | adapter | agent | technician | supervisor | manager | admin | beyond the role "
      "|\n";
  out += "|---|---|---|---|---|---|---|---|\n";
  for (const MethodRoles& row : kTable) {
    absl::string_view m = row.method;
    m.remove_prefix(m.find('.', 6) + 1);  // "RepairService/GetRepair"
    absl::StrAppend(&out, "| `", m, "` |");
    for (Role r : kRoles) {
      absl::StrAppend(&out, row.roles.Has(r) || row.roles.IsPublic() ? " ✓ |" : " |");
    }
    absl::StrAppend(&out, row.beyond.empty() ? "" : absl::StrCat(" ", row.beyond), " |\n");
  }
  return out;
}

}  // namespace lobby::auth
