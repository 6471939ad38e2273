// The process runtime over real sockets: gRPC health and reflection, HTTP /healthz and /metrics.
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "grpc/health/v1/health.grpc.pb.h"
#include "lobby/v1/residents.grpc.pb.h"
#include "services/common/runtime.h"
#include "tests/support/harness.h"

namespace lobby {
namespace {

using lobby::testing::Harness;
using lobby::testing::RedisTest;
using lobby::testing::WaitFor;
using Status = grpc::health::v1::HealthCheckResponse;

class RuntimeTest : public RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    harness_ = std::make_unique<Harness>(server(), SystemClock::Get());
    http_ = std::make_unique<httplib::Client>("127.0.0.1", harness_->runtime->http().port());
  }
  void TearDown() override { harness_.reset(); }

  Status::ServingStatus Health(const std::string& service = "") {
    auto stub = grpc::health::v1::Health::NewStub(harness_->channel);
    grpc::ClientContext ctx;
    PrepareClientContext(ctx, "", absl::Seconds(5));
    grpc::health::v1::HealthCheckRequest req;
    req.set_service(service);
    grpc::health::v1::HealthCheckResponse resp;
    grpc::Status s = stub->Check(&ctx, req, &resp);
    return s.ok() ? resp.status() : Status::UNKNOWN;
  }

  std::unique_ptr<Harness> harness_;
  std::unique_ptr<httplib::Client> http_;
};

TEST_F(RuntimeTest, HealthFollowsRedis) {
  EXPECT_EQ(Health(), Status::SERVING);
  EXPECT_EQ(Health("lobby.v1.ResidentService"), Status::SERVING);
  EXPECT_EQ(http_->Get("/healthz")->status, 200);
  server().Kill();
  EXPECT_TRUE(WaitFor([&] { return Health() == Status::NOT_SERVING; }));
  EXPECT_EQ(Health("lobby.v1.ResidentService"), Status::NOT_SERVING);
  EXPECT_EQ(http_->Get("/healthz")->status, 503);
  EXPECT_EQ(http_->Get("/healthz")->body, "unavailable: redis unreachable\n");
  // Liveness does not follow Redis: an outage takes pods out of rotation, it does not restart them.
  EXPECT_EQ(Health("liveness"), Status::SERVING);
  EXPECT_EQ(http_->Get("/livez")->status, 200);
  server().Start();
  EXPECT_TRUE(WaitFor([&] { return Health() == Status::SERVING; }));
  EXPECT_EQ(http_->Get("/healthz")->status, 200);
}

