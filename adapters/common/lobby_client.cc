#include "adapters/common/lobby_client.h"

#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/auth.h"
#include "services/common/grpc_server.h"
#include "services/common/proto_util.h"
#include "services/common/status.h"
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
    return std::make_unique<GrpcLobbyApi>(
        [&runtime](const std::string& service) { return runtime.AddressOf(service); },
        token.empty() ? runtime.service_token() : token);
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

void GrpcLobbyApi::Connect() {
  std::lock_guard lock(mu_);
  if (residents_) return;
  // Services at the same address share one channel.
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels;
  auto channel = [&](const std::string& service) {
    std::string addr = addr_(service);
    auto& c = channels[addr];
    if (!c) c = Dial(addr);
    return c;
  };
  residents_ = v1::ResidentService::NewStub(channel("residents"));
  repairs_ = v1::RepairService::NewStub(channel("repairs"));
  complaints_ = v1::ComplaintService::NewStub(channel("complaints"));
  surveys_ = v1::SurveyService::NewStub(channel("surveys"));
  dispatch_ = v1::DispatchService::NewStub(channel("dispatch"));
}

namespace {
template <typename Stub, typename Req, typename Resp>
absl::StatusOr<Resp> Call(Stub& stub,
                          grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                          const Req& req, const std::string& token,
                          const std::string& acting_for = "") {
  grpc::ClientContext ctx;
  PrepareClientContext(ctx, token, absl::Seconds(5));
  if (!acting_for.empty()) ctx.AddMetadata(auth::kActingForHeader, acting_for);
  Resp resp;
  grpc::Status s = (stub.*method)(&ctx, req, &resp);
  if (!s.ok()) return FromGrpcStatus(s);
  return resp;
}
}  // namespace

absl::StatusOr<std::optional<v1::Resident>> GrpcLobbyApi::Resolve(v1::Channel channel,
                                                                  const std::string& user) {
  Connect();
  v1::ResolveIdentityRequest req;
  req.set_channel(channel);
  req.set_external_id(user);
  auto r = Call(*residents_, &v1::ResidentService::Stub::ResolveIdentity, req, token_);
  if (absl::IsNotFound(r.status())) return std::nullopt;
  if (!r.ok()) return r.status();
  if (!r->identity().verified()) return std::nullopt;
  return r->resident();
}

absl::StatusOr<v1::Ticket> GrpcLobbyApi::GetTicket(const std::string& id) {
  Connect();
  v1::GetTicketRequest req;
  req.set_id(id);
  if (absl::StartsWith(id, "C-"))
    return Call(*complaints_, &v1::ComplaintService::Stub::GetComplaint, req, token_);
  return Call(*repairs_, &v1::RepairService::Stub::GetRepair, req, token_);
}

absl::StatusOr<std::vector<v1::Ticket>> GrpcLobbyApi::ListMine(const v1::Resident& resident,
                                                               int limit) {
  Connect();
  v1::ListTicketsRequest req;
  req.set_site_id(resident.unit().site_id());
  req.set_reporter_resident_id(resident.id());
  req.set_page_size(limit);
  LOBBY_ASSIGN_OR_RETURN(auto repairs,
                         Call(*repairs_, &v1::RepairService::Stub::ListRepairs, req, token_));
  LOBBY_ASSIGN_OR_RETURN(
      auto complaints,
      Call(*complaints_, &v1::ComplaintService::Stub::ListComplaints, req, token_));
  std::vector<v1::Ticket> all(repairs.tickets().begin(), repairs.tickets().end());
  all.insert(all.end(), complaints.tickets().begin(), complaints.tickets().end());
  std::sort(all.begin(), all.end(), [](const v1::Ticket& a, const v1::Ticket& b) {
    return FromTimestamp(a.created_at()) > FromTimestamp(b.created_at());
  });
  if (static_cast<int>(all.size()) > limit) all.resize(limit);
  return all;
}

absl::StatusOr<v1::Ticket> GrpcLobbyApi::CreateComplaint(const v1::CreateTicketRequest& req) {
  Connect();
  return Call(*complaints_, &v1::ComplaintService::Stub::CreateComplaint, req, token_);
}

absl::StatusOr<v1::StartVerificationResponse> GrpcLobbyApi::StartVerification(
    const v1::StartVerificationRequest& req) {
  Connect();
  return Call(*residents_, &v1::ResidentService::Stub::StartVerification, req, token_);
}

absl::StatusOr<v1::Resident> GrpcLobbyApi::ConfirmVerification(
    const v1::ConfirmVerificationRequest& req) {
  Connect();
  LOBBY_ASSIGN_OR_RETURN(
      auto r, Call(*residents_, &v1::ResidentService::Stub::ConfirmVerification, req, token_));
  return r.resident();
}

absl::StatusOr<v1::CallbackTask> GrpcLobbyApi::RequestCallback(
    const v1::RequestCallbackRequest& req) {
  Connect();
  return Call(*residents_, &v1::ResidentService::Stub::RequestCallback, req, token_);
}

absl::StatusOr<v1::Classification> GrpcLobbyApi::Classify(const std::string& site,
                                                          const std::string& text) {
  Connect();
  v1::ClassifyRequest req;
  req.set_site_id(site);
  req.set_text(text);
  return Call(*repairs_, &v1::RepairService::Stub::Classify, req, token_);
}

absl::StatusOr<v1::EstateRegister> GrpcLobbyApi::GetRegister(const std::string& site) {
  Connect();
  v1::GetEstateRequest req;
  req.set_site_id(site);
  return Call(*dispatch_, &v1::DispatchService::Stub::GetRegister, req, token_);
}

