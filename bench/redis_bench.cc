// The Redis write path: many threads each waiting on one command at a time, through
// (a) a connection of their own, one round trip per command, and (b) the shared pipelining
// client, whose writers send everything queued in one round trip.
#include <atomic>
#include <thread>

#include "bench/bench_util.h"
#include "services/common/queue.h"
#include "services/common/redis.h"
#include "tests/support/redis_server.h"

using namespace lobby;

int main(int argc, char** argv) {
  int threads = 64, per_thread = 2000;
  if (argc > 1) per_thread = std::atoi(argv[1]);
  lobby::testing::RedisServer server;
  std::printf("redis write path: %d threads x %d XADD each, one at a time per thread\n", threads,
              per_thread);

  {
    auto start = bench::Clock::now();
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t) {
      ts.emplace_back([&, t] {
        redis::Connection conn(server.options());
        for (int i = 0; i < per_thread; ++i) {
          (void)conn.Command(queue::XAddArgs("bench:a", {{"k", std::to_string(i)}}));
        }
      });
    }
    for (auto& t : ts) t.join();
    bench::Report("connection per thread (one round trip each)", threads * per_thread,
                  bench::Seconds(start, bench::Clock::now()));
  }
  for (int pool : {1, 2}) {
    redis::Options o = server.options();
    o.pool_size = pool;
    redis::Client client(o);
    auto start = bench::Clock::now();
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t) {
      ts.emplace_back([&] {
        for (int i = 0; i < per_thread; ++i) {
          (void)client.Command(queue::XAddArgs("bench:b", {{"k", std::to_string(i)}}));
        }
      });
    }
    for (auto& t : ts) t.join();
    bench::Report("pipelining client, pool " + std::to_string(pool), threads * per_thread,
                  bench::Seconds(start, bench::Clock::now()));
  }
  return 0;
}
