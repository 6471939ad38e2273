#include "services/accounts/account_service.h"

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace lobby::accounts {
namespace {

constexpr char kPrefix[] = "lobby.v1.AccountService/";

/// Where a login comes from: the gateway's word for its HTTP client, else the gRPC peer's
/// address without its port.
std::string ClientAddress(const grpc::CallbackServerContext& ctx) {
  const auto& md = ctx.client_metadata();
  if (auto it = md.find(AccountServiceImpl::kClientAddressHeader); it != md.end())
    return std::string(it->second.data(), std::min<size_t>(it->second.size(), 64));
  std::string peer = ctx.peer();  // "ipv4:127.0.0.1:5555", "ipv6:[::1]:5555"
  if (auto colon = peer.rfind(':'); colon != std::string::npos && colon > 5) peer.resize(colon);
  for (absl::string_view scheme : {"ipv4:", "ipv6:"}) {
    if (absl::StartsWith(peer, scheme)) return peer.substr(scheme.size());
  }
  return peer;
}

/// A handler for calls that answer an empty message.
template <typename Resp, typename Call>
auto Done(Resp* resp, Call call) {
  return [resp, call = std::move(call)](const auth::Principal& p) mutable -> absl::Status {
    resp->Clear();
    return call(p);
  };
}

}  // namespace

AccountServiceImpl::AccountServiceImpl(AccountLogic& logic, RpcEnv env)
    : logic_(logic),
      env_(env),
      login_(env.Method(std::string(kPrefix) + "Login")),
      logout_(env.Method(std::string(kPrefix) + "Logout")),
      whoami_(env.Method(std::string(kPrefix) + "WhoAmI")),
      change_password_(env.Method(std::string(kPrefix) + "ChangePassword")),
      create_(env.Method(std::string(kPrefix) + "CreateUser")),
      update_(env.Method(std::string(kPrefix) + "UpdateUser")),
      get_(env.Method(std::string(kPrefix) + "GetUser")),
      list_(env.Method(std::string(kPrefix) + "ListUsers")),
      reset_(env.Method(std::string(kPrefix) + "ResetPassword")),
      enrol_(env.Method(std::string(kPrefix) + "EnrolTotp")),
      confirm_(env.Method(std::string(kPrefix) + "ConfirmTotp")),
      disable_totp_(env.Method(std::string(kPrefix) + "DisableTotp")),
      sessions_(env.Method(std::string(kPrefix) + "ListSessions")),
      revoke_session_(env.Method(std::string(kPrefix) + "RevokeSession")),
      create_token_(env.Method(std::string(kPrefix) + "CreateToken")),
      tokens_(env.Method(std::string(kPrefix) + "ListTokens")),
      revoke_token_(env.Method(std::string(kPrefix) + "RevokeToken")),
      audit_(env.Method(std::string(kPrefix) + "ListAudit")) {}

#define LOBBY_UNARY(Name, Req, Resp, method, handler)                                      \
  grpc::ServerUnaryReactor* AccountServiceImpl::Name(grpc::CallbackServerContext* ctx,     \
                                                     const v1::Req* req, v1::Resp* resp) { \
    return ServeUnary(env_, method, ctx, req, resp, handler);                              \
  }

LOBBY_UNARY(Login, LoginRequest, LoginResponse, login_,
            Into(resp, [this, req, ctx](const auth::Principal&) {
              return logic_.Login(*req, ClientAddress(*ctx));
            }))
LOBBY_UNARY(Logout, LogoutRequest, LogoutResponse, logout_,
            Done(resp, [this](const auth::Principal& p) { return logic_.Logout(p); }))
LOBBY_UNARY(WhoAmI, WhoAmIRequest, User, whoami_,
            Into(resp, [this](const auth::Principal& p) { return logic_.WhoAmI(p); }))
LOBBY_UNARY(ChangePassword, ChangePasswordRequest, ChangePasswordResponse, change_password_,
            Done(resp,
                 [this, req](const auth::Principal& p) { return logic_.ChangePassword(*req, p); }))
LOBBY_UNARY(CreateUser, CreateUserRequest, User, create_,
            Into(resp, [this, req](const auth::Principal&) { return logic_.CreateUser(*req); }))
LOBBY_UNARY(UpdateUser, UpdateUserRequest, User, update_,
            Into(resp, [this, req](const auth::Principal&) { return logic_.UpdateUser(*req); }))
LOBBY_UNARY(GetUser, GetUserRequest, User, get_,
            Into(resp, [this, req](const auth::Principal& p) { return logic_.GetUser(*req, p); }))
LOBBY_UNARY(ListUsers, ListUsersRequest, ListUsersResponse, list_,
            Into(resp, [this, req](const auth::Principal& p) { return logic_.ListUsers(*req, p); }))
LOBBY_UNARY(ResetPassword, ResetPasswordRequest, ResetPasswordResponse, reset_,
            Done(resp, [this, req](const auth::Principal&) { return logic_.ResetPassword(*req); }))
LOBBY_UNARY(EnrolTotp, EnrolTotpRequest, EnrolTotpResponse, enrol_,
            Into(resp, [this](const auth::Principal& p) { return logic_.EnrolTotp(p); }))
LOBBY_UNARY(ConfirmTotp, ConfirmTotpRequest, User, confirm_,
            Into(resp,
                 [this, req](const auth::Principal& p) { return logic_.ConfirmTotp(*req, p); }))
LOBBY_UNARY(DisableTotp, DisableTotpRequest, User, disable_totp_,
            Into(resp,
                 [this, req](const auth::Principal& p) { return logic_.DisableTotp(*req, p); }))
LOBBY_UNARY(ListSessions, ListSessionsRequest, ListSessionsResponse, sessions_,
            Into(resp,
                 [this, req](const auth::Principal& p) { return logic_.ListSessions(*req, p); }))
LOBBY_UNARY(RevokeSession, RevokeSessionRequest, RevokeSessionResponse, revoke_session_,
            Done(resp,
                 [this, req](const auth::Principal& p) { return logic_.RevokeSession(*req, p); }))
LOBBY_UNARY(CreateToken, CreateTokenRequest, CreateTokenResponse, create_token_,
            Into(resp,
                 [this, req](const auth::Principal& p) { return logic_.CreateToken(*req, p); }))
LOBBY_UNARY(ListTokens, ListTokensRequest, ListTokensResponse, tokens_,
            Into(resp, [this](const auth::Principal&) { return logic_.ListTokens(); }))
LOBBY_UNARY(RevokeToken, RevokeTokenRequest, RevokeTokenResponse, revoke_token_,
            Done(resp, [this, req](const auth::Principal&) { return logic_.RevokeToken(*req); }))
LOBBY_UNARY(ListAudit, ListAuditRequest, ListAuditResponse, audit_,
            Into(resp, [this, req](const auth::Principal& p) { return logic_.ListAudit(*req, p); }))

}  // namespace lobby::accounts