absl::StatusOr<v1::Catalog> GrpcLobbyApi::GetCatalog(const std::string& site) {
  Connect();
  v1::GetCatalogRequest req;
  req.set_site_id(site);
  return Call(*repairs_, &v1::RepairService::Stub::GetCatalog, req, token_);
}

absl::StatusOr<v1::Ticket> GrpcLobbyApi::CreateRepair(const v1::CreateTicketRequest& req) {
  Connect();
  return Call(*repairs_, &v1::RepairService::Stub::CreateRepair, req, token_);
}

absl::Status GrpcLobbyApi::SubmitSurvey(const v1::SubmitResponseRequest& req) {
  Connect();
  return Call(*surveys_, &v1::SurveyService::Stub::SubmitResponse, req, token_).status();
}

absl::StatusOr<v1::ResolvePhoneResponse> GrpcLobbyApi::ResolvePhone(const std::string& phone) {
  Connect();
  v1::ResolvePhoneRequest req;
  req.set_phone(phone);
  return Call(*residents_, &v1::ResidentService::Stub::ResolvePhone, req, token_);
}

absl::StatusOr<std::vector<v1::Resident>> GrpcLobbyApi::FindByPhone(const std::string& phone) {
  LOBBY_ASSIGN_OR_RETURN(auto r, ResolvePhone(phone));
  return std::vector<v1::Resident>(r.residents().begin(), r.residents().end());
}

absl::Status GrpcLobbyApi::AddComment(const std::string& ticket, const std::string& text,
                                      bool internal, const std::string& acting_for) {
  Connect();
  v1::AddCommentRequest req;
  req.set_id(ticket);
  req.set_text(text);
  req.set_internal(internal);
  if (absl::StartsWith(ticket, "C-")) {
    return Call(*complaints_, &v1::ComplaintService::Stub::AddComment, req, token_, acting_for)
        .status();
  }
  return Call(*repairs_, &v1::RepairService::Stub::AddComment, req, token_, acting_for).status();
}

absl::Status GrpcLobbyApi::SetOptedOut(const std::string& resident, v1::Channel channel,
                                       bool opted_out) {
  Connect();
  for (int attempt = 0;;
       ++attempt) {  // read, change, write with the version read; again if it moved on
    v1::GetResidentRequest get;
    get.set_id(resident);
    LOBBY_ASSIGN_OR_RETURN(auto r,
                           Call(*residents_, &v1::ResidentService::Stub::GetResident, get, token_));
    v1::UpdateResidentRequest req;
    req.set_expected_version(r.version());
    req.mutable_update_mask()->add_paths("opted_out_channels");
    req.mutable_resident()->set_id(r.id());
    bool has = false;
    for (int c : r.opted_out_channels()) {
      if (c == channel)
        has = true;
      else
        req.mutable_resident()->add_opted_out_channels(static_cast<v1::Channel>(c));
    }
    if (has == opted_out) return absl::OkStatus();
    if (opted_out) req.mutable_resident()->add_opted_out_channels(channel);
    auto done = Call(*residents_, &v1::ResidentService::Stub::UpdateResident, req, token_);
    if (!absl::IsAborted(done.status()) || attempt == 3) return done.status();
  }
}

absl::Status GrpcLobbyApi::AppendTimeline(const v1::AppendTimelineRequest& req) {
  Connect();
  auto done = Call(*residents_, &v1::ResidentService::Stub::AppendTimeline, req, token_);
  return absl::IsAlreadyExists(done.status()) ? absl::OkStatus() : done.status();
}

absl::StatusOr<v1::Survey> GrpcLobbyApi::GetSurvey(const std::string& ticket) {
  Connect();
  v1::GetSurveyRequest req;
  req.set_ticket_id(ticket);
  return Call(*surveys_, &v1::SurveyService::Stub::GetSurvey, req, token_);
}

absl::StatusOr<v1::Resident> GrpcLobbyApi::GetResident(const std::string& id) {
  Connect();
  v1::GetResidentRequest req;
  req.set_id(id);
  return Call(*residents_, &v1::ResidentService::Stub::GetResident, req, token_);
}

absl::StatusOr<Recipient> GrpcLobbyApi::PhoneOf(const std::string& resident) {
  LOBBY_ASSIGN_OR_RETURN(auto r, GetResident(resident));
  if (r.phones().empty())
    return absl::NotFoundError(absl::StrCat(resident, " has no phone number"));
  return Recipient{r.phones(0), r.language()};
}

absl::Status GrpcLobbyApi::RecordDelivery(const std::string& resident, v1::Channel channel,
                                          const queue::Entry& m) {
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
  req.set_idempotency_key(absl::StrCat(
      "delivered:", ChannelName(channel), ":",
      m.Get("idempotency_key").empty() ? m.id : std::string(m.Get("idempotency_key"))));
  return AppendTimeline(req);
}

absl::StatusOr<Recipient> GrpcLobbyApi::IdentityOf(const std::string& resident,
                                                   v1::Channel channel) {
  Connect();
  v1::GetResidentRequest req;
  req.set_id(resident);
  LOBBY_ASSIGN_OR_RETURN(auto r,
                         Call(*residents_, &v1::ResidentService::Stub::GetResident, req, token_));
  for (const auto& i : r.identities()) {
    if (i.channel() == channel && i.verified()) return Recipient{i.external_id(), r.language()};
  }
  return absl::NotFoundError(absl::StrCat(resident, " has no verified identity on this channel"));
}

}  // namespace lobby::adapters
