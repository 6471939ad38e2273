#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "services/common/clock.h"
#include "services/common/redis.h"
#include "services/common/roles.h"

namespace lobby {

/// Estate scoping, generic over the protos: a message names its estate in a `site_id` field at
/// its top level or in its singular message fields, `depth` levels down (a resident's
/// unit.site_id, CreateResident's resident.unit.site_id).
std::string SiteOf(const google::protobuf::Message& message, int depth = 2);

/// PERMISSION_DENIED when `request` names an estate `p` may not act in.
absl::Status CheckRequestEstate(const auth::Principal& p, const google::protobuf::Message& request);

/// Keeps a reply to `p` within its estates: a reply that is itself of another estate (a ticket,
/// a resident) is PERMISSION_DENIED and cleared; from lists (repeated messages naming an
/// estate), other estates' items are dropped.
absl::Status ScopeResponse(const auth::Principal& p, google::protobuf::Message& response);

/// The audit trail, stream `lobby:q:audit`: who, when, method, estate, target and outcome of
/// every state-changing call. Request bodies are never written, so no secret, password or phone
/// number is either.
class AuditLog {
 public:
  static constexpr char kStream[] = "lobby:q:audit";
  /// Entries kept (XADD MAXLEN ~): about a year of a busy estate.
  static constexpr int kMaxEntries = 2'000'000;

  AuditLog(redis::Client& redis, const Clock& clock) : redis_(redis), clock_(clock) {}
  /// Queues the entry on the Redis client's pipelined writer (not waited for); a failure is
  /// logged, the call stands.
  void Record(const auth::Principal& p, absl::string_view method,
              const google::protobuf::Message& request, const google::protobuf::Message& response,
              const absl::Status& outcome);

 private:
  redis::Client& redis_;
  const Clock& clock_;
};

/// What a call was about, for the audit trail: the request's id, ticket_id, resident_id,
/// call_id, login, member or name field, else the response's id.
std::string AuditTarget(const google::protobuf::Message& request,
                        const google::protobuf::Message& response);

}  // namespace lobby
