// Dispatch: routing decisions per second (the pure router, 50-member estate), and
// created-to-assigned latency through an in-process lobbyd, measured from the events' own
// timestamps on lobby:q:tickets (ticket.created "at" to ticket.assigned "at").
#include <map>
#include <random>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bench/bench_util.h"
#include "lobby/v1/dispatch.grpc.pb.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "services/common/log.h"
#include "services/common/queue.h"
#include "services/dispatch/estate.h"
#include "services/dispatch/router.h"
#include "tests/support/harness.h"

using namespace lobby;

namespace {

const char* kCategories[] = {"plumbing", "electrical", "lift", "doors_locks", "cleaning"};

std::string EstateYaml(int teams, int per_team) {
  std::string y = "site: bench\ntime_zone: Asia/Hong_Kong\nteams:\n";
  for (int t = 0; t < teams; ++t)
    absl::StrAppend(&y, "  - {id: t", t, ", categories: [", kCategories[t % 5], "]}\n");
  y += "members:\n";
  for (int t = 0; t < teams; ++t) {
    for (int m = 0; m < per_team; ++m) {
      absl::StrAppend(&y, "  - {id: m", t, "_", m, ", teams: [t", t, "], skills: {",
                      kCategories[t % 5], ": ", 1 + m % 3, "}, seniority: ", 1 + (m + 1) % 3,
                      ", capacity: 100, on_call: true}\n");
    }
  }
  y += "rules:\n  - {name: plumbing emergencies, match: {priority: [P1], category: [plumbing]}, "
       "team: t0, min_skill: 2}\n";
  // Clocks on every ticket, as in a real estate: each new ticket also gets its deadlines.
  y += "business_hours: {weekdays: \"09:00-18:00\"}\nholidays: [2026-12-25]\n"
       "sla_policies:\n  - {name: urgent, match: {priority: [P1, P2]}, acknowledge: 15m, arrive: "
       "1h, resolve: 4h}\n"
       "  - {name: routine, acknowledge: 2h, arrive: 1d, resolve: 3d, business_hours: true}\n";
  return y;
}

}  // namespace

int main(int argc, char** argv) {
  int creates = argc > 1 ? std::atoi(argv[1]) : 1000;
  int rate = argc > 2 ? std::atoi(argv[2]) : 100;  // tickets per second, steady
  lobby::log::Init("text", "warn").IgnoreError();

  // 1. The router alone.
  auto estate = dispatch::ParseEstate(EstateYaml(5, 10));
  if (!estate.ok()) {
    std::printf("bad estate: %s\n", estate.status().ToString().c_str());
    return 1;
  }
  dispatch::Workloads loads;
  std::mt19937 rng(7);
  const int decisions = 200000;
  int assigned = 0;
  auto t0 = bench::Clock::now();
  for (int i = 0; i < decisions; ++i) {
    dispatch::TicketFacts f{"repair", kCategories[rng() % 5],
                            static_cast<v1::Priority>(1 + rng() % 4),
                            "Tower " + std::to_string(1 + rng() % 4), "tap leaking"};
    v1::Decision d = dispatch::Decide(*estate, f, absl::Now(), loads);
    if (!d.assignee().empty()) {
      auto& w = loads[d.assignee()];
      w.open = (w.open + 1) % 50;
      w.last_assigned_ms = i;
      ++assigned;
    }
  }
  bench::Report("routing decisions (50 members, explained)", decisions,
                bench::Seconds(t0, bench::Clock::now()));
  if (assigned != decisions) std::printf("unassigned decisions: %d\n", decisions - assigned);

  // 2. Created to assigned, through lobbyd.
  lobby::testing::RedisServer redis;
  lobby::testing::Harness lobbyd(redis, SystemClock::Get(), bench::ExtraFlags());
  auto dispatch_stub = v1::DispatchService::NewStub(lobbyd.channel);
  v1::ApplyEstateRequest apply;
  apply.set_yaml(EstateYaml(5, 10));
  auto applied = lobby::testing::CallRpc(*dispatch_stub, &v1::DispatchService::Stub::ApplyEstate,
                                         apply, lobby::testing::kAdminToken);
  if (!applied.ok()) return 1;
  auto repairs = v1::RepairService::NewStub(lobbyd.channel);
  t0 = bench::Clock::now();
  for (int i = 0; i < creates; ++i) {
    // A steady arrival rate: an estate's reports come in over time, not all at once.
    std::this_thread::sleep_until(t0 +
                                  std::chrono::microseconds(1'000'000LL * i / std::max(1, rate)));
    v1::CreateTicketRequest req;
    v1::Ticket* t = req.mutable_ticket();
    t->set_site_id("bench");
    auto* u = t->mutable_location()->mutable_unit();
    u->set_building("Tower " + std::to_string(1 + i % 4));
    u->set_floor("3");
    u->set_room("A");
    t->set_category(kCategories[i % 5]);
    t->set_channel(v1::CHANNEL_SMS);
    t->set_description("bench");
    t->mutable_reporter()->set_resident_id("RS-10001");
    auto r = lobby::testing::CallRpc(*repairs, &v1::RepairService::Stub::CreateRepair, req,
                                     lobby::testing::kAdapterToken);
    if (!r.ok()) return 1;
  }
  double create_secs = bench::Seconds(t0, bench::Clock::now());
  std::map<std::string, int64_t> created_at;
  std::vector<double> latency, clocked;
  lobby::testing::WaitFor(
      [&] {
        created_at.clear();
        latency.clear();
        clocked.clear();
        auto r = redis.conn().Command({"XRANGE", queue::kTicketsStream, "-", "+"});
        if (!r.ok()) return false;
        for (const auto& e : queue::ParseEntries(*r)) {
          int64_t at = 0;
          (void)absl::SimpleAtoi(e.Get("at"), &at);
          std::string id(e.Get("ticket_id"));
          if (e.Get("type") == "ticket.created") created_at[id] = at;
          if (e.Get("type") == "ticket.assigned" && created_at.count(id))
            latency.push_back(static_cast<double>(at - created_at[id]));
          if (e.Get("type") == "ticket.sla_set" && created_at.count(id))
            clocked.push_back(static_cast<double>(at - created_at[id]));
        }
        return static_cast<int>(latency.size()) >= creates &&
               static_cast<int>(clocked.size()) >= creates;
      },
      60);
  std::printf("created %d tickets at %d/s in %.2f s\n", creates, rate, create_secs);
  bench::Report("created -> assigned (event times, ms)", latency.size(), create_secs, latency);
  bench::Report("created -> deadlines set (event times, ms)", clocked.size(), create_secs, clocked);
  return static_cast<int>(latency.size()) >= creates ? 0 : 1;
}
