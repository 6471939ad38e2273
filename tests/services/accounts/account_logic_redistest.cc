// The accounts' rules on the real store: logins, lockout, sessions expiring under the fake clock,
// must-change after a reset, the second factor, machine tokens, and what the auth layer reads.
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "services/accounts/account_logic.h"
#include "services/accounts/credentials.h"
#include "services/accounts/redis_account_store.h"
#include "services/common/proto_util.h"
#include "services/common/sessions.h"
#include "tests/support/redis_server.h"

namespace lobby::accounts {
namespace {

using lobby::testing::RedisTest;

constexpr char kPassword[] = "harbour-lights-42";

class AccountLogicTest : public RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    clock_.Set(absl::FromCivil(absl::CivilSecond(2026, 12, 7, 9, 0, 0), absl::UTCTimeZone()));
    client_ = std::make_unique<redis::Client>(server().options());
    store_ = std::make_unique<RedisAccountStore>(*client_);
    AccountsConfig config{.session_idle = absl::Minutes(30),
                          .session_max_age = absl::Hours(12),
                          .lockout = absl::Minutes(15)};
    logic_ = std::make_unique<AccountLogic>(
        *store_, clock_, config, [this](const std::string& d) { forgotten_.push_back(d); });
    creds_ = std::make_unique<auth::CredentialStore>(*client_, clock_);
  }

  v1::User MakeUser(const std::string& login, const std::string& grant_site,
                    const std::string& role, const std::string& member = "") {
    v1::CreateUserRequest req;
    req.mutable_user()->set_login(login);
    req.mutable_user()->set_display_name("Chan Siu Ming");
    v1::Grant* g = req.mutable_user()->add_grants();
    g->set_site_id(grant_site);
    g->add_roles(role);
    g->set_member_id(member);
    req.set_password(kPassword);
    auto u = logic_->CreateUser(req);
    EXPECT_TRUE(u.ok()) << u.status();
    return u.ok() ? *u : v1::User();
  }
  absl::StatusOr<v1::LoginResponse> Login(const std::string& login, const std::string& password,
                                          const std::string& code = "") {
    v1::LoginRequest req;
    req.set_login(login);
    req.set_password(password);
    req.set_totp_code(code);
    return logic_->Login(req, "10.0.0.7");
  }
  /// The principal the auth layer makes of `token` for a call of `method`.
  absl::StatusOr<auth::Principal> As(
      const std::string& token, const std::string& method = "lobby.v1.RepairService/GetRepair",
      auth::RoleSet allowed = {auth::Role::kAgent, auth::Role::kTechnician, auth::Role::kManager}) {
    auto id = creds_->Resolve(token);
    if (!id.ok()) return id.status();
    return auth::PrincipalFor(*id, allowed, method);
  }

  FakeClock clock_;
  std::unique_ptr<redis::Client> client_;
  std::unique_ptr<RedisAccountStore> store_;
  std::unique_ptr<AccountLogic> logic_;
  std::unique_ptr<auth::CredentialStore> creds_;
  std::vector<std::string> forgotten_;
};

TEST_F(AccountLogicTest, ALoginGivesASessionForTheUsersEstatesAndMemberId) {
  MakeUser("cheung", "demo", "technician", "cheung");
  auto login = Login("cheung", kPassword);
  ASSERT_TRUE(login.ok()) << login.status();
  EXPECT_TRUE(absl::StartsWith(login->session_token(), "lbs_"));
  // Only the digest is stored: no key or value holds the token itself.
  auto keys = client_->Command({"KEYS", "*"});
  for (const auto& k : keys->elements)
    EXPECT_EQ(k.str.find(login->session_token()), std::string::npos);
  auto p = As(login->session_token());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->role, auth::Role::kTechnician);
  EXPECT_EQ(p->name, "cheung");
  EXPECT_EQ(p->user, "cheung");
  EXPECT_FALSE(p->all_estates);
  EXPECT_EQ(p->estates, std::vector<std::string>{"demo"});
  EXPECT_TRUE(auth::MayActIn(*p, "demo"));
  EXPECT_FALSE(auth::MayActIn(*p, "harbour"));
  // A method no role of the user may call.
  auto denied = As(login->session_token(), "lobby.v1.RepairService/ApplyCatalog",
                   {auth::Role::kManager, auth::Role::kAdmin});
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(AccountLogicTest, WrongPasswordsSaySoAlikeAndLockTheAccountAfterFive) {
  MakeUser("wong", "demo", "agent");
  auto unknown = Login("nobody", kPassword);
  auto wrong = Login("wong", "not-the-password");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wrong.status().message(), unknown.status().message());
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(Login("wong", "still-not-it-1").ok());
  auto fifth = Login("wong", "still-not-it-2");
  EXPECT_EQ(fifth.status().code(), absl::StatusCode::kResourceExhausted) << fifth.status();
  // Locked: even the right password waits.
  auto right = Login("wong", kPassword);
  EXPECT_EQ(right.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(absl::StrContains(right.status().message(), "15 minutes")) << right.status();
  // An admin's reset unlocks it, and the user must change the password first.
  v1::ResetPasswordRequest reset;
  reset.set_login("wong");
  reset.set_temporary_password("temporary-pass-77");
  ASSERT_TRUE(logic_->ResetPassword(reset).ok());
  auto temp = Login("wong", "temporary-pass-77");
  ASSERT_TRUE(temp.ok()) << temp.status();
  EXPECT_TRUE(temp->must_change_password());
  auto blocked = As(temp->session_token());
  EXPECT_EQ(blocked.status().code(), absl::StatusCode::kFailedPrecondition);
  auto p =
      As(temp->session_token(), "lobby.v1.AccountService/ChangePassword", {auth::Role::kAgent});
  ASSERT_TRUE(p.ok()) << p.status();
  v1::ChangePasswordRequest change;
  change.set_current_password("temporary-pass-77");
  change.set_new_password("wong");
  EXPECT_EQ(logic_->ChangePassword(change, *p).code(), absl::StatusCode::kInvalidArgument);
  change.set_new_password("my-own-choice-2026");
  ASSERT_TRUE(logic_->ChangePassword(change, *p).ok());
  EXPECT_TRUE(As(temp->session_token()).ok());
}

