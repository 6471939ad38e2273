#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "lobby/v1/accounts.pb.h"
#include "services/accounts/account_store.h"
#include "services/common/clock.h"
#include "services/common/config.h"
#include "services/common/roles.h"

namespace lobby::accounts {

struct AccountsConfig {
  absl::Duration session_idle;     // a session unused this long ends
  absl::Duration session_max_age;  // and any session ends this long after login
  int max_failures = 5;            // failed logins of one user within `lockout` that lock it
  int max_address_failures = 20;   // failed logins from one address within `lockout`
  absl::Duration lockout;          // how long a locked account waits

  static void Declare(config::Settings& s);
  static absl::StatusOr<AccountsConfig> From(const config::Settings& s);
};

/// The accounts' rules: users, passwords, second factors, sessions, machine tokens and the
/// audit trail's reading. No gRPC and no Redis here.
class AccountLogic {
 public:
  /// `forget(digest)`: the process's authenticator drops a credential it may have cached.
  AccountLogic(AccountStore& store, const Clock& clock, AccountsConfig config,
               std::function<void(const std::string&)> forget)
      : store_(store), clock_(clock), config_(config), forget_(std::move(forget)) {}

  /// `address`: where the attempt comes from, for the per-address limit.
  absl::StatusOr<v1::LoginResponse> Login(const v1::LoginRequest& req, const std::string& address);
  absl::Status Logout(const auth::Principal& p);
  absl::StatusOr<v1::User> WhoAmI(const auth::Principal& p);
  absl::Status ChangePassword(const v1::ChangePasswordRequest& req, const auth::Principal& p);

  absl::StatusOr<v1::User> CreateUser(const v1::CreateUserRequest& req);
  absl::StatusOr<v1::User> UpdateUser(const v1::UpdateUserRequest& req);
  absl::StatusOr<v1::User> GetUser(const v1::GetUserRequest& req, const auth::Principal& p);
  absl::StatusOr<v1::ListUsersResponse> ListUsers(const v1::ListUsersRequest& req,
                                                  const auth::Principal& p);
  absl::Status ResetPassword(const v1::ResetPasswordRequest& req);

  absl::StatusOr<v1::EnrolTotpResponse> EnrolTotp(const auth::Principal& p);
  absl::StatusOr<v1::User> ConfirmTotp(const v1::ConfirmTotpRequest& req, const auth::Principal& p);
  absl::StatusOr<v1::User> DisableTotp(const v1::DisableTotpRequest& req, const auth::Principal& p);

  absl::StatusOr<v1::ListSessionsResponse> ListSessions(const v1::ListSessionsRequest& req,
                                                        const auth::Principal& p);
  absl::Status RevokeSession(const v1::RevokeSessionRequest& req, const auth::Principal& p);

  absl::StatusOr<v1::CreateTokenResponse> CreateToken(const v1::CreateTokenRequest& req,
                                                      const auth::Principal& p);
  absl::StatusOr<v1::ListTokensResponse> ListTokens();
  absl::Status RevokeToken(const v1::RevokeTokenRequest& req);

  absl::StatusOr<v1::ListAuditResponse> ListAudit(const v1::ListAuditRequest& req,
                                                  const auth::Principal& p);

 private:
  absl::StatusOr<StoredUser> MustGet(const std::string& login);
  /// The caller's own login (sessions only), or `login` when an admin names another user.
  absl::StatusOr<std::string> Whose(const std::string& login, const auth::Principal& p);
  absl::Status EndSessions(const std::string& login, const std::string& keep = "");
  /// Counts a failed login: UNAUTHENTICATED, or RESOURCE_EXHAUSTED (LockedOut) at the limit.
  absl::Status Failed(const std::string& login, const std::string& address);
  absl::Status LockedOut() const;

  AccountStore& store_;
  const Clock& clock_;
  AccountsConfig config_;
  std::function<void(const std::string&)> forget_;
};

/// INVALID_ARGUMENT unless `grants` are well formed: known roles (adapter only when
/// `machine`), an estate id each, "*" for admins only.
absl::Status CheckGrants(const google::protobuf::RepeatedPtrField<v1::Grant>& grants, bool machine);

}  // namespace lobby::accounts
