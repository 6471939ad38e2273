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
#include "lobby/v1/complaints.grpc.pb.h"
#include "lobby/v1/dispatch.grpc.pb.h"
#include "lobby/v1/hotline.grpc.pb.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "lobby/v1/residents.grpc.pb.h"
#include "lobby/v1/surveys.grpc.pb.h"
#include "services/common/permissions.h"
#include "tests/support/harness.h"

namespace lobby::security {
namespace {

using auth::Role;
using lobby::testing::Harness;
using lobby::testing::RedisTest;

constexpr const char* kServices[] = {"lobby.v1.ResidentService",  "lobby.v1.RepairService",
                                     "lobby.v1.ComplaintService", "lobby.v1.SurveyService",
                                     "lobby.v1.DispatchService",  "lobby.v1.HotlineService"};

struct RoleToken {
  Role role;
  const char* token;
};
constexpr RoleToken kTokens[] = {{Role::kAdapter, lobby::testing::kAdapterToken},
                                 {Role::kAgent, lobby::testing::kAgentToken},
                                 {Role::kTechnician, lobby::testing::kTechToken},
                                 {Role::kManager, "manager-token-0123456789"},
                                 {Role::kAdmin, lobby::testing::kAdminToken}};

// The descriptors of every service, linked in by naming each one.
std::vector<const google::protobuf::MethodDescriptor*> AllMethods() {
  (void)v1::ResidentService::service_full_name();
  (void)v1::RepairService::service_full_name();
  (void)v1::ComplaintService::service_full_name();
  (void)v1::SurveyService::service_full_name();
  (void)v1::DispatchService::service_full_name();
  (void)v1::HotlineService::service_full_name();
  std::vector<const google::protobuf::MethodDescriptor*> out;
  for (const char* name : kServices) {
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
  for (const auto* m : AllMethods()) {
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
            "--tokens-file", lobby::testing::TokensFile({{"manager", kTokens[3].token, "may"}}),
            "--hotline-lines", "8000=demo", "--hotline-webhook-secret", "cti-secret-0123456789"});
  }
  void TearDown() override { harness_.reset(); }

  /// The status of `method` called with an empty request and `token`.
  grpc::Status CallEmpty(const google::protobuf::MethodDescriptor* method,
                         const std::string& token) {
    grpc::ClientContext ctx;
    PrepareClientContext(ctx, token, absl::Seconds(2));
    if (method->server_streaming()) {
      // Both streams answer a refused role at once; an allowed one is let in (and may then
      // wait for events until the deadline, or refuse the empty request).
      ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Milliseconds(500)));
      if (method->service()->name() == "DispatchService") {
        auto stub = v1::DispatchService::NewStub(harness_->channel);
        auto reader = stub->WatchAssignments(&ctx, v1::WatchAssignmentsRequest());
        v1::AssignmentEvent e;
        while (reader->Read(&e)) {
        }
        return reader->Finish();
      }
      auto stub = v1::HotlineService::NewStub(harness_->channel);
      auto reader = stub->WatchCalls(&ctx, v1::WatchCallsRequest());
      v1::CallEvent e;
      while (reader->Read(&e)) {
      }
      return reader->Finish();
    }
    grpc::GenericStub stub(harness_->channel);
    grpc::Slice empty("", 0);  // an empty message is zero bytes
    grpc::ByteBuffer request(&empty, 1), response;
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
      EXPECT_EQ(refused_for_role, !allowed.Has(rt.role))
          << name << " as " << auth::RoleName(rt.role) << ": " << s.error_code() << " "
          << s.error_message();
      EXPECT_NE(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << name;
      EXPECT_NE(s.error_code(), grpc::StatusCode::UNIMPLEMENTED) << name << " is not served";
      ++checked;
    }
    grpc::Status anonymous = CallEmpty(m, "");
    EXPECT_EQ(anonymous.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << name << " without a token";
  }
  EXPECT_GE(checked, 60 * 5);
}

}  // namespace
}  // namespace lobby::security
