#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lobby/v1/dispatch.pb.h"
#include "lobby/v1/residents.pb.h"
#include "services/common/clock.h"
#include "services/common/config.h"
#include "services/common/estate_register.h"
#include "services/common/queue.h"
#include "services/common/roles.h"
#include "services/residents/resident_store.h"

namespace lobby::residents {

struct ResidentsConfig {
  std::string phone_region = "HK";  // numbers without +country code are read here
  std::string default_language = "zh-Hant";
  absl::Duration code_ttl = absl::Minutes(10);
  int code_attempts = 5;           // wrong codes before a verification is void
  int verifications_per_hour = 5;  // per phone number and per channel identity

  static void Declare(config::Settings& s);
  static absl::StatusOr<ResidentsConfig> From(const config::Settings& s);
};

/// The resident rules: validation and normalisation, identities, verification codes, merges,
/// the timeline. No gRPC and no Redis here: storage is the ResidentStore. Thread-safe.
/// Every error is a status with a sentence a person can act on; a failed call writes nothing
/// (except a verification attempt, which is counted on purpose).
class ResidentLogic {
 public:
  /// `registers` (may be null: no checks) holds the estates' registers units are checked against.
  ResidentLogic(ResidentStore& store, const Clock& clock, ResidentsConfig config,
                RegisterCache* registers = nullptr);

  absl::StatusOr<v1::Resident> Create(v1::Resident resident);
  absl::StatusOr<v1::Resident> Get(absl::string_view id);
  absl::StatusOr<v1::Resident> Update(const v1::UpdateResidentRequest& request);
  absl::StatusOr<v1::ListResidentsResponse> List(const v1::ListResidentsRequest& request);
  /// The residents with this number (any estate, or `site_id`'s), at most kMaxByPhone.
  absl::StatusOr<v1::ResolvePhoneResponse> ResolvePhone(const v1::ResolvePhoneRequest& request);
  static constexpr int kMaxByPhone = 20;
  absl::StatusOr<v1::ImportResidentsResponse> Import(const v1::ImportResidentsRequest& request);
  absl::StatusOr<v1::Resident> Link(const v1::LinkIdentityRequest& request);
  /// A resident's identity, else a staff member's (`staff` set), else NOT_FOUND.
  absl::StatusOr<v1::ResolveIdentityResponse> Resolve(const v1::ResolveIdentityRequest& request);
  absl::StatusOr<v1::Resident> Unlink(const v1::UnlinkIdentityRequest& request);
  /// A code by SMS to the resident at the unit with that phone, or, with staff_site_id, to the
  /// member of that estate's staff with that phone (from `members`, see SetMembers).
  absl::StatusOr<v1::StartVerificationResponse> StartVerification(
      const v1::StartVerificationRequest& request);
  absl::StatusOr<v1::ResolveIdentityResponse> ConfirmVerification(
      const v1::ConfirmVerificationRequest& request);
  absl::StatusOr<v1::Resident> Merge(const v1::MergeResidentsRequest& request);
  absl::StatusOr<v1::ListTimelineResponse> ListTimeline(const v1::ListTimelineRequest& request,
                                                        bool sees_anonymous);
  absl::StatusOr<v1::TimelineEntry> AppendTimeline(const v1::AppendTimelineRequest& request);

  /// A callback task for the desk, filled in from the resident when known (name, primary phone,
  /// language, estate) and noted on their timeline. One open task per person: asking again
  /// returns the open task, counted.
  absl::StatusOr<v1::CallbackTask> RequestCallback(const v1::RequestCallbackRequest& request);
  absl::StatusOr<v1::ListCallbacksResponse> ListCallbacks(const v1::ListCallbacksRequest& request);
  /// By `who` (named as done_by), in an estate of theirs.
  absl::StatusOr<v1::CallbackTask> CompleteCallback(const v1::CompleteCallbackRequest& request,
                                                    const auth::Principal& who);

  /// The `timeline` consumer of lobby:q:tickets: a ticket event naming a resident is appended to
  /// their timeline once (the stream entry id is the idempotency key).
  absl::Status HandleTicketEvent(const queue::Entry& event);

  /// Validates and normalises a resident in place (phones to E.164, tags, language).
  /// `check_unit`: against the estate's register (an update that leaves the unit alone does not).
  absl::Status Normalize(v1::Resident& resident, bool check_unit = true) const;

  /// An estate's staff as the estate YAML gives them (DispatchService.GetEstate), for linking a
  /// member's chat identity by a code to their phone. Unset: staff cannot link.
  using MembersFn = std::function<absl::StatusOr<std::vector<v1::Member>>(const std::string& site)>;
  void SetMembers(MembersFn members) { members_ = std::move(members); }

 private:
  absl::StatusOr<v1::StartVerificationResponse> StartStaffVerification(
      const v1::StartVerificationRequest& request, const std::string& phone);
  /// Stores verification `v` (for `whom`: resident_id or member) with a new code and queues the
  /// code by SMS to v.phone in `language`.
  absl::StatusOr<v1::StartVerificationResponse> SendCode(Verification v,
                                                         std::pair<std::string, std::string> whom,
                                                         const std::string& language);
  absl::StatusOr<v1::Resident> LinkOnce(const v1::LinkIdentityRequest& request);
  std::string NewEntryId() const;
  void Note(const v1::Resident& resident, const std::string& text, const std::string& ticket,
            const std::string& key);
  absl::StatusOr<std::string> NormalizeUnit(v1::Unit& unit, bool check_unit = true) const;

  ResidentStore& store_;
  const Clock& clock_;
  ResidentsConfig config_;
  RegisterCache* registers_;
  MembersFn members_;
};

/// Canonical checks shared by the logic and the CSV import.
absl::StatusOr<v1::ResidentRole> ParseRole(absl::string_view role);
bool IsSupportedLanguage(absl::string_view language);

}  // namespace lobby::residents
