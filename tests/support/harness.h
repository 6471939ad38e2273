#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lobby/v1/dispatch.grpc.pb.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "lobby/v1/residents.grpc.pb.h"
#include "services/common/component.h"
#include "services/common/runtime.h"
#include "services/lobbyd/components.h"
#include "tests/support/redis_server.h"

namespace lobby::testing {

inline constexpr char kAdminToken[] = "admin-token-0123456789";
inline constexpr char kAgentToken[] = "agent-token-0123456789";
inline constexpr char kTechToken[] = "tech-token-0123456789";
inline constexpr char kAdapterToken[] = "adapter-token-0123456789";

/// A unary call's outcome, for tests.
template <typename Resp>
struct Result {
  grpc::Status status;
  Resp value;
  bool ok() const { return status.ok(); }
  grpc::StatusCode code() const { return status.error_code(); }
};

/// Calls `method` on `stub` with `token` and a deadline; an adapter's call names whom it acts
/// for with `acting_for` ("resident:RS-10001").
template <typename Stub, typename Req, typename Resp>
Result<Resp> CallRpc(Stub& stub,
                     grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                     const Req& req, const std::string& token, const std::string& acting_for = "") {
  grpc::ClientContext ctx;
  PrepareClientContext(ctx, token, absl::Seconds(10));
  if (!acting_for.empty()) ctx.AddMetadata(auth::kActingForHeader, acting_for);
  Result<Resp> r;
  r.status = (stub.*method)(&ctx, req, &r.value);
  return r;
}

/// Applies an estate YAML (teams, members, rules, the register) through DispatchService, as an
/// admin; a refusal is a test failure.
inline void ApplyEstate(const std::shared_ptr<grpc::Channel>& channel, const std::string& yaml) {
  auto dispatch = v1::DispatchService::NewStub(channel);
  v1::ApplyEstateRequest req;
  req.set_yaml(yaml);
  auto r = CallRpc(*dispatch, &v1::DispatchService::Stub::ApplyEstate, req, kAdminToken);
  EXPECT_TRUE(r.ok()) << r.status.error_message();
}

/// A repair of a unit in estate "demo" (Tower 1, floor 3), reported on WhatsApp by an adapter.
struct RepairSpec {
  v1::Priority priority = v1::PRIORITY_UNSPECIFIED;  // the category's default
  std::string category = "plumbing";
  std::string room = "A";
  std::string description = "tap leaking";
  std::string resident = "RS-10001";
  v1::Channel channel = v1::CHANNEL_WHATSAPP;  // the one it came by
};
inline std::string CreateRepair(v1::RepairService::Stub& repairs, const RepairSpec& spec) {
  v1::CreateTicketRequest req;
  v1::Ticket* t = req.mutable_ticket();
  t->set_site_id("demo");
  auto* u = t->mutable_location()->mutable_unit();
  u->set_building("Tower 1");
  u->set_floor("3");
  u->set_room(spec.room);
  t->set_category(spec.category);
  t->set_priority(spec.priority);
  t->set_channel(spec.channel);
  t->set_description(spec.description);
  t->mutable_reporter()->set_resident_id(spec.resident);
  auto r = CallRpc(repairs, &v1::RepairService::Stub::CreateRepair, req, kAdapterToken);
  EXPECT_TRUE(r.ok()) << r.status.error_message();
  return r.value.id();
}
/// Gives repair `id` to `member` of `team` (as an admin).
inline void AssignRepair(v1::RepairService::Stub& repairs, const std::string& id,
                         const std::string& team, const std::string& member) {
  v1::AssignRequest a;
  a.set_id(id);
  a.set_team(team);
  a.set_assignee(member);
  auto r = CallRpc(repairs, &v1::RepairService::Stub::Assign, a, kAdminToken);
  EXPECT_TRUE(r.ok()) << r.status.error_message();
}
/// Moves repair `id` through `actions`, in order (as an admin).
inline void TransitionRepair(v1::RepairService::Stub& repairs, const std::string& id,
                             std::initializer_list<v1::TicketAction> actions) {
  for (v1::TicketAction action : actions) {
    v1::TransitionRequest t;
    t.set_id(id);
    t.set_action(action);
    auto r = CallRpc(repairs, &v1::RepairService::Stub::Transition, t, kAdminToken);
    EXPECT_TRUE(r.ok()) << r.status.error_message();
  }
}
inline v1::Ticket GetRepair(v1::RepairService::Stub& repairs, const std::string& id) {
  v1::GetTicketRequest req;
  req.set_id(id);
  return CallRpc(repairs, &v1::RepairService::Stub::GetRepair, req, kAdminToken).value;
}

/// A tokens file (ROLE TOKEN NAME lines) with `tokens`, beside the harness's own --tokens;
/// removed when the test program exits.
inline std::string TokensFile(const std::vector<std::array<std::string, 3>>& tokens) {
  struct Files {
    std::mutex mu;
    std::vector<std::string> paths;
    ~Files() {
      for (const auto& p : paths) ::unlink(p.c_str());
    }
  };
  static Files files;
  char path[] = "/tmp/lobby-tokens-XXXXXX";
  int fd = mkstemp(path);
  {
    std::lock_guard lock(files.mu);
    files.paths.push_back(path);
  }
  std::string text;
  for (const auto& [role, token, name] : tokens) text += role + " " + token + " " + name + "\n";
  (void)!::write(fd, text.data(), text.size());
  ::close(fd);
  return path;
}

/// Residents RS-10001 to RS-1000n of estate "demo" (Tower 1, floor 3, rooms A, B, ...), for
/// tests whose tickets need real reporters (a ticket's reporter must live in its estate).
inline std::string CreateResidentIn(const std::shared_ptr<grpc::Channel>& channel,
                                    const std::string& site, const std::string& room = "A") {
  static std::atomic<int> phones{0};
  auto residents = v1::ResidentService::NewStub(channel);
  v1::CreateResidentRequest req;
  v1::Resident* r = req.mutable_resident();
  r->set_name(absl::StrCat("Resident ", room));
  r->add_phones(absl::StrCat("+852612", 30000 + phones++ % 60000));
  r->mutable_unit()->set_site_id(site);
  r->mutable_unit()->set_building("Tower 1");
  r->mutable_unit()->set_floor("3");
  r->mutable_unit()->set_room(room);
  r->set_role(v1::RESIDENT_ROLE_OWNER);
  auto created = CallRpc(*residents, &v1::ResidentService::Stub::CreateResident, req, kAdminToken);
  EXPECT_TRUE(created.ok()) << created.status.error_message();
  return created.value.id();
}
inline void SeedResidents(const std::shared_ptr<grpc::Channel>& channel, int n) {
  for (int i = 0; i < n; ++i)
    CreateResidentIn(channel, "demo", std::string(1, static_cast<char>('A' + i % 26)));
}

/// An in-process lobbyd built from lobbyd's own component list: the runtime, every service, and
/// the adapters a test gives the setting they need (ComponentDef::needs: a token, or the
/// hotline's --hotline-lines), on port 0 against `redis`, with the given clock and extra flags.
class Harness {
 public:
  Harness(RedisServer& redis, const Clock& clock, std::vector<std::string> flags = {}) {
    config::Settings settings;
    config::CommonConfig::Declare(settings);
    for (const ComponentDef& c : Components()) c.declare(settings);
    std::vector<std::string> args = {
        "test", "--grpc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--health-interval",
        "20ms", "--queue-block", "50ms", "--redis-connect-timeout", "200ms", "--redis-url",
        redis.url(), "--tokens",
        std::string("admin:") + kAdminToken + ":alice,agent:" + kAgentToken +
            ":bob,technician:" + kTechToken + ":tom,adapter:" + kAdapterToken + ":sms",
        "--chat-sites", "demo", "--chat-timezone", "Asia/Hong_Kong",
        // Adapters call with exactly the adapter role, as the docs advise.
        "--adapter-token", kAdapterToken};
    args.insert(args.end(), flags.begin(), flags.end());
    std::vector<const char*> argv;
    for (auto& a : args) argv.push_back(a.c_str());
    const char* env[] = {nullptr};
    absl::Status parsed = settings.Parse(static_cast<int>(argv.size()), argv.data(), env);
    if (!parsed.ok()) Fail(parsed);
    auto cfg = config::CommonConfig::From(settings);
    if (!cfg.ok()) Fail(cfg.status());
    auto rt = Runtime::Create(*cfg, clock);
    if (!rt.ok()) Fail(rt.status());
    runtime = *std::move(rt);
    for (const ComponentDef& c : Components()) {
      if (c.kind == ComponentDef::Kind::kAdapter && settings.Get(std::string(c.needs)).empty())
        continue;
      auto made = c.create(settings, *runtime);
      if (!made.ok()) Fail(made.status());
      components.push_back(*std::move(made));
    }
    if (absl::Status s = runtime->Start(); !s.ok()) Fail(s);
    channel = Dial(runtime->grpc().address());
    // The consumers create their groups (and streams) on their own threads: wait for them, so
    // tests that compare Redis before and after a call see a settled keyspace.
    bool ready = WaitFor([&] {
      auto r = redis.conn().Command({"XINFO", "GROUPS", queue::kTicketsStream});
      return r.ok() && r->elements.size() >= 3;  // timeline, dispatch and surveys
    });
    if (!ready) Fail(absl::DeadlineExceededError("consumer group never appeared"));
  }
  ~Harness() {
    runtime->Shutdown();
    components.clear();  // before the runtime they are built on
  }

