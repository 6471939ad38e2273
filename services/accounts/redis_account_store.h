#pragma once

#include "services/accounts/account_store.h"
#include "services/common/redis.h"

namespace lobby::accounts {

/// AccountStore in Redis, the records auth::CredentialStore reads (services/common/sessions.h):
///   lobby:accounts:user:<login>        hash: proto (v1::User), grants, disabled, hash, totp,
///                                      totp_pending, totp_step
///   lobby:accounts:users               set of logins
///   lobby:accounts:cred:<digest>       hash: the credential, expiring with it
///   lobby:accounts:sessions:<login>    set of a user's session digests
///   lobby:accounts:tokens              set of machine token digests
///   lobby:accounts:fail:<key>          failed logins in the current window
class RedisAccountStore final : public AccountStore {
 public:
  explicit RedisAccountStore(redis::Client& redis) : redis_(redis) {}

  absl::StatusOr<std::optional<StoredUser>> GetUser(const std::string& login) override;
  absl::Status PutUser(const StoredUser& user, bool create) override;
  absl::StatusOr<std::vector<StoredUser>> ListUsers() override;
  absl::Status PutCredential(const Credential& c) override;
  absl::StatusOr<std::optional<Credential>> GetCredential(const std::string& digest) override;
  absl::Status DeleteCredential(const Credential& c) override;
  absl::StatusOr<std::vector<Credential>> Credentials(const std::string& login,
                                                      absl::Time now) override;
  absl::Status ClearMustChange(const std::string& digest) override;
  absl::StatusOr<int64_t> CountFailure(const std::string& key, absl::Duration window) override;
  absl::StatusOr<int64_t> Failures(const std::string& key) override;
  absl::Status ClearFailures(const std::string& key) override;
  absl::StatusOr<std::vector<v1::AuditEntry>> Audit(absl::Time since, absl::Time until,
                                                    int scan) override;

 private:
  redis::Client& redis_;
};

}  // namespace lobby::accounts
