#pragma once

#include "lobby/v1/accounts.grpc.pb.h"
#include "services/accounts/account_logic.h"
#include "services/common/grpc_server.h"

namespace lobby::accounts {

/// AccountService over gRPC: credentials and role check, proto in, AccountLogic, status out.
class AccountServiceImpl final : public v1::AccountService::CallbackService {
 public:
  AccountServiceImpl(AccountLogic& logic, RpcEnv env);

#define LOBBY_ACCOUNTS_RPC(Name, Req, Resp)                                            \
  grpc::ServerUnaryReactor* Name(grpc::CallbackServerContext* ctx, const v1::Req* req, \
                                 v1::Resp* resp) override;
  LOBBY_ACCOUNTS_RPC(Login, LoginRequest, LoginResponse)
  LOBBY_ACCOUNTS_RPC(Logout, LogoutRequest, LogoutResponse)
  LOBBY_ACCOUNTS_RPC(WhoAmI, WhoAmIRequest, User)
  LOBBY_ACCOUNTS_RPC(ChangePassword, ChangePasswordRequest, ChangePasswordResponse)
  LOBBY_ACCOUNTS_RPC(CreateUser, CreateUserRequest, User)
  LOBBY_ACCOUNTS_RPC(UpdateUser, UpdateUserRequest, User)
  LOBBY_ACCOUNTS_RPC(GetUser, GetUserRequest, User)
  LOBBY_ACCOUNTS_RPC(ListUsers, ListUsersRequest, ListUsersResponse)
  LOBBY_ACCOUNTS_RPC(ResetPassword, ResetPasswordRequest, ResetPasswordResponse)
  LOBBY_ACCOUNTS_RPC(EnrolTotp, EnrolTotpRequest, EnrolTotpResponse)
  LOBBY_ACCOUNTS_RPC(ConfirmTotp, ConfirmTotpRequest, User)
  LOBBY_ACCOUNTS_RPC(DisableTotp, DisableTotpRequest, User)
  LOBBY_ACCOUNTS_RPC(ListSessions, ListSessionsRequest, ListSessionsResponse)
  LOBBY_ACCOUNTS_RPC(RevokeSession, RevokeSessionRequest, RevokeSessionResponse)
  LOBBY_ACCOUNTS_RPC(CreateToken, CreateTokenRequest, CreateTokenResponse)
  LOBBY_ACCOUNTS_RPC(ListTokens, ListTokensRequest, ListTokensResponse)
  LOBBY_ACCOUNTS_RPC(RevokeToken, RevokeTokenRequest, RevokeTokenResponse)
  LOBBY_ACCOUNTS_RPC(ListAudit, ListAuditRequest, ListAuditResponse)
#undef LOBBY_ACCOUNTS_RPC

  /// The metadata key the HTTP gateway passes the client's address in, for the login limits.
  static constexpr char kClientAddressHeader[] = "lobby-client-address";

 private:
  AccountLogic& logic_;
  RpcEnv env_;
  RpcMethod login_, logout_, whoami_, change_password_, create_, update_, get_, list_, reset_,
      enrol_, confirm_, disable_totp_, sessions_, revoke_session_, create_token_, tokens_,
      revoke_token_, audit_;
};

}  // namespace lobby::accounts
