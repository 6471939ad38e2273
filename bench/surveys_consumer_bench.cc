// How fast the surveys consumer keeps up with lobby:q:tickets: the real SurveyLogic on its
// Redis store, fed ticket events (created, acknowledged, on site, resolved: counters, ticket
// facts, unit faults and a scheduled survey per ticket), handled one at a time and sharded by
// ticket over N threads, whose Redis commands share pipelined round trips. Prints events/s.
//   build/bin/surveys_consumer_bench [tickets]
#include <thread>

#include "absl/strings/str_cat.h"
#include "bench/bench_util.h"
#include "services/common/log.h"
#include "services/common/queue.h"
#include "services/surveys/redis_survey_store.h"
#include "services/surveys/survey_logic.h"
#include "tests/support/redis_server.h"

using namespace lobby;

namespace {

// The counting path asks no other service: these answer nothing.
class NoResidents final : public surveys::ResidentDirectory {
 public:
  absl::StatusOr<v1::Resident> Get(absl::string_view) override {
    return absl::NotFoundError("bench");
  }
  absl::StatusOr<std::vector<v1::Resident>> InBuilding(absl::string_view,
                                                       absl::string_view) override {
    return std::vector<v1::Resident>{};
  }
};
class NoTickets final : public surveys::TicketReopener {
 public:
  absl::Status Reopen(absl::string_view, absl::string_view) override { return absl::OkStatus(); }
};

void Publish(redis::Client& client, int tickets, const std::string& site) {
  const char* types[] = {"ticket.created", "ticket.acknowledged", "ticket.on_site",
                         "ticket.resolved"};
  int64_t at = absl::ToUnixMillis(absl::Now());
  std::vector<redis::Args> batch;
  for (int i = 0; i < tickets; ++i) {
    for (int k = 0; k < 4; ++k) {
      queue::Fields f = {{"v", "1"},
                         {"type", types[k]},
                         {"ticket_id", absl::StrCat("R-", 100000 + i)},
                         {"kind", "repair"},
                         {"site_id", site},
                         {"building", "Tower 1"},
                         {"category", "plumbing"},
                         {"priority", "P3"},
                         {"channel", "whatsapp"},
                         {"team", "plumbing"},
                         {"assignee", "lee"},
                         {"resident_id", "RS-10001"},
                         {"at", std::to_string(at + k * 600000)},
                         {"unit", absl::StrCat("Tower 1/3/", i % 40)}};
      batch.push_back(queue::XAddArgs(queue::kTicketsStream, f));
      if (batch.size() == 512) {
        (void)client.Run(std::move(batch));
        batch.clear();
      }
    }
  }
  if (!batch.empty()) (void)client.Run(std::move(batch));
}

}  // namespace

int main(int argc, char** argv) {
  int tickets = argc > 1 ? std::atoi(argv[1]) : 5000;
  (void)log::Init("text", "warn");
  std::printf("surveys consumer: %d tickets, 4 events each\n", tickets);
  // Without persistence, then as production runs Redis: AOF with an fsync per write.
  for (bool fsync : {false, true}) {
    lobby::testing::RedisServer::Config config;
    if (fsync) config.extra_args = {"--appendonly", "yes", "--appendfsync", "always"};
    lobby::testing::RedisServer redis(config);
    redis::Client client(redis.options());
    surveys::RedisSurveyStore store(client);
    NoResidents residents;
    NoTickets reopener;
    surveys::SurveyLogic logic(store, SystemClock::Get(), residents, reopener);
    for (int parallel : {1, 8}) {
      std::string site = absl::StrCat("bench", parallel);
      (void)client.Command({"DEL", queue::kTicketsStream});
      Publish(client, tickets, site);
      queue::ConsumerOptions o;
      o.stream = queue::kTicketsStream;
      o.group = absl::StrCat("surveys", parallel);
      o.consumer = "c1";
      o.block = absl::Milliseconds(100);
      o.parallel = parallel;
      queue::Consumer c(redis.options(), o,
                        [&](const queue::Entry& e) { return logic.HandleEvent(e); });
      auto start = bench::Clock::now();
      c.Start();
      uint64_t total = static_cast<uint64_t>(tickets) * 4;
      while (c.handled() + c.failed() < total)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      double s = bench::Seconds(start, bench::Clock::now());
      c.Stop();
      bench::Report(absl::StrCat("events handled, parallel ", parallel,
                                 fsync ? ", appendfsync always" : ", no persistence",
                                 c.failed() ? " (with failures!)" : ""),
                    total, s);
    }
  }
  return 0;
}
