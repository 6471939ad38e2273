// The role-by-method matrix: every method of every Lobby service, from the protos' descriptors,
// called with every role's token against a real lobbyd, checked against the one permission
// table (services/common/permissions.cc) that the services enforce and docs/permissions.md
// shows.

#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <future>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "google/protobuf/message.h"
#include "lobby/v1/accounts.grpc.pb.h"
#include "lobby/v1/complaints.grpc.pb.h"
#include "lobby/v1/demo.grpc.pb.h"
#include "lobby/v1/dispatch.grpc.pb.h"
#include "lobby/v1/hotline.grpc.pb.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "lobby/v1/residents.grpc.pb.h"
#include "lobby/v1/surveys.grpc.pb.h"
#include "services/common/permissions.h"
#include "services/common/scope.h"
#include "tests/support/harness.h"

namespace lobby::security {
namespace {

using auth::Role;
using lobby::testing::Harness;
using lobby::testing::RedisTest;

constexpr const char* kServices[] = {"lobby.v1.ResidentService",  "lobby.v1.RepairService",
                                     "lobby.v1.ComplaintService", "lobby.v1.SurveyService",
                                     "lobby.v1.DispatchService",  "lobby.v1.HotlineService",
                                     "lobby.v1.AccountService"};

struct RoleToken {
  Role role;
  const char* token;
};
constexpr RoleToken kTokens[] = {{Role::kAdapter, lobby::testing::kAdapterToken},
                                 {Role::kAgent, lobby::testing::kAgentToken},
                                 {Role::kTechnician, lobby::testing::kTechToken},
                                 {Role::kSupervisor, "supervisor-token-0123456789"},
                                 {Role::kManager, "manager-token-0123456789"},
                                 {Role::kAdmin, lobby::testing::kAdminToken}};

// The descriptors of every service, linked in by naming each one; with `demo`, also the demo
// clock's (served only by a lobbyd started with --demo-clock: the harness has none, and
// DemoHistoryTest checks its refusals).
std::vector<const google::protobuf::MethodDescriptor*> AllMethods(bool demo = false) {
  (void)v1::ResidentService::service_full_name();
  (void)v1::RepairService::service_full_name();
  (void)v1::ComplaintService::service_full_name();
  (void)v1::SurveyService::service_full_name();
  (void)v1::DispatchService::service_full_name();
  (void)v1::HotlineService::service_full_name();
  (void)v1::AccountService::service_full_name();
  (void)v1::ClockState::descriptor();  // links demo.proto in
  std::vector<const google::protobuf::MethodDescriptor*> out;
  std::vector<const char*> names(std::begin(kServices), std::end(kServices));
  if (demo) names.push_back("lobby.v1.DemoClockService");
  for (const char* name : names) {
    const auto* service = v1::Resident::descriptor()->file()->pool()->FindServiceByName(name);
    EXPECT_NE(service, nullptr) << name;
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) out.push_back(service->method(i));
  }
  return out;
}

std::string FullName(const google::protobuf::MethodDescriptor* m) {
  return absl::StrCat(m->service()->full_name(), "/", m->name());
}

TEST(PermissionTableTest, EveryMethodOfEveryProtoHasExactlyOneRow) {
  std::vector<std::string> methods;
  for (const auto* m : AllMethods(/*demo=*/true)) {
    std::string name = FullName(m);
    methods.push_back(name);
    int rows = 0;
    for (const auth::MethodRoles& row : auth::Permissions()) rows += row.method == name;
    EXPECT_EQ(rows, 1) << name << " needs one row in services/common/permissions.cc";
  }
  for (const auth::MethodRoles& row : auth::Permissions()) {
    EXPECT_NE(std::find(methods.begin(), methods.end(), std::string(row.method)), methods.end())
        << row.method << " is in the table but in no proto";
  }
}

class PermissionMatrixTest : public RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    harness_ = std::make_unique<Harness>(
        server(), clock_,
        std::vector<std::string>{
            "--tokens-file",
            lobby::testing::TokensFile(
                {{"supervisor", kTokens[3].token, "sue"}, {"manager", kTokens[4].token, "may"}}),
            "--hotline-lines", "8000=demo", "--hotline-webhook-secret", "cti-secret-0123456789"});
  }
  void TearDown() override { harness_.reset(); }

  /// The status of `method` called with an empty request and `token`.
  grpc::Status CallEmpty(const google::protobuf::MethodDescriptor* method,
                         const std::string& token) {
    return CallWith(method, token, "");
  }
  /// The status of `method` called with the serialized request `body` and `token`.
  grpc::Status CallWith(const google::protobuf::MethodDescriptor* method, const std::string& token,
                        const std::string& body) {
    grpc::ClientContext ctx;
    PrepareClientContext(ctx, token, absl::Seconds(2));
    if (method->server_streaming()) {
      // Both streams answer a refused role at once; an allowed one is let in (and may then
      // wait for events until the deadline, or refuse the empty request).
      ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Milliseconds(500)));
      if (method->service()->name() == "DispatchService") {
        auto stub = v1::DispatchService::NewStub(harness_->channel);
        v1::WatchAssignmentsRequest req;
        req.ParseFromString(body);
        auto reader = stub->WatchAssignments(&ctx, req);
        v1::AssignmentEvent e;
        while (reader->Read(&e)) {
        }
        return reader->Finish();
      }
      auto stub = v1::HotlineService::NewStub(harness_->channel);
      v1::WatchCallsRequest req;
      req.ParseFromString(body);
      auto reader = stub->WatchCalls(&ctx, req);
      v1::CallEvent e;
      while (reader->Read(&e)) {
      }
      return reader->Finish();
    }
    grpc::GenericStub stub(harness_->channel);
    grpc::Slice slice(body);  // an empty message is zero bytes
    grpc::ByteBuffer request(&slice, 1), response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&ctx, "/" + FullName(method), grpc::StubOptions(), &request, &response,
                   [&done](grpc::Status s) { done.set_value(std::move(s)); });
    return done.get_future().get();
  }

  FakeClock clock_;
  std::unique_ptr<Harness> harness_;
};

