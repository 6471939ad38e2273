#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lobby/v1/accounts.pb.h"

namespace lobby::accounts {

/// A user as stored: the public record and its secrets.
struct StoredUser {
  v1::User user;
  std::string password_hash;
  std::string totp_secret;      // base32, once confirmed
  std::string totp_pending;     // base32, between EnrolTotp and ConfirmTotp
  int64_t totp_last_step = -1;  // a code is accepted once
};

/// A session or machine token as stored (only the secret's digest).
struct Credential {
  std::string digest;
  std::string kind;    // "session" or "token"
  std::string user;    // login, or the token's name
  std::string grants;  // tokens: auth::EncodeGrants
  absl::Time created, expires, last;
  absl::Duration idle = absl::ZeroDuration();  // sessions
  std::string address;
  std::string created_by;
  bool must_change_password = false;
};

/// Grants as the Redis records hold them (auth::EncodeGrants); INVALID_ARGUMENT for an unknown
/// role.
absl::StatusOr<std::string> EncodeGrants(
    const google::protobuf::RepeatedPtrField<v1::Grant>& grants);

/// What AccountLogic needs of storage (RedisAccountStore keeps it in Redis). Thread-safe.
class AccountStore {
 public:
  virtual ~AccountStore() = default;
  virtual absl::StatusOr<std::optional<StoredUser>> GetUser(const std::string& login) = 0;
  /// `create`: ALREADY_EXISTS when the login is taken.
  virtual absl::Status PutUser(const StoredUser& user, bool create) = 0;
  virtual absl::StatusOr<std::vector<StoredUser>> ListUsers() = 0;

  virtual absl::Status PutCredential(const Credential& c) = 0;
  virtual absl::StatusOr<std::optional<Credential>> GetCredential(const std::string& digest) = 0;
  virtual absl::Status DeleteCredential(const Credential& c) = 0;
  /// A user's sessions, or (login empty) the machine tokens. Expired ones are dropped.
  virtual absl::StatusOr<std::vector<Credential>> Credentials(const std::string& login,
                                                              absl::Time now) = 0;
  /// Marks the session's password as changed (must_change off).
  virtual absl::Status ClearMustChange(const std::string& digest) = 0;

  /// Failed logins under `key` ("user:LOGIN", "addr:IP") within a window of `window` from the
  /// first: the count after this one.
  virtual absl::StatusOr<int64_t> CountFailure(const std::string& key, absl::Duration window) = 0;
  virtual absl::StatusOr<int64_t> Failures(const std::string& key) = 0;
  virtual absl::Status ClearFailures(const std::string& key) = 0;

  /// The audit trail between `since` and `until`, newest first, of the last `scan` entries.
  virtual absl::StatusOr<std::vector<v1::AuditEntry>> Audit(absl::Time since, absl::Time until,
                                                            int scan) = 0;
};

}  // namespace lobby::accounts
