// Queue produce and consume rates on a real redis-server.
#include <atomic>
#include <thread>

#include "bench/bench_util.h"
#include "services/common/queue.h"
#include "services/common/redis.h"
#include "tests/support/redis_server.h"

using namespace lobby;

int main(int argc, char** argv) {
  int total = argc > 1 ? std::atoi(argv[1]) : 100000;
  int producers = 64;
  lobby::testing::RedisServer server;
  redis::Client client(server.options());
  queue::Fields fields = {{"v", "1"},
                          {"type", "ticket.created"},
                          {"ticket_id", "R-10001"},
                          {"resident_id", "RS-10001"},
                          {"site_id", "demo"}};
  std::printf("queue: %d entries, %d concurrent producers\n", total, producers);
  auto start = bench::Clock::now();
  std::atomic<int> next{0};
  std::vector<std::thread> ts;
  for (int p = 0; p < producers; ++p) {
    ts.emplace_back([&] {
      while (next.fetch_add(1) < total) (void)queue::Publish(client, "lobby:q:bench", fields);
    });
  }
  for (auto& t : ts) t.join();
  bench::Report("produce (Publish, pipelined across callers)", total,
                bench::Seconds(start, bench::Clock::now()));

  for (int batch : {1, 64, 256}) {
    std::string group = "g" + std::to_string(batch);
    queue::ConsumerOptions o;
    o.stream = "lobby:q:bench";
    o.group = group;
    o.consumer = "c1";
    o.batch = batch;
    o.block = absl::Milliseconds(100);
    queue::Consumer c(server.options(), o, [](const queue::Entry&) { return absl::OkStatus(); });
    start = bench::Clock::now();
    c.Start();
    while (c.handled() < static_cast<uint64_t>(total))
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    auto end = bench::Clock::now();
    c.Stop();
    bench::Report("consume + ack, batch " + std::to_string(batch), total,
                  bench::Seconds(start, end));
  }
  return 0;
}