TEST_F(PermissionMatrixTest, EveryRoleGetsExactlyWhatTheTableSays) {
  int checked = 0;
  for (const auto* m : AllMethods()) {
    std::string name = FullName(m);
    auth::RoleSet allowed = auth::RolesFor(name);
    for (const RoleToken& rt : kTokens) {
      grpc::Status s = CallEmpty(m, rt.token);
      bool refused_for_role = s.error_code() == grpc::StatusCode::PERMISSION_DENIED &&
                              absl::StrContains(s.error_message(), "may not call");
      EXPECT_EQ(refused_for_role, !allowed.Has(rt.role) && !allowed.IsPublic())
          << name << " as " << auth::RoleName(rt.role) << ": " << s.error_code() << " "
          << s.error_message();
      EXPECT_NE(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << name;
      EXPECT_NE(s.error_code(), grpc::StatusCode::UNIMPLEMENTED) << name << " is not served";
      ++checked;
    }
    grpc::Status anonymous = CallEmpty(m, "");
    if (allowed.IsPublic()) {
      EXPECT_EQ(anonymous.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << name;
    } else {
      EXPECT_EQ(anonymous.error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << name << " without a token";
    }
  }
  EXPECT_GE(checked, 80 * 6);
}

/// Sets the estate a request names: its site_id, else the first singular message field's (two
/// levels down at most, as services/common/scope.h looks). False when it names none.
bool SetSite(google::protobuf::Message& m, const std::string& site, int depth = 2) {
  const auto* d = m.GetDescriptor();
  if (const auto* f = d->FindFieldByName("site_id");
      f != nullptr && !f->is_repeated() &&
      f->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
    m.GetReflection()->SetString(&m, f, site);
    return true;
  }
  if (depth == 0) return false;
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    if (f->is_repeated() || f->type() != google::protobuf::FieldDescriptor::TYPE_MESSAGE) continue;
    auto* child = m.GetReflection()->MutableMessage(&m, f);
    if (SetSite(*child, site, depth - 1)) return true;
    m.GetReflection()->ClearField(&m, f);
  }
  return false;
}

/// Staff accounts of estate demo, one per role, signed in: each role's session token.
std::vector<std::pair<Role, std::string>> DemoSessions(const std::shared_ptr<grpc::Channel>& ch) {
  auto accounts = v1::AccountService::NewStub(ch);
  std::vector<std::pair<Role, std::string>> out;
  for (Role role :
       {Role::kAgent, Role::kTechnician, Role::kSupervisor, Role::kManager, Role::kAdmin}) {
    v1::CreateUserRequest create;
    std::string login = absl::StrCat("demo-", auth::RoleName(role));
    create.mutable_user()->set_login(login);
    create.mutable_user()->set_display_name(login);
    v1::Grant* g = create.mutable_user()->add_grants();
    g->set_site_id("demo");
    g->add_roles(std::string(auth::RoleName(role)));
    if (role == Role::kTechnician) g->set_member_id("tom");
    create.set_password("estate-matrix-pass-1");
    auto made = lobby::testing::CallRpc(*accounts, &v1::AccountService::Stub::CreateUser, create,
                                        lobby::testing::kAdminToken);
    EXPECT_TRUE(made.ok()) << made.status.error_message();
    v1::LoginRequest login_req;
    login_req.set_login(login);
    login_req.set_password("estate-matrix-pass-1");
    auto session =
        lobby::testing::CallRpc(*accounts, &v1::AccountService::Stub::Login, login_req, "");
    EXPECT_TRUE(session.ok()) << session.status.error_message();
    out.emplace_back(role, session.value.session_token());
  }
  return out;
}

TEST_F(PermissionMatrixTest, EveryRoleOfOneEstateIsRefusedAnotherOnEveryMethodNamingIt) {
  auto sessions = DemoSessions(harness_->channel);
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  int refused = 0;
  for (const auto* m : AllMethods()) {
    std::string name = FullName(m);
    auth::RoleSet allowed = auth::RolesFor(name);
    std::unique_ptr<google::protobuf::Message> other(factory->GetPrototype(m->input_type())->New());
    std::unique_ptr<google::protobuf::Message> own(other->New());
    if (!SetSite(*other, "harbour")) continue;  // names no estate: checked on what it reads
    ASSERT_TRUE(SetSite(*own, "demo"));
    for (const auto& [role, token] : sessions) {
      if (!allowed.Has(role)) continue;
      grpc::Status theirs = CallWith(m, token, other->SerializeAsString());
      EXPECT_EQ(theirs.error_code(), grpc::StatusCode::PERMISSION_DENIED)
          << name << " as demo's " << auth::RoleName(role)
          << " in harbour: " << theirs.error_message();
      EXPECT_TRUE(absl::StrContains(theirs.error_message(), "may not act in estate 'harbour'"))
          << name << ": " << theirs.error_message();
      grpc::Status mine = CallWith(m, token, own->SerializeAsString());
      EXPECT_FALSE(absl::StrContains(mine.error_message(), "may not act in estate"))
          << name << " as demo's " << auth::RoleName(role) << " in demo: " << mine.error_message();
      ++refused;
    }
  }
  EXPECT_GE(refused, 100);
}

TEST_F(PermissionMatrixTest, ListsAndReadsShowOnlyTheCallersEstates) {
  auto sessions = DemoSessions(harness_->channel);
  const std::string& manager = sessions[3].second;
  std::string mine = lobby::testing::CreateResidentIn(harness_->channel, "demo");
  std::string theirs = lobby::testing::CreateResidentIn(harness_->channel, "harbour");
  auto residents = v1::ResidentService::NewStub(harness_->channel);
  v1::GetResidentRequest get;
  get.set_id(theirs);
  auto read =
      lobby::testing::CallRpc(*residents, &v1::ResidentService::Stub::GetResident, get, manager);
  EXPECT_EQ(read.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  get.set_id(mine);
  EXPECT_TRUE(
      lobby::testing::CallRpc(*residents, &v1::ResidentService::Stub::GetResident, get, manager)
          .ok());
  // Writing to another estate's resident by id is refused and changes nothing.
  v1::AppendTimelineRequest note;
  note.set_resident_id(theirs);
  note.mutable_entry()->set_text("a note from the wrong estate");
  auto wrote = lobby::testing::CallRpc(*residents, &v1::ResidentService::Stub::AppendTimeline, note,
                                       manager);
  EXPECT_EQ(wrote.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // A repair of each estate: a demo manager's list and reads hold demo's only.
  auto repairs = v1::RepairService::NewStub(harness_->channel);
  std::string ids[2];
  int i = 0;
  for (const char* site : {"demo", "harbour"}) {
    v1::CreateTicketRequest req;
    req.mutable_ticket()->set_site_id(site);
    req.mutable_ticket()->mutable_location()->mutable_unit()->set_building("Tower 1");
    req.mutable_ticket()->mutable_location()->mutable_unit()->set_floor("3");
    req.mutable_ticket()->mutable_location()->mutable_unit()->set_room("A");
    req.mutable_ticket()->set_category("plumbing");
    req.mutable_ticket()->set_description("tap leaking");
    req.mutable_ticket()->set_channel(v1::CHANNEL_PHONE);
    req.mutable_ticket()->mutable_reporter()->set_resident_id(i == 0 ? mine : theirs);
    auto made = lobby::testing::CallRpc(*repairs, &v1::RepairService::Stub::CreateRepair, req,
                                        lobby::testing::kAdminToken);
    ASSERT_TRUE(made.ok()) << made.status.error_message();
    ids[i++] = made.value.id();
  }
  v1::GetTicketRequest get_ticket;
  get_ticket.set_id(ids[1]);
  EXPECT_EQ(
      lobby::testing::CallRpc(*repairs, &v1::RepairService::Stub::GetRepair, get_ticket, manager)
          .status.error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  v1::TransitionRequest cancel;
  cancel.set_id(ids[1]);
  cancel.set_action(v1::TICKET_ACTION_CANCEL);
  cancel.set_note("not ours");
  auto cancelled =
      lobby::testing::CallRpc(*repairs, &v1::RepairService::Stub::Transition, cancel, manager);
  EXPECT_EQ(cancelled.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  get_ticket.set_id(ids[1]);
  auto still = lobby::testing::CallRpc(*repairs, &v1::RepairService::Stub::GetRepair, get_ticket,
                                       lobby::testing::kAdminToken);
  EXPECT_NE(still.value.status(), v1::TICKET_STATUS_CANCELLED);

  // What is found by its id alone is checked in its own estate: a dispatch action on a ticket,
  // a callback task.
  auto dispatch = v1::DispatchService::NewStub(harness_->channel);
  v1::MemberActionRequest claim;
  claim.set_ticket_id(ids[1]);
  claim.set_member("tom");
  auto claimed =
      lobby::testing::CallRpc(*dispatch, &v1::DispatchService::Stub::Claim, claim, manager);
  EXPECT_EQ(claimed.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(claimed.status.error_message(), "'demo-manager' may not act in estate 'harbour'");
  v1::RequestCallbackRequest ask;
  ask.mutable_task()->set_site_id("harbour");
  ask.mutable_task()->set_resident_id(theirs);
  ask.mutable_task()->set_reason("missed_call");
  auto task = lobby::testing::CallRpc(*residents, &v1::ResidentService::Stub::RequestCallback, ask,
                                      lobby::testing::kAdminToken);
  ASSERT_TRUE(task.ok()) << task.status.error_message();
  v1::CompleteCallbackRequest done;
  done.set_id(task.value.id());
  done.set_outcome("called back");
  auto completed = lobby::testing::CallRpc(*residents, &v1::ResidentService::Stub::CompleteCallback,
                                           done, manager);
  EXPECT_EQ(completed.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace lobby::security
