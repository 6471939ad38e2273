// The HTTP API against gRPC, in one run: CreateRepair and GetRepair over loopback, the same
// requests with the same number of client threads, each call waiting for its answer, against
// an in-process lobbyd (with its gateway) and a real redis-server. The JSON path parses the
// body, calls the service over gRPC and prints the answer: what it costs shows here.
#include <httplib.h>

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "bench/bench_util.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "services/common/log.h"
#include "tests/support/harness.h"

using namespace lobby;

namespace {

constexpr int kThreads = 16;

v1::CreateTicketRequest Repair(int i, const std::string& run) {
  v1::CreateTicketRequest req;
  v1::Ticket* t = req.mutable_ticket();
  t->set_site_id("bench");
  auto* u = t->mutable_location()->mutable_unit();
  u->set_building("Tower " + std::to_string(1 + i % 4));
  u->set_floor(std::to_string(1 + i % 40));
  u->set_room(std::string(1, static_cast<char>('A' + i % 8)));
  t->set_category("plumbing");
  t->set_channel(v1::CHANNEL_WHATSAPP);
  t->set_description("bench report " + std::to_string(i));
  t->mutable_reporter()->set_name("Guest " + std::to_string(i % 5000));  // no register needed
  t->mutable_reporter()->set_phone("+8529123" + std::to_string(1000 + i % 5000));
  req.set_idempotency_key(run + ":" + std::to_string(i));
  return req;
}

std::string Json(const google::protobuf::Message& m) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(m, &out);
  return out;
}

// Runs `call(i)` for i in [0, total) on kThreads threads; prints the figures.
template <typename Call>
void Run(const std::string& name, int total, Call call) {
  std::atomic<int> next{0}, failures{0};
  std::vector<double> lat(total);
  auto t0 = bench::Clock::now();
  std::vector<std::thread> threads;
  for (int k = 0; k < kThreads; ++k) {
    threads.emplace_back([&, k] {
      auto state = call.Open(k);
      for (int i; (i = next.fetch_add(1)) < total;) {
        auto start = bench::Clock::now();
        if (!call.Do(*state, i)) failures++;
        lat[i] = bench::Seconds(start, bench::Clock::now()) * 1000;
      }
    });
  }
  for (auto& t : threads) t.join();
  bench::Report(name, total, bench::Seconds(t0, bench::Clock::now()), lat);
  if (failures) std::printf("  FAILED calls: %d\n", failures.load());
}

}  // namespace

int main(int argc, char** argv) {
  int total = argc > 1 ? std::atoi(argv[1]) : 10000;
  lobby::log::Init("text", "warn").IgnoreError();
  lobby::testing::RedisServer redis;
  lobby::testing::Harness lobbyd(redis, SystemClock::Get(), bench::ExtraFlags());
  int port = lobbyd.runtime->http().port();
  auto stub = v1::RepairService::NewStub(lobbyd.channel);
  std::printf("RepairService over loopback: %d calls each way, %d client threads\n", total,
              kThreads);
  const std::string token = lobby::testing::kAdminToken;
  std::vector<std::string> ids(total);

  struct Grpc {
    v1::RepairService::Stub* stub;
    const std::string* token;
    std::vector<std::string>* ids;
    bool create;
    struct State {};
    std::unique_ptr<State> Open(int) { return std::make_unique<State>(); }
    bool Do(State&, int i) {
      grpc::ClientContext ctx;
      PrepareClientContext(ctx, *token, absl::Seconds(30));
      // The callback API, waited for, as the gateway calls: like for like.
      v1::Ticket t;
      grpc::Status s;
      absl::Notification done;
      auto finish = [&](grpc::Status status) {
        s = std::move(status);
        done.Notify();
      };
      v1::CreateTicketRequest create_req;
      v1::GetTicketRequest get;
      if (create) {
        create_req = Repair(i, "grpc");
        stub->async()->CreateRepair(&ctx, &create_req, &t, finish);
      } else {
        get.set_id((*ids)[i]);
        stub->async()->GetRepair(&ctx, &get, &t, finish);
      }
      done.WaitForNotification();
      if (create) (*ids)[i] = t.id();
      if (!s.ok() && i == 0) std::printf("  %s\n", s.error_message().c_str());
      return s.ok();
    }
  };
  struct Http {
    int port;
    const std::string* token;
    std::vector<std::string>* ids;
    bool create;
    std::unique_ptr<httplib::Client> Open(int) {
      auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
      c->set_keep_alive(true);
      c->set_tcp_nodelay(true);
      return c;
    }
    bool Do(httplib::Client& c, int i) {
      httplib::Headers h = {{"Authorization", "Bearer " + *token}};
      std::string body;
      const char* path;
      if (create) {
        body = Json(Repair(i, "http"));
        path = "/lobby.v1.RepairService/CreateRepair";
      } else {
        body = "{\"id\":\"" + (*ids)[i] + "\"}";
        path = "/lobby.v1.RepairService/GetRepair";
      }
      auto r = c.Post(path, h, body, "application/json");
      if ((!r || r->status != 200) && i == 0) std::printf("  %s\n", r ? r->body.c_str() : "-");
      return r && r->status == 200;
    }
  };

  Run("CreateRepair over gRPC", total, Grpc{stub.get(), &token, &ids, true});
  Run("CreateRepair over HTTP/JSON (gateway)", total, Http{port, &token, &ids, true});
  Run("GetRepair over gRPC", total, Grpc{stub.get(), &token, &ids, false});
  Run("GetRepair over HTTP/JSON (gateway)", total, Http{port, &token, &ids, false});
  return 0;
}