TEST_F(AccountLogicTest, SessionsEndWhenIdleAndAtTheirAbsoluteLimit) {
  MakeUser("lee", "demo", "agent");
  auto s = Login("lee", kPassword);
  ASSERT_TRUE(s.ok());
  clock_.Advance(absl::Minutes(29));
  ASSERT_TRUE(As(s->session_token()).ok());  // used: idle restarts
  clock_.Advance(absl::Minutes(29));
  ASSERT_TRUE(As(s->session_token()).ok());
  clock_.Advance(absl::Minutes(31));
  auto idle = As(s->session_token());
  EXPECT_EQ(idle.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(absl::StrContains(idle.status().message(), "expired")) << idle.status();

  auto t = Login("lee", kPassword);
  ASSERT_TRUE(t.ok());
  for (int i = 0; i < 28; ++i) {  // in use all day, every 25 minutes: 11h40m
    clock_.Advance(absl::Minutes(25));
    ASSERT_TRUE(As(t->session_token()).ok()) << i;
  }
  clock_.Advance(absl::Minutes(25));  // 12h05m after the login
  EXPECT_EQ(As(t->session_token()).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(AccountLogicTest, LogoutRevokeAndDisableEndSessions) {
  MakeUser("chan", "demo", "supervisor");
  auto a = Login("chan", kPassword), b = Login("chan", kPassword);
  ASSERT_TRUE(a.ok() && b.ok());
  auto pa =
      As(a->session_token(), "lobby.v1.AccountService/ListSessions", {auth::Role::kSupervisor});
  ASSERT_TRUE(pa.ok()) << pa.status();
  auto list = logic_->ListSessions({}, *pa);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->sessions_size(), 2);
  std::string other;
  for (const auto& s : list->sessions()) {
    if (!s.current()) other = s.id();
    EXPECT_EQ(s.address(), "10.0.0.7");
  }
  v1::RevokeSessionRequest revoke;
  revoke.set_id(other);
  ASSERT_TRUE(logic_->RevokeSession(revoke, *pa).ok());
  EXPECT_FALSE(As(b->session_token()).ok());
  EXPECT_EQ(forgotten_.size(), 1u);
  ASSERT_TRUE(logic_->Logout(*pa).ok());
  EXPECT_FALSE(As(a->session_token()).ok());

  auto c = Login("chan", kPassword);
  ASSERT_TRUE(c.ok());
  v1::UpdateUserRequest disable;
  disable.mutable_user()->set_login("chan");
  disable.mutable_user()->set_disabled(true);
  v1::Grant* g = disable.mutable_user()->add_grants();
  g->set_site_id("demo");
  g->add_roles("agent");
  disable.add_fields("disabled");
  disable.add_fields("grants");  // named after: disabling still ends the sessions
  ASSERT_TRUE(logic_->UpdateUser(disable).ok());
  EXPECT_FALSE(As(c->session_token()).ok());
  EXPECT_TRUE(store_->Credentials("chan", clock_.Now())->empty()) << "the sessions are gone";
  EXPECT_EQ(Login("chan", kPassword).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(AccountLogicTest, ASecondFactorIsAskedForOnceConfirmedAndEachCodeWorksOnce) {
  MakeUser("hoka", "demo", "manager");
  auto s = Login("hoka", kPassword);
  auto p = As(s->session_token(), "lobby.v1.AccountService/EnrolTotp", {auth::Role::kManager});
  ASSERT_TRUE(p.ok());
  auto enrol = logic_->EnrolTotp(*p);
  ASSERT_TRUE(enrol.ok());
  EXPECT_TRUE(absl::StartsWith(enrol->uri(), "otpauth://totp/Lobby:hoka?secret="));
  auto secret = FromBase32(enrol->secret());
  ASSERT_TRUE(secret.ok());
  // Not on until confirmed.
  EXPECT_TRUE(Login("hoka", kPassword).ok());
  v1::ConfirmTotpRequest confirm;
  confirm.set_code("000000");
  EXPECT_EQ(logic_->ConfirmTotp(confirm, *p).status().code(), absl::StatusCode::kInvalidArgument);
  confirm.set_code(TotpCode(*secret, clock_.Now()));
  ASSERT_TRUE(logic_->ConfirmTotp(confirm, *p).ok());

  auto without = Login("hoka", kPassword);
  EXPECT_EQ(without.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(absl::StrContains(without.status().message(), "second factor"));
  clock_.Advance(absl::Seconds(30));
  std::string code = TotpCode(*secret, clock_.Now());
  auto with = Login("hoka", kPassword, code);
  EXPECT_TRUE(with.ok()) << with.status();
  EXPECT_FALSE(Login("hoka", kPassword, code).ok()) << "the same code twice";
}

TEST_F(AccountLogicTest, MachineTokensCarryTheirGrantsAndEnd) {
  auth::Principal admin{.role = auth::Role::kAdmin, .name = "root"};
  v1::CreateTokenRequest req;
  req.set_name("sms-adapter");
  v1::Grant* g = req.add_grants();
  g->set_site_id("demo");
  g->add_roles("adapter");
  EXPECT_EQ(logic_->CreateToken(req, admin).status().code(), absl::StatusCode::kInvalidArgument)
      << "no expiry";
  *req.mutable_expires_at() = ToTimestamp(clock_.Now() + absl::Hours(24 * 30));
  auto t = logic_->CreateToken(req, admin);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE(absl::StartsWith(t->secret(), "lbt_"));
  auto p = As(t->secret(), "lobby.v1.RepairService/CreateRepair", {auth::Role::kAdapter});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->role, auth::Role::kAdapter);
  EXPECT_EQ(p->name, "sms-adapter");
  EXPECT_EQ(p->estates, std::vector<std::string>{"demo"});
  auto list = logic_->ListTokens();
  ASSERT_EQ(list->tokens_size(), 1);
  EXPECT_EQ(list->tokens(0).created_by(), "root");
  clock_.Advance(absl::Hours(24 * 30));
  EXPECT_EQ(As(t->secret()).status().code(), absl::StatusCode::kUnauthenticated);

  auto u = logic_->CreateToken(req, admin);
  *req.mutable_expires_at() = ToTimestamp(clock_.Now() + absl::Hours(24 * 30));
  u = logic_->CreateToken(req, admin);
  ASSERT_TRUE(u.ok());
  v1::RevokeTokenRequest revoke;
  revoke.set_id(u->token().id());
  ASSERT_TRUE(logic_->RevokeToken(revoke).ok());
  EXPECT_FALSE(As(u->secret()).ok());
}

TEST_F(AccountLogicTest, BadUsersAreRefusedAndChangeNothing) {
  v1::CreateUserRequest req;
  req.mutable_user()->set_login("Bad Name");
  req.mutable_user()->set_display_name("x");
  req.set_password(kPassword);
  EXPECT_EQ(logic_->CreateUser(req).status().code(), absl::StatusCode::kInvalidArgument);
  req.mutable_user()->set_login("ok.name");
  EXPECT_EQ(logic_->CreateUser(req).status().code(), absl::StatusCode::kInvalidArgument)
      << "no grants";
  v1::Grant* g = req.mutable_user()->add_grants();
  g->set_site_id("*");
  g->add_roles("manager");
  EXPECT_EQ(logic_->CreateUser(req).status().code(), absl::StatusCode::kInvalidArgument)
      << "* is for admins";
  g->set_site_id("demo");
  req.set_password("password123");
  EXPECT_EQ(logic_->CreateUser(req).status().code(), absl::StatusCode::kInvalidArgument)
      << "a common password";
  auto users = store_->ListUsers();
  EXPECT_TRUE(users->empty());
  req.set_password(kPassword);
  ASSERT_TRUE(logic_->CreateUser(req).ok());
  EXPECT_EQ(logic_->CreateUser(req).status().code(), absl::StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace lobby::accounts
