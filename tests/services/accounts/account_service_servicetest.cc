// Accounts against a real lobbyd: people sign in, act, and the audit trail names each of them.
#include <gtest/gtest.h>

#include <map>

#include "absl/strings/match.h"
#include "lobby/v1/accounts.grpc.pb.h"
#include "tests/support/harness.h"

namespace lobby::accounts {
namespace {

using lobby::testing::CallRpc;
using lobby::testing::Harness;
using lobby::testing::kAdminToken;

constexpr char kPassword[] = "tsing-yi-bridge-9";

class AccountServiceTest : public lobby::testing::RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    harness_ = std::make_unique<Harness>(server(), clock_);
    accounts_ = v1::AccountService::NewStub(harness_->channel);
    repairs_ = v1::RepairService::NewStub(harness_->channel);
  }
  void TearDown() override { harness_.reset(); }

  /// A user of `site` with `role` (and member id), signed in: the session token.
  std::string User(const std::string& login, const std::string& site, const std::string& role,
                   const std::string& member = "") {
    v1::CreateUserRequest create;
    create.mutable_user()->set_login(login);
    create.mutable_user()->set_display_name(login);
    v1::Grant* g = create.mutable_user()->add_grants();
    g->set_site_id(site);
    g->add_roles(role);
    g->set_member_id(member);
    create.set_password(kPassword);
    auto made = CallRpc(*accounts_, &v1::AccountService::Stub::CreateUser, create, kAdminToken);
    EXPECT_TRUE(made.ok()) << made.status.error_message();
    v1::LoginRequest login_req;
    login_req.set_login(login);
    login_req.set_password(kPassword);
    auto s = CallRpc(*accounts_, &v1::AccountService::Stub::Login, login_req, "");
    EXPECT_TRUE(s.ok()) << s.status.error_message();
    return s.value.session_token();
  }
  void Act(const std::string& id, v1::TicketAction action, const std::string& token) {
    v1::TransitionRequest t;
    t.set_id(id);
    t.set_action(action);
    t.set_note("done");
    auto r = CallRpc(*repairs_, &v1::RepairService::Stub::Transition, t, token);
    EXPECT_TRUE(r.ok()) << v1::TicketAction_Name(action) << ": " << r.status.error_message();
  }

  FakeClock clock_;
  std::unique_ptr<Harness> harness_;
  std::unique_ptr<v1::AccountService::Stub> accounts_;
  std::unique_ptr<v1::RepairService::Stub> repairs_;
};

