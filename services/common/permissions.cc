#include "services/common/permissions.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"

namespace lobby::auth {
namespace {

constexpr Role A = Role::kAdapter, G = Role::kAgent, T = Role::kTechnician, M = Role::kManager,
               D = Role::kAdmin;
constexpr RoleSet kEveryone = {A, G, T, M, D};
constexpr RoleSet kStaff = {G, T, M, D};
constexpr RoleSet kDesk = {G, M, D};
constexpr RoleSet kDeskAndAdapters = {A, G, M, D};
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
};

}  // namespace

absl::Span<const MethodRoles> Permissions() { return kTable; }

RoleSet RolesFor(absl::string_view method) {
  for (const MethodRoles& row : kTable) {
    if (row.method == method) return row.roles;
  }
  std::fprintf(stderr, "permissions: no entry for %.*s in services/common/permissions.cc\n",
               static_cast<int>(method.size()), method.data());
  std::abort();
}

std::string PermissionsMarkdown() {
  static constexpr Role kRoles[] = {A, G, T, M, D};
  std::string out =
      "| method | adapter | agent | technician | manager | admin | beyond the role |\n";
  out += "|---|---|---|---|---|---|---|\n";
  for (const MethodRoles& row : kTable) {
    absl::string_view m = row.method;
    m.remove_prefix(m.find('.', 6) + 1);  // "RepairService/GetRepair"
    absl::StrAppend(&out, "| `", m, "` |");
    for (Role r : kRoles) absl::StrAppend(&out, row.roles.Has(r) ? " ✓ |" : " |");
    absl::StrAppend(&out, row.beyond.empty() ? "" : absl::StrCat(" ", row.beyond), " |\n");
  }
  return out;
}

}  // namespace lobby::auth
