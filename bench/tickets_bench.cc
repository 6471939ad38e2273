// CreateRepair over loopback gRPC with many calls in flight: throughput and latency, against an
// in-process lobbyd and a real redis-server. Each create validates against the site catalog,
// checks the open incidents, takes a number and writes record + indexes + event in one script.
#include <atomic>
#include <condition_variable>
#include <mutex>

#include "bench/bench_util.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "services/common/log.h"
#include "tests/support/harness.h"

using namespace lobby;

int main(int argc, char** argv) {
  int total = argc > 1 ? std::atoi(argv[1]) : 20000;
  int in_flight = 64;
  lobby::log::Init("text", "warn").IgnoreError();
  lobby::testing::RedisServer redis;
  lobby::testing::Harness lobbyd(redis, SystemClock::Get(), bench::ExtraFlags());
  auto stub = v1::RepairService::NewStub(lobbyd.channel);
  std::printf("RepairService over loopback: %d creates, %d in flight\n", total, in_flight);

  const char* kCategories[] = {"plumbing", "electrical", "lift", "doors_locks", "cleaning", "pest"};
  struct Call {
    grpc::ClientContext ctx;
    v1::CreateTicketRequest req;
    v1::Ticket resp;
    bench::Clock::time_point start;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<int> next{0}, failures{0};
  int finished = 0;
  std::vector<double> lat(total);
  std::function<void()> launch = [&] {
    int i = next.fetch_add(1);
    if (i >= total) return;
    auto* c = new Call;
    PrepareClientContext(c->ctx, lobby::testing::kAdapterToken, absl::Seconds(30));
    v1::Ticket* t = c->req.mutable_ticket();
    t->set_site_id("bench");
    auto* u = t->mutable_location()->mutable_unit();
    u->set_building("Tower " + std::to_string(1 + i % 4));
    u->set_floor(std::to_string(1 + i % 40));
    u->set_room(std::string(1, static_cast<char>('A' + i % 8)));
    t->set_category(kCategories[i % 6]);
    t->set_channel(v1::CHANNEL_WHATSAPP);
    t->set_description("bench report " + std::to_string(i));
    t->mutable_reporter()->set_resident_id("RS-" + std::to_string(10001 + i % 5000));
    c->req.set_idempotency_key("bench:" + std::to_string(i));
    c->start = bench::Clock::now();
    stub->async()->CreateRepair(&c->ctx, &c->req, &c->resp, [&, c, i](grpc::Status s) {
      lat[i] = bench::Seconds(c->start, bench::Clock::now()) * 1000;
      if (!s.ok()) failures++;
      delete c;
      launch();
      std::lock_guard lock(mu);
      if (++finished == total) cv.notify_all();
    });
  };
  auto t0 = bench::Clock::now();
  for (int k = 0; k < in_flight; ++k) launch();
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return finished == total; });
  }
  bench::Report("CreateRepair (idempotency key, event)", total,
                bench::Seconds(t0, bench::Clock::now()), lat);
  if (failures) std::printf("FAILED calls: %d\n", failures.load());
  return failures ? 1 : 0;
}