TEST_F(AccountServiceTest, TheAuditTrailOfARepairNamesEachPerson) {
  lobby::testing::ApplyEstate(harness_->channel, R"(
site: demo
time_zone: Asia/Hong_Kong
teams:
  - {id: plumbing, categories: [plumbing]}
members:
  - {id: lee, name: Lee Ka Ho, teams: [plumbing], skills: {plumbing: 3}, capacity: 4, on_call: true}
  - {id: ng, name: Ng Wai Man, teams: [plumbing], skills: {plumbing: 3}, capacity: 4, on_call: true}
)");
  std::string agent = User("wong", "demo", "agent");
  std::string supervisor = User("chan", "demo", "supervisor");
  std::map<std::string, std::string> technicians = {
      {"lee", User("lee.kaho", "demo", "technician", "lee")},
      {"ng", User("ng.waiman", "demo", "technician", "ng")}};
  std::string resident = lobby::testing::CreateResidentIn(harness_->channel, "demo");

  v1::CreateTicketRequest create;
  v1::Ticket* t = create.mutable_ticket();
  t->set_site_id("demo");
  t->mutable_location()->mutable_unit()->set_building("Tower 1");
  t->mutable_location()->mutable_unit()->set_floor("3");
  t->mutable_location()->mutable_unit()->set_room("A");
  t->set_category("plumbing");
  t->set_description("kitchen tap leaking");
  t->set_channel(v1::CHANNEL_PHONE);
  t->mutable_reporter()->set_resident_id(resident);
  auto made = CallRpc(*repairs_, &v1::RepairService::Stub::CreateRepair, create, agent);
  ASSERT_TRUE(made.ok()) << made.status.error_message();
  const std::string id = made.value.id();
  EXPECT_EQ(made.value.history(0).actor(), "wong");
  std::string first;
  ASSERT_TRUE(lobby::testing::WaitFor([&] {
    first = lobby::testing::GetRepair(*repairs_, id).assignee();
    return !first.empty();
  })) << "dispatch assigns a plumber";
  // The supervisor moves it to the other one.
  const std::string member = first == "lee" ? "ng" : "lee";
  const std::string& technician = technicians[member];
  v1::AssignRequest assign;
  assign.set_id(id);
  assign.set_team("plumbing");
  assign.set_assignee(member);
  assign.set_note("urgent: the resident is elderly");
  auto assigned = CallRpc(*repairs_, &v1::RepairService::Stub::Assign, assign, supervisor);
  ASSERT_TRUE(assigned.ok()) << assigned.status.error_message();
  Act(id, v1::TICKET_ACTION_ACKNOWLEDGE, technician);
  Act(id, v1::TICKET_ACTION_ARRIVE, technician);
  Act(id, v1::TICKET_ACTION_RESOLVE, technician);
  Act(id, v1::TICKET_ACTION_CLOSE, agent);
  v1::Ticket done = lobby::testing::GetRepair(*repairs_, id);
  EXPECT_EQ(done.status(), v1::TICKET_STATUS_CLOSED);
  // The history names the member, not a shared token.
  bool acked = false;
  for (const auto& h : done.history()) acked |= h.action() == "acknowledged" && h.actor() == member;
  EXPECT_TRUE(acked);

  std::string manager = User("may", "demo", "manager");
  v1::ListAuditRequest by_target;
  by_target.set_target(id);
  // Entries are written on the Redis client's pipelined writer, a moment after each answer.
  std::vector<std::string> people;
  ASSERT_TRUE(lobby::testing::WaitFor([&] {
    auto audit = CallRpc(*accounts_, &v1::AccountService::Stub::ListAudit, by_target, manager);
    EXPECT_TRUE(audit.ok()) << audit.status.error_message();
    people.clear();
    for (auto it = audit.value.entries().rbegin(); it != audit.value.entries().rend(); ++it) {
      if (it->actor() == "wong" || it->actor() == "chan" || it->actor() == member)
        people.push_back(absl::StrCat(it->actor(), " ", it->role(), " ", it->method(), " ",
                                      it->site_id().empty() ? "-" : it->site_id(), " ",
                                      it->outcome()));
    }
    return people.size() >= 6;
  }));
  EXPECT_EQ(people, (std::vector<std::string>{
                        "wong agent RepairService/CreateRepair demo OK",
                        "chan supervisor RepairService/Assign demo OK",
                        member + " technician RepairService/Transition demo OK",
                        member + " technician RepairService/Transition demo OK",
                        member + " technician RepairService/Transition demo OK",
                        "wong agent RepairService/Transition demo OK",
                    }));
  // Filters: by person.
  v1::ListAuditRequest by_actor;
  by_actor.set_actor("chan");
  auto chan = CallRpc(*accounts_, &v1::AccountService::Stub::ListAudit, by_actor, manager);
  ASSERT_EQ(chan.value.entries_size(), 1);
  EXPECT_EQ(chan.value.entries(0).target(), id);

  // A manager of another estate reads none of it.
  std::string other = User("ho.harbour", "harbour", "manager");
  auto theirs = CallRpc(*accounts_, &v1::AccountService::Stub::ListAudit, by_target, other);
  ASSERT_TRUE(theirs.ok());
  EXPECT_EQ(theirs.value.entries_size(), 0);

  // No secret, password or phone number is in it.
  auto all = server().conn().Command({"XRANGE", "lobby:q:audit", "-", "+"});
  ASSERT_TRUE(all.ok());
  for (const auto& e : all->elements) {
    for (const auto& f : e.elements[1].elements) {
      EXPECT_EQ(f.str.find("+852"), std::string::npos) << f.str;
      EXPECT_EQ(f.str.find(kPassword), std::string::npos);
      EXPECT_EQ(f.str.find("lbs_"), std::string::npos);
    }
  }
}

TEST_F(AccountServiceTest, ASessionEndsEverywhereOnLogoutAndWhenTheUserIsDisabled) {
  std::string token = User("lam", "demo", "agent");
  auto me = CallRpc(*accounts_, &v1::AccountService::Stub::WhoAmI, v1::WhoAmIRequest(), token);
  ASSERT_TRUE(me.ok()) << me.status.error_message();
  EXPECT_EQ(me.value.login(), "lam");
  EXPECT_EQ(me.value.kind(), "session");
  auto out = CallRpc(*accounts_, &v1::AccountService::Stub::Logout, v1::LogoutRequest(), token);
  ASSERT_TRUE(out.ok());
  auto after = CallRpc(*accounts_, &v1::AccountService::Stub::WhoAmI, v1::WhoAmIRequest(), token);
  EXPECT_EQ(after.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);

  std::string again = User("lam2", "demo", "agent");
  v1::UpdateUserRequest disable;
  disable.mutable_user()->set_login("lam2");
  disable.mutable_user()->set_disabled(true);
  disable.add_fields("disabled");
  ASSERT_TRUE(
      CallRpc(*accounts_, &v1::AccountService::Stub::UpdateUser, disable, kAdminToken).ok());
  auto gone = CallRpc(*accounts_, &v1::AccountService::Stub::WhoAmI, v1::WhoAmIRequest(), again);
  EXPECT_EQ(gone.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AccountServiceTest, OnlyAdminsManageUsersAndTokens) {
  std::string manager = User("may", "demo", "manager");
  v1::CreateUserRequest create;
  create.mutable_user()->set_login("sneaky");
  create.mutable_user()->set_display_name("x");
  create.set_password(kPassword);
  auto r = CallRpc(*accounts_, &v1::AccountService::Stub::CreateUser, create, manager);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // A manager lists their estate's users only.
  User("ho.harbour", "harbour", "agent");
  auto list =
      CallRpc(*accounts_, &v1::AccountService::Stub::ListUsers, v1::ListUsersRequest(), manager);
  ASSERT_TRUE(list.ok()) << list.status.error_message();
  for (const auto& u : list.value.users()) EXPECT_NE(u.login(), "ho.harbour");
  ASSERT_EQ(list.value.users_size(), 1);
}

}  // namespace
}  // namespace lobby::accounts
