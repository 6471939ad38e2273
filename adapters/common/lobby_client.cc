#include "adapters/common/lobby_client.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/proto_util.h"
#include "services/common/status_macros.h"

namespace lobby::adapters {

void DeclareLobbyClient(config::Settings& settings) {
  settings.Declare("adapter-token", "",
                   "the token adapters call Lobby with (default: the process's service token)",
                   true);
}

void DeclarePublicUrl(config::Settings& settings) {
  settings.Declare("public-url", "http://localhost:7080",
                   "the adapters' public base URL (photo links in tickets)");
}

GrpcLobbyApi& SharedLobbyApi(const config::Settings& settings, Runtime& runtime) {
  return runtime.Shared<GrpcLobbyApi>([&] {
    const std::string& token = settings.Get("adapter-token");
    return std::make_unique<GrpcLobbyApi>(runtime.client_env(token));
  });
}

void ServedEstates::Declare(config::Settings& settings) {
  settings.Declare("chat-sites", "",
                   "the estates (site ids, comma-separated) the chat bot serves: new residents "
                   "link a flat there");
  settings.Declare("chat-timezone", "Asia/Hong_Kong",
                   "the time zone of estates without an estate YAML applied (an estate's own "
                   "time_zone wins): visit windows and times are shown in it");
}

absl::StatusOr<ServedEstates> ServedEstates::From(const config::Settings& settings) {
  ServedEstates out;
  for (absl::string_view site :
       absl::StrSplit(settings.Get("chat-sites"), ',', absl::SkipWhitespace())) {
    std::string id(absl::StripAsciiWhitespace(site));
    if (absl::Status s = ValidateSiteId(id); !s.ok())
      return settings.Invalid("chat-sites", std::string(s.message()));
    out.sites.push_back(id);
  }
  if (out.sites.empty())
    return settings.Invalid("chat-sites",
                            "name the estates the chat bot serves (site ids, comma-separated)");
  if (!absl::LoadTimeZone(settings.Get("chat-timezone"), &out.time_zone))
    return settings.Invalid("chat-timezone", "an IANA time zone, e.g. Asia/Hong_Kong");
  return out;
}

absl::StatusOr<std::optional<v1::Resident>> GrpcLobbyApi::Resolve(v1::Channel channel,
                                                                  const std::string& user) {
  LOBBY_ASSIGN_OR_RETURN(auto sender, Identify(channel, user));
  return std::move(sender.resident);
}

absl::StatusOr<Sender> GrpcLobbyApi::Identify(v1::Channel channel, const std::string& user) {
  auto r = residents_.ResolveIdentity(channel, user, /*seen=*/true);
  if (absl::IsNotFound(r.status())) return Sender{};
  if (!r.ok()) return r.status();
  if (r->has_staff()) return Sender{std::nullopt, r->staff()};
  if (!r->identity().verified()) return Sender{};
  return Sender{r->resident(), std::nullopt};
}

namespace {
std::string ActingFor(const v1::StaffIdentity& who) { return "member:" + who.member(); }
}  // namespace

absl::StatusOr<v1::StaffIdentity> GrpcLobbyApi::ConfirmStaff(
    const v1::ConfirmVerificationRequest& req) {
  LOBBY_ASSIGN_OR_RETURN(auto r, residents_.ConfirmVerification(req));
  if (!r.has_staff()) return absl::FailedPreconditionError("that code linked a resident");
  return r.staff();
}

absl::StatusOr<v1::Ticket> GrpcLobbyApi::Job(const v1::StaffIdentity& who,
                                             const std::string& ticket) {
  return tickets_.GetFor(ticket, ActingFor(who));
}

absl::StatusOr<v1::Ticket> GrpcLobbyApi::Act(const v1::StaffIdentity& who,
                                             const v1::TransitionRequest& req) {
  return tickets_.Transition(req, ActingFor(who));
}

absl::StatusOr<v1::Ticket> GrpcLobbyApi::Dispatch(const v1::StaffIdentity& who,
                                                  dispatch::Client::Action action,
                                                  const std::string& ticket,
                                                  const std::string& reason) {
  v1::MemberActionRequest req;
  req.set_ticket_id(ticket);
  req.set_reason(reason);
  return dispatch_.Act(action, req, ActingFor(who));
}

absl::StatusOr<v1::BoardMember> GrpcLobbyApi::SetDuty(const v1::StaffIdentity& who, bool on) {
  return dispatch_.SetDuty(who.site_id(), on, ActingFor(who));
}

absl::StatusOr<std::vector<v1::Board>> GrpcLobbyApi::Boards(const v1::StaffIdentity& who) {
  LOBBY_ASSIGN_OR_RETURN(auto reg, dispatch_.GetRegister(who.site_id()));
  std::vector<v1::Board> out;
  for (const auto& team : reg.teams()) {
    if (std::find(team.members().begin(), team.members().end(), who.member()) ==
        team.members().end())
      continue;
    LOBBY_ASSIGN_OR_RETURN(auto board,
                           dispatch_.GetBoard(who.site_id(), team.team(), ActingFor(who)));
    out.push_back(std::move(board));
  }
  return out;
}

absl::StatusOr<v1::Ticket> GrpcLobbyApi::GetTicket(const std::string& id) {
  return tickets_.Get(id);
}

absl::StatusOr<std::vector<v1::Ticket>> GrpcLobbyApi::ListMine(const v1::Resident& resident,
                                                               int limit) {
  return tickets_.ListReportedBy(resident, limit);
}

absl::StatusOr<v1::Ticket> GrpcLobbyApi::CreateComplaint(const v1::CreateTicketRequest& req) {
  return tickets_.Create("complaint", req);
}

absl::StatusOr<v1::Ticket> GrpcLobbyApi::CreateRepair(const v1::CreateTicketRequest& req) {
  return tickets_.Create("repair", req);
}

absl::StatusOr<v1::StartVerificationResponse> GrpcLobbyApi::StartVerification(
    const v1::StartVerificationRequest& req) {
  return residents_.StartVerification(req);
}

absl::StatusOr<v1::Resident> GrpcLobbyApi::ConfirmVerification(
    const v1::ConfirmVerificationRequest& req) {
  LOBBY_ASSIGN_OR_RETURN(auto r, residents_.ConfirmVerification(req));
  return r.resident();
}

absl::StatusOr<v1::CallbackTask> GrpcLobbyApi::RequestCallback(
    const v1::RequestCallbackRequest& req) {
  return residents_.RequestCallback(req);
}

absl::StatusOr<v1::Classification> GrpcLobbyApi::Classify(const std::string& site,
                                                          const std::string& text) {
  return tickets_.Classify(site, text);
}

absl::StatusOr<v1::EstateRegister> GrpcLobbyApi::GetRegister(const std::string& site) {
  return dispatch_.GetRegister(site);
}

absl::StatusOr<v1::Catalog> GrpcLobbyApi::GetCatalog(const std::string& site) {
  return tickets_.Catalog(site);
}

absl::Status GrpcLobbyApi::SubmitSurvey(const v1::SubmitResponseRequest& req) {
  return surveys_.Submit(req);
}

absl::StatusOr<std::vector<v1::Resident>> GrpcLobbyApi::FindByPhone(const std::string& phone) {
  LOBBY_ASSIGN_OR_RETURN(auto r, residents_.ResolvePhone(phone));
  return std::vector<v1::Resident>(r.residents().begin(), r.residents().end());
}

absl::Status GrpcLobbyApi::AddComment(const std::string& ticket, const std::string& text,
                                      bool internal, const std::string& acting_for) {
  v1::AddCommentRequest req;
  req.set_id(ticket);
  req.set_text(text);
  req.set_internal(internal);
  return tickets_.AddComment(ticket, req, acting_for);
}

absl::StatusOr<v1::Ticket> GrpcLobbyApi::ConfirmVisit(const std::string& ticket,
                                                      const std::string& resident) {
  return tickets_.ConfirmVisit(ticket, "resident:" + resident);
}

absl::Status GrpcLobbyApi::SetOptedOut(const std::string& resident, v1::Channel channel,
                                       bool opted_out) {
  return residents_.SetOptedOut(resident, channel, opted_out);
}

absl::Status GrpcLobbyApi::AppendTimeline(const v1::AppendTimelineRequest& req) {
  return residents_.AppendTimeline(req);
}

absl::StatusOr<v1::Resident> GrpcLobbyApi::GetResident(const std::string& id) {
  return residents_.Get(id);
}

absl::StatusOr<Recipient> GrpcLobbyApi::PhoneOf(const std::string& resident) {
  LOBBY_ASSIGN_OR_RETURN(auto r, GetResident(resident));
  if (r.phones().empty())
    return absl::NotFoundError(absl::StrCat(resident, " has no phone number"));
  return Recipient{r.phones(0), r.language()};
}

absl::Status GrpcLobbyApi::RecordDelivery(const std::string& resident, v1::Channel channel,
                                          const queue::Entry& m, absl::string_view undeliverable) {
  v1::AppendTimelineRequest req;
  req.set_resident_id(resident);
  v1::TimelineEntry* e = req.mutable_entry();
  e->set_kind(v1::TimelineEntry::KIND_MESSAGE_OUT);
  e->set_channel(channel);
  std::string text(m.Get("text"));
  if (text.empty())
    text = std::string(m.Get("kind"));  // safety instructions: every language; say what it was
  e->set_text(text.substr(0, 2000));
  e->set_ticket_id(std::string(m.Get("ticket_id")));
  e->set_actor("lobby");
  (*e->mutable_attributes())["kind"] = std::string(m.Get("kind"));
  if (!undeliverable.empty()) {
    (*e->mutable_attributes())["delivery"] = "undeliverable";
    (*e->mutable_attributes())["why"] = std::string(undeliverable.substr(0, 200));
  }
  req.set_idempotency_key(absl::StrCat(
      "delivered:", ChannelName(channel), ":",
      m.Get("idempotency_key").empty() ? m.id : std::string(m.Get("idempotency_key"))));
  return AppendTimeline(req);
}

absl::StatusOr<Recipient> GrpcLobbyApi::IdentityOf(const std::string& resident,
                                                   v1::Channel channel) {
  LOBBY_ASSIGN_OR_RETURN(auto r, GetResident(resident));
  for (const auto& i : r.identities()) {
    if (i.channel() == channel && i.verified()) return Recipient{i.external_id(), r.language()};
  }
  return absl::NotFoundError(absl::StrCat(resident, " has no verified identity on this channel"));
}

}  // namespace lobby::adapters
