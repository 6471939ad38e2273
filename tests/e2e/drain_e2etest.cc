// SIGTERM under load, as a Kubernetes rolling update does it: a replacement lobbyd starts on the
// same port (gRPC listens with SO_REUSEPORT, like a Service in front of two pods), the old one
// gets SIGTERM while clients keep creating repairs and dispatch keeps assigning them. Whatever
// was acknowledged must be there, and processed exactly once as far as the outcome goes.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "lobby/v1/dispatch.grpc.pb.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "services/common/grpc_server.h"
#include "tests/support/lobbyd_processes.h"

namespace lobby {
namespace {

using testing::Child;
using testing::WaitFor;

constexpr char kAdmin[] = "e2e-admin-token-0123456789";
constexpr int kClients = 8;
constexpr int kMembers = 24;  // plumbers with room for 100 tickets each
constexpr absl::Duration kPace =
    absl::Milliseconds(30);  // per client: ~250 tickets a second in all

class DrainTest : public testing::LobbydProcesses {
 protected:
  void SetUp() override {
    LobbydProcesses::SetUp();
    std::ofstream(dir_ + "/tokens") << "admin " << kAdmin << " e2e-admin\n";
    api_addr_ = absl::StrCat("127.0.0.1:", testing::FreeLoopbackPort());
  }

  // A lobbyd hosting `services` with gRPC on `grpc`; returns once it is ready.
  Child* Start(const std::string& name, const std::string& services, const std::string& grpc) {
    return StartLobbyd(
        name,
        {"--services=" + services, "--repairs-addr", api_addr_, "--complaints-addr", api_addr_,
         // the pod's own settings in the chart: stop taking calls a moment after
         // NOT_SERVING; entries a dead consumer held are taken over after 2 s
         "--shutdown-delay", "300ms", "--shutdown-grace", "10s", "--queue-claim-idle", "2s",
         "--queue-block", "100ms", "--dispatch-tick", "200ms"},
        {{"LOBBY_GRPC_LISTEN", grpc},
         {"LOBBY_HTTP_LISTEN", "127.0.0.1:0"},
         {"LOBBY_TOKENS_FILE", dir_ + "/tokens"},
         // processes that call each other share it (a Secret in the chart)
         {"LOBBY_SERVICE_TOKEN", "drain-service-token-0123456789"},
         {"LOBBY_LOG_FORMAT", "json"}});
  }
  // SIGTERM, as the kubelet sends it; the process must exit 0 well within its grace period.
  void Terminate(Child* c, const std::string& name) {
    c->Signal(SIGTERM);
    EXPECT_EQ(c->Wait(15), 0) << Log(name);
    std::string log = Log(name);
    EXPECT_NE(log.find("event=draining"), std::string::npos) << log;
    EXPECT_NE(log.find("event=stopped"), std::string::npos) << log;
  }

  std::string api_addr_;
};

TEST_F(DrainTest, RollingRestartsUnderLoadLoseNothingAndRepeatNothing) {
  Child* api = Start("api-1", "residents,repairs,complaints", api_addr_);
  Child* dispatch = Start("dispatch-1", "dispatch", "127.0.0.1:0");
  ASSERT_FALSE(HasFailure());

  auto channel = Dial(api_addr_);
  auto repairs = v1::RepairService::NewStub(channel);
  {
    // Plumbers with room for every ticket of the test.
    v1::ApplyEstateRequest req;
    std::string yaml =
        "site: demo\ntime_zone: Asia/Hong_Kong\nteams:\n  - {id: plumbing, categories: "
        "[plumbing]}\nmembers:\n";
    for (int i = 1; i <= kMembers; ++i) {
      absl::StrAppend(&yaml, "  - {id: p", i,
                      ", teams: [plumbing], skills: {plumbing: 3}, seniority: 3, capacity: 100, "
                      "on_call: true}\n");
    }
    req.set_yaml(yaml);
    v1::ApplyEstateResponse resp;
    // The estate is dispatch's: it is applied through the dispatch process.
    grpc::ClientContext ctx;
    PrepareClientContext(ctx, kAdmin, absl::Seconds(10));
    grpc::Status s =
        v1::DispatchService::NewStub(Dial(GrpcOf("dispatch-1")))->ApplyEstate(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // Clients create repairs, paced. Lobby's channel (Dial) retries calls a draining server
  // refused; one that still fails for want of a server is retried with the same idempotency
  // key, as every Lobby adapter does.
  std::atomic<int> next{0}, created{0}, retries{0}, failed{0};
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::map<std::string, std::string> ticket_of_key;
  std::vector<std::string> errors;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      while (!stop) {
        int i = next++;
        v1::CreateTicketRequest req;
        req.set_idempotency_key(absl::StrCat("drain-", i));
        v1::Ticket* t = req.mutable_ticket();
        t->set_site_id("demo");
        v1::Unit* u = t->mutable_location()->mutable_unit();
        u->set_site_id("demo");
        u->set_building("Tower 1");
        u->set_floor(std::to_string(1 + i % 30));
        u->set_room("A");
        t->set_category("plumbing");
        t->set_channel(v1::CHANNEL_SMS);
        t->mutable_reporter()->set_name(absl::StrCat("Guest ", i));
        t->set_description(absl::StrCat("leak number ", i));
        for (int attempt = 0;; ++attempt) {
          grpc::ClientContext ctx;
          PrepareClientContext(ctx, kAdmin, absl::Seconds(10));
          v1::Ticket resp;
          grpc::Status s = repairs->CreateRepair(&ctx, req, &resp);
          absl::SleepFor(kPace);
          if (s.ok()) {
            std::lock_guard lock(mu);
            ticket_of_key[req.idempotency_key()] = resp.id();
            created++;
            break;
          }
          bool unserved = s.error_code() == grpc::StatusCode::UNAVAILABLE ||
                          s.error_code() == grpc::StatusCode::CANCELLED;
          if (!unserved || attempt == 200) {
            std::lock_guard lock(mu);
            errors.push_back(
                absl::StrCat(req.idempotency_key(), ": ", s.error_code(), " ", s.error_message()));
            failed++;
            break;
          }
          retries++;
          absl::SleepFor(absl::Milliseconds(20));
        }
      }
    });
  }

