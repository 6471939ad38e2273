#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/config.h"
#include "services/common/queue.h"
#include "services/common/runtime.h"
#include "services/dispatch/client.h"
#include "services/residents/client.h"
#include "services/surveys/client.h"
#include "services/tickets/client.h"

namespace lobby::adapters {

/// A resident's id on a chat channel (their verified identity there) and their language.
struct Recipient {
  std::string id;
  std::string language;
};

/// Who writes from a channel identity: a resident, a staff member, or (both empty) nobody known.
struct Sender {
  std::optional<v1::Resident> resident;
  std::optional<v1::StaffIdentity> staff;
};

/// What the adapters need of Lobby (the gRPC API, with the adapter's token): the conversation,
/// SMS texting and the hotline take this interface; tests give them fakes.
class LobbyApi {
 public:
  virtual ~LobbyApi() = default;
  /// The resident bound to this identity, or nothing.
  virtual absl::StatusOr<std::optional<v1::Resident>> Resolve(v1::Channel channel,
                                                              const std::string& user) = 0;
  /// Who sent an inbound message (or read one of Lobby's): the resident or the staff member
  /// bound to this identity, in one call where Lobby answers both at once (by default the
  /// resident only). A resident counts as having seen their notices now.
  virtual absl::StatusOr<Sender> Identify(v1::Channel channel, const std::string& user) {
    auto r = Resolve(channel, user);
    if (!r.ok()) return r.status();
    return Sender{*std::move(r), std::nullopt};
  }
  /// A repair ("R-...") or a complaint ("C-...").
  virtual absl::StatusOr<v1::Ticket> GetTicket(const std::string& id) = 0;
  /// The resident's latest repairs and complaints, newest first.
  virtual absl::StatusOr<std::vector<v1::Ticket>> ListMine(const v1::Resident& resident,
                                                           int limit) = 0;
  virtual absl::StatusOr<v1::Classification> Classify(const std::string& site,
                                                      const std::string& text) = 0;
  virtual absl::StatusOr<v1::Catalog> GetCatalog(const std::string& site) = 0;
  /// The estate's register (buildings, floors, flats, common areas); empty without one.
  virtual absl::StatusOr<v1::EstateRegister> GetRegister(const std::string& site) = 0;
  virtual absl::StatusOr<v1::Ticket> CreateRepair(const v1::CreateTicketRequest& request) = 0;
  virtual absl::StatusOr<v1::Ticket> CreateComplaint(const v1::CreateTicketRequest& request) = 0;
  virtual absl::Status SubmitSurvey(const v1::SubmitResponseRequest& request) = 0;
  virtual absl::StatusOr<v1::StartVerificationResponse> StartVerification(
      const v1::StartVerificationRequest& request) = 0;
  virtual absl::StatusOr<v1::Resident> ConfirmVerification(
      const v1::ConfirmVerificationRequest& request) = 0;
  virtual absl::StatusOr<v1::CallbackTask> RequestCallback(
      const v1::RequestCallbackRequest& request) = 0;
  /// The residents with this number (E.164) on file, in any estate.
  virtual absl::StatusOr<std::vector<v1::Resident>> FindByPhone(const std::string& phone) = 0;
  /// A comment on a repair or complaint; `internal`: for staff only. `acting_for` names whom the
  /// adapter writes for: "resident:ID", "phone:NUMBER" or, for an internal note, "staff:NAME"
  /// (the service refuses a comment on a ticket that person did not report).
  virtual absl::Status AddComment(const std::string& ticket, const std::string& text, bool internal,
                                  const std::string& acting_for) = 0;
  /// Confirms the visit window proposed for the resident's repair (RepairService.ConfirmVisit).
  virtual absl::StatusOr<v1::Ticket> ConfirmVisit(const std::string& ticket,
                                                  const std::string& resident) = 0;
  /// Adds `channel` to (or removes it from) the resident's opted_out_channels.
  virtual absl::Status SetOptedOut(const std::string& resident, v1::Channel channel,
                                   bool opted_out) = 0;
};

/// What a staff member does from the chat, through the owning services, acting for them
/// ("member:ID": the services treat the call as that technician's own).
class StaffApi {
 public:
  virtual ~StaffApi() = default;
  /// Links the chat identity of the verification (started with StartVerification and
  /// staff_site_id) to the member.
  virtual absl::StatusOr<v1::StaffIdentity> ConfirmStaff(
      const v1::ConfirmVerificationRequest& request) = 0;
  /// A ticket as the member may see it.
  virtual absl::StatusOr<v1::Ticket> Job(const v1::StaffIdentity& who,
                                         const std::string& ticket) = 0;
  /// RepairService / ComplaintService.Transition.
  virtual absl::StatusOr<v1::Ticket> Act(const v1::StaffIdentity& who,
                                         const v1::TransitionRequest& request) = 0;
  /// DispatchService.Claim, Acknowledge (a P1's "I take it": the first one wins) or Decline.
  virtual absl::StatusOr<v1::Ticket> Dispatch(const v1::StaffIdentity& who,
                                              dispatch::Client::Action action,
                                              const std::string& ticket,
                                              const std::string& reason) = 0;
  /// The boards of the member's teams: their open jobs, and the pools they may claim from.
  virtual absl::StatusOr<std::vector<v1::Board>> Boards(const v1::StaffIdentity& who) = 0;
  /// On or off duty today (DispatchService.SetDuty).
  virtual absl::StatusOr<v1::BoardMember> SetDuty(const v1::StaffIdentity& who, bool on) = 0;
};

/// Declares --adapter-token (every adapter calls Lobby with it).
void DeclareLobbyClient(config::Settings& settings);
/// Declares --public-url: the adapters' public base URL (links to photos in tickets).
void DeclarePublicUrl(config::Settings& settings);

/// Lobby's gRPC API as the adapters use it, through the services' typed clients, with the
/// adapter's token.
class GrpcLobbyApi final : public LobbyApi, public StaffApi {
 public:
  explicit GrpcLobbyApi(const ClientEnv& env)
      : residents_(env), tickets_(env), surveys_(env), dispatch_(env) {}
  absl::StatusOr<std::optional<v1::Resident>> Resolve(v1::Channel channel,
                                                      const std::string& user) override;
  absl::StatusOr<Sender> Identify(v1::Channel channel, const std::string& user) override;
  // StaffApi
  absl::StatusOr<v1::StaffIdentity> ConfirmStaff(
      const v1::ConfirmVerificationRequest& request) override;
  absl::StatusOr<v1::Ticket> Job(const v1::StaffIdentity& who, const std::string& ticket) override;
  absl::StatusOr<v1::Ticket> Act(const v1::StaffIdentity& who,
                                 const v1::TransitionRequest& request) override;
  absl::StatusOr<v1::Ticket> Dispatch(const v1::StaffIdentity& who, dispatch::Client::Action action,
                                      const std::string& ticket,
                                      const std::string& reason) override;
  absl::StatusOr<std::vector<v1::Board>> Boards(const v1::StaffIdentity& who) override;
  absl::StatusOr<v1::BoardMember> SetDuty(const v1::StaffIdentity& who, bool on) override;
  absl::StatusOr<v1::Ticket> GetTicket(const std::string& id) override;
  absl::StatusOr<std::vector<v1::Ticket>> ListMine(const v1::Resident& resident,
                                                   int limit) override;
  absl::StatusOr<v1::Ticket> CreateComplaint(const v1::CreateTicketRequest& request) override;
  absl::StatusOr<v1::StartVerificationResponse> StartVerification(
      const v1::StartVerificationRequest& request) override;
  absl::StatusOr<v1::Resident> ConfirmVerification(
      const v1::ConfirmVerificationRequest& request) override;
  absl::StatusOr<v1::CallbackTask> RequestCallback(
      const v1::RequestCallbackRequest& request) override;
  absl::StatusOr<v1::Classification> Classify(const std::string& site,
                                              const std::string& text) override;
  absl::StatusOr<v1::Catalog> GetCatalog(const std::string& site) override;
  absl::StatusOr<v1::EstateRegister> GetRegister(const std::string& site) override;
  absl::StatusOr<v1::Ticket> CreateRepair(const v1::CreateTicketRequest& request) override;
  absl::Status SubmitSurvey(const v1::SubmitResponseRequest& request) override;
  absl::StatusOr<std::vector<v1::Resident>> FindByPhone(const std::string& phone) override;
  absl::Status AddComment(const std::string& ticket, const std::string& text, bool internal,
                          const std::string& acting_for) override;
  absl::StatusOr<v1::Ticket> ConfirmVisit(const std::string& ticket,
                                          const std::string& resident) override;
  absl::StatusOr<v1::Resident> GetResident(const std::string& id);
  absl::Status SetOptedOut(const std::string& resident, v1::Channel channel,
                           bool opted_out) override;
  /// Records a message delivered to a resident on their timeline (once per idempotency key);
  /// with `undeliverable`, one that could not be, and why.
  absl::Status RecordDelivery(const std::string& resident, v1::Channel channel,
                              const queue::Entry& message, absl::string_view undeliverable = "");
  /// The resident's verified external id on `channel`, and their language.
  absl::StatusOr<Recipient> IdentityOf(const std::string& resident, v1::Channel channel);
  /// The resident's primary phone number, and their language.
  absl::StatusOr<Recipient> PhoneOf(const std::string& resident);
  absl::Status AppendTimeline(const v1::AppendTimelineRequest& request);

 private:
  residents::Client residents_;
  tickets::Client tickets_;
  surveys::Client surveys_;
  dispatch::Client dispatch_;
};

/// The process's one Lobby client for its adapters, made on first use: it calls with
/// `--adapter-token` (else the process's service token) at the runtime's directory
/// (Runtime::AddressOf). The chat providers, SMS and the hotline share its channels.
GrpcLobbyApi& SharedLobbyApi(const config::Settings& settings, Runtime& runtime);

/// The estates the adapters serve (--chat-sites: new residents link a flat there) and the time
/// zone of those without an estate YAML applied (--chat-timezone; an estate's own wins).
struct ServedEstates {
  std::vector<std::string> sites;
  absl::TimeZone time_zone = absl::UTCTimeZone();

  static void Declare(config::Settings& settings);
  static absl::StatusOr<ServedEstates> From(const config::Settings& settings);
};

}  // namespace lobby::adapters