  std::unique_ptr<Runtime> runtime;
  /// Waits until the timer loop `loop` ("sla", "surveys") has finished two more turns, so that
  /// one whole turn saw what the test just changed (the clock): for checks that nothing happened.
  bool WholeTurn(absl::string_view loop) {
    uint64_t start = runtime->LoopTurns(loop);
    return WaitFor([&] { return runtime->LoopTurns(loop) >= start + 2; });
  }

  std::vector<std::unique_ptr<Component>> components;  // destroyed before the runtime
  std::shared_ptr<grpc::Channel> channel;

 private:
  static void Fail(const absl::Status& s) {
    fprintf(stderr, "harness: %s\n", s.ToString().c_str());
    std::abort();
  }
};

/// A fixture with a Redis per suite and an in-process lobbyd per test (on a FakeClock), and a
/// stub of `Service` with a Call() that defaults to the admin token.
template <typename Service>
class ServiceTest : public RedisTest {
 protected:
  using Stub = typename Service::Stub;

  void SetUp() override {
    RedisTest::SetUp();
    harness_ = std::make_unique<Harness>(server(), clock_);
    stub_ = Service::NewStub(harness_->channel);
  }
  void TearDown() override { harness_.reset(); }

  template <typename Req, typename Resp>
  Result<Resp> Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                    const Req& req, const std::string& token = kAdminToken) {
    return CallRpc(*stub_, method, req, token);
  }

  FakeClock clock_;
  std::unique_ptr<Harness> harness_;
  std::unique_ptr<Stub> stub_;
};

}  // namespace lobby::testing