TEST_F(RuntimeTest, ShutdownReportsNotServingButServesThroughTheDelay) {
  harness_.reset();
  harness_ = std::make_unique<Harness>(
      server(), SystemClock::Get(),
      std::vector<std::string>{"--shutdown-delay", "1500ms", "--shutdown-grace", "5s"});
  http_ = std::make_unique<httplib::Client>("127.0.0.1", harness_->runtime->http().port());
  auto stub = v1::ResidentService::NewStub(harness_->channel);
  auto get = [&] {
    grpc::ClientContext ctx;
    PrepareClientContext(ctx, lobby::testing::kAdminToken, absl::Seconds(5));
    v1::GetResidentRequest req;
    req.set_id("RS-404");
    v1::Resident resp;
    return stub->GetResident(&ctx, req, &resp).error_code();
  };
  ASSERT_EQ(get(), grpc::StatusCode::NOT_FOUND);
  absl::Time signalled = absl::Now();
  std::thread stopper([&] { harness_->runtime->Shutdown(); });
  ASSERT_TRUE(WaitFor([&] { return Health() == Status::NOT_SERVING; }));
  auto ready = http_->Get("/healthz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  EXPECT_EQ(ready->body, "unavailable: shutting down\n");
  EXPECT_EQ(get(), grpc::StatusCode::NOT_FOUND) << "calls are still answered during the delay";
  EXPECT_LT(absl::Now() - signalled, absl::Milliseconds(1500));
  stopper.join();
  EXPECT_GE(absl::Now() - signalled, absl::Milliseconds(1500));
  EXPECT_EQ(get(), grpc::StatusCode::UNAVAILABLE) << "and refused once it is over";
}

TEST_F(RuntimeTest, MetricsSayWhetherRedisMayEvict) {
  EXPECT_NE(http_->Get("/metrics")->body.find("lobby_redis_noeviction 1\n"), std::string::npos)
      << "redis-server's default is noeviction";
  ASSERT_TRUE(server().conn().Command({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"}).ok());
  harness_.reset();
  harness_ = std::make_unique<Harness>(server(), SystemClock::Get());
  http_ = std::make_unique<httplib::Client>("127.0.0.1", harness_->runtime->http().port());
  std::string body = http_->Get("/metrics")->body;
  ASSERT_TRUE(server().conn().Command({"CONFIG", "SET", "maxmemory-policy", "noeviction"}).ok());
  EXPECT_NE(body.find("lobby_redis_noeviction 0\n"), std::string::npos) << body;
}

TEST_F(RuntimeTest, EveryoneFindsEachServiceWhereItRuns) {
  // One directory for services and adapters alike: --<service>-addr, else this process if it
  // hosts the service, else --lobby-addr, else this process.
  harness_.reset();
  harness_ =
      std::make_unique<Harness>(server(), SystemClock::Get(),
                                std::vector<std::string>{"--surveys-addr", "surveys.core:7000",
                                                         "--lobby-addr", "gateway:7000"});
  EXPECT_EQ(harness_->runtime->AddressOf("surveys"), "surveys.core:7000") << "its own address wins";
  EXPECT_EQ(harness_->runtime->AddressOf("residents"), harness_->runtime->grpc().address())
      << "then this process, which hosts it";

  auto runtime_with = [&](std::vector<std::string> flags) {
    config::Settings settings;
    config::CommonConfig::Declare(settings);
    flags.insert(flags.begin(), {"test", "--redis-url", server().url(), "--tokens",
                                 std::string("admin:") + lobby::testing::kAdminToken + ":alice"});
    std::vector<const char*> argv;
    for (auto& f : flags) argv.push_back(f.c_str());
    const char* env[] = {nullptr};
    EXPECT_TRUE(settings.Parse(static_cast<int>(argv.size()), argv.data(), env).ok());
    auto cfg = config::CommonConfig::From(settings);
    EXPECT_TRUE(cfg.ok()) << cfg.status();
    auto rt = Runtime::Create(*cfg, SystemClock::Get());
    EXPECT_TRUE(rt.ok()) << rt.status();
    return *std::move(rt);
  };
  auto adapters_only =
      runtime_with({"--repairs-addr", "repairs.core:7000", "--lobby-addr", "gateway:7000"});
  EXPECT_EQ(adapters_only->AddressOf("repairs"), "repairs.core:7000");
  EXPECT_EQ(adapters_only->AddressOf("dispatch"), "gateway:7000")
      << "not hosted here: --lobby-addr";
  auto alone = runtime_with({});
  EXPECT_EQ(alone->AddressOf("surveys"), alone->grpc().address()) << "else this process";
}

TEST_F(RuntimeTest, MetricsCountCallsByMethodAndCode) {
  auto stub = v1::ResidentService::NewStub(harness_->channel);
  for (const char* token : {lobby::testing::kAdminToken, "wrong-token-0123456789"}) {
    grpc::ClientContext ctx;
    PrepareClientContext(ctx, token, absl::Seconds(5));
    v1::GetResidentRequest req;
    req.set_id("RS-404");
    v1::Resident resp;
    (void)stub->GetResident(&ctx, req, &resp);
  }
  auto res = http_->Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  const std::string& body = res->body;
  const std::string m = "method=\"lobby.v1.ResidentService/GetResident\"";
  EXPECT_NE(body.find("lobby_rpc_total{" + m + ",code=\"NOT_FOUND\"} 1"), std::string::npos)
      << body;
  EXPECT_NE(body.find("lobby_rpc_total{" + m + ",code=\"UNAUTHENTICATED\"} 1"), std::string::npos);
  EXPECT_NE(body.find("lobby_rpc_duration_seconds_count{" + m + ",code=\"NOT_FOUND\"} 1"),
            std::string::npos);
  EXPECT_NE(body.find("lobby_queue_pending{stream=\"lobby:q:tickets\",group=\"timeline\"} 0"),
            std::string::npos);
  EXPECT_NE(body.find("lobby_queue_lag{stream=\"lobby:q:tickets\",group=\"timeline\"} 0"),
            std::string::npos);
  EXPECT_NE(body.find("lobby_redis_errors_total 0"), std::string::npos);
  EXPECT_NE(body.find("lobby_up 1"), std::string::npos);
}

TEST_F(RuntimeTest, MetricsCountTheTurnsOfEveryTimerLoop) {
  ASSERT_TRUE(harness_->WholeTurn("sla"));
  uint64_t turns = harness_->runtime->LoopTurns("sla");
  EXPECT_GE(turns, 2u);
  EXPECT_EQ(harness_->runtime->LoopTurns("no such loop"), 0u);
  std::string body = http_->Get("/metrics")->body;
  for (const char* loop : {"sla", "shifts", "surveys"})
    EXPECT_NE(body.find(absl::StrCat("lobby_loop_turns_total{loop=\"", loop, "\"} ")),
              std::string::npos)
        << loop << "\n"
        << body;
}

TEST_F(RuntimeTest, ReflectionListsTheServices) {
  grpc::CompletionQueue cq;
  grpc::GenericStub generic(harness_->channel);
  grpc::ClientContext ctx;
  PrepareClientContext(ctx, "", absl::Seconds(5));
  auto call = generic.PrepareCall(
      &ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  auto step = [&](intptr_t want) {
    void* tag;
    bool ok = false;
    EXPECT_TRUE(cq.Next(&tag, &ok));
    EXPECT_EQ(reinterpret_cast<intptr_t>(tag), want);
    return ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(step(1));
  // ServerReflectionRequest{list_services: ""}: field 7, length-delimited, empty.
  grpc::Slice slice(std::string("\x3a\x00", 2));
  grpc::ByteBuffer request(&slice, 1);
  call->Write(request, reinterpret_cast<void*>(2));
  ASSERT_TRUE(step(2));
  call->WritesDone(reinterpret_cast<void*>(3));
  ASSERT_TRUE(step(3));
  grpc::ByteBuffer response;
  call->Read(&response, reinterpret_cast<void*>(4));
  ASSERT_TRUE(step(4));
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_NE(bytes.find("lobby.v1.ResidentService"), std::string::npos);
  EXPECT_NE(bytes.find("grpc.health.v1.Health"), std::string::npos);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  step(5);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

}  // namespace
}  // namespace lobby