  // Rolling restarts while the load runs: dispatch, then the API, then dispatch again.
  auto join = [&] {
    stop = true;
    for (auto& t : clients) {
      if (t.joinable()) t.join();
    }
  };
  // Goes on once `n` more tickets were created; on a failed call or a stall, stops the clients.
  auto more = [&](int n) {
    int from = created;
    bool ok = WaitFor([&] { return created >= from + n || failed > 0; }, 60) && failed == 0;
    if (!ok) join();
    return ok;
  };
  auto first_error = [&] {
    std::lock_guard lock(mu);
    return errors.empty() ? std::string("no progress for 60 s") : errors.front();
  };
  ASSERT_TRUE(more(100)) << first_error();
  Child* dispatch2 = Start("dispatch-2", "dispatch", "127.0.0.1:0");
  Terminate(dispatch, "dispatch-1");
  ASSERT_TRUE(more(100)) << first_error();
  Start("api-2", "residents,repairs,complaints", api_addr_);
  int before = created;
  Terminate(api, "api-1");
  EXPECT_GT(created, before) << "calls went on being answered while the old API drained";
  ASSERT_TRUE(more(100)) << first_error();
  Start("dispatch-3", "dispatch", "127.0.0.1:0");
  Terminate(dispatch2, "dispatch-2");
  ASSERT_TRUE(more(100)) << first_error();
  join();
  const int total = created;
  ASSERT_LE(total, kMembers * 100)
      << "more tickets than the plumbers have room for: slow the clients";

  EXPECT_TRUE(errors.empty()) << errors.size() << " failed, first: " << errors.front();
  ASSERT_EQ(ticket_of_key.size(), static_cast<size_t>(total));
  std::set<std::string> ids;
  for (const auto& [key, id] : ticket_of_key) ids.insert(id);
  EXPECT_EQ(ids.size(), static_cast<size_t>(total)) << "one ticket per idempotency key";

  // Every queue settles: every consumer group has read and acked every entry, none dead-lettered.
  ASSERT_TRUE(WaitFor([&] { return redis_.Settled(); }, 60));
  auto dlq = redis_.conn().Command({"XLEN", "lobby:q:dlq"});
  ASSERT_TRUE(dlq.ok());
  if (dlq->integer > 0) {
    auto first = redis_.conn().Command({"XRANGE", "lobby:q:dlq", "-", "+", "COUNT", "1"});
    std::string why;
    for (const auto& f : first->elements[0].elements[1].elements) absl::StrAppend(&why, f.str, " ");
    ADD_FAILURE() << dlq->integer << " dead-lettered, first: " << why;
  }

  // The outcome: the site holds exactly the acknowledged tickets, each assigned exactly once.
  std::map<std::string, int> assignments;
  std::map<std::string, std::string> assignee;
  std::string page;
  do {
    v1::ListTicketsRequest req;
    req.set_site_id("demo");
    req.set_page_size(500);
    req.set_page_token(page);
    v1::ListTicketsResponse resp;
    grpc::ClientContext ctx;
    PrepareClientContext(ctx, kAdmin, absl::Seconds(10));
    grpc::Status s = repairs->ListRepairs(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    for (const v1::Ticket& t : resp.tickets()) {
      assignee[t.id()] = t.assignee();
      int& n = assignments[t.id()];
      for (const v1::HistoryEntry& h : t.history()) n += h.action() == "assigned";
    }
    page = resp.next_page_token();
  } while (!page.empty());
  EXPECT_EQ(assignments.size(), static_cast<size_t>(total)) << "no ticket lost, none made twice";
  for (const std::string& id : ids) {
    EXPECT_EQ(assignments[id], 1) << id << " assigned " << assignments[id] << " times";
    EXPECT_FALSE(assignee[id].empty()) << id;
  }

  // Dispatch's own books agree: every ticket held by exactly one plumber, none in the pool.
  v1::GetBoardRequest req;
  req.set_site_id("demo");
  req.set_team("plumbing");
  v1::Board board;
  grpc::ClientContext ctx;
  PrepareClientContext(ctx, kAdmin, absl::Seconds(10));
  grpc::Status s =
      v1::DispatchService::NewStub(Dial(GrpcOf("dispatch-3")))->GetBoard(&ctx, req, &board);
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::multiset<std::string> held;
  for (const v1::BoardMember& m : board.members()) {
    for (const v1::BoardTicket& t : m.tickets()) held.insert(t.id());
  }
  EXPECT_EQ(held.size(), static_cast<size_t>(total));
  EXPECT_EQ(std::set<std::string>(held.begin(), held.end()), ids);
  EXPECT_EQ(board.pool_size(), 0);
  std::cout << "created " << total << " tickets through 3 rolling restarts; " << retries
            << " calls retried by the client after the channel's own retries\n";
}

}  // namespace
}  // namespace lobby
