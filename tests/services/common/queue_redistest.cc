#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "services/common/queue.h"
#include "tests/support/redis_server.h"

namespace lobby::queue {
namespace {

using lobby::testing::RedisTest;
using lobby::testing::WaitFor;

constexpr char kStream[] = "lobby:q:test";

class QueueTest : public RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    client_ = std::make_unique<redis::Client>(server().options());
  }
  std::string Add(const std::string& name) {
    auto id = Publish(*client_, kStream, {{"name", name}});
    EXPECT_TRUE(id.ok());
    return *id;
  }
  ConsumerOptions Options(const std::string& consumer) {
    ConsumerOptions o;
    o.stream = kStream;
    o.group = "workers";
    o.consumer = consumer;
    o.block = absl::Milliseconds(50);
    o.claim_idle = absl::Milliseconds(100);
    o.max_deliveries = 3;
    return o;
  }
  int64_t Pending() {
    auto r = client_->Command({"XPENDING", kStream, "workers"});
    return r.ok() ? r->elements[0].integer : -1;
  }
  // Reads entries as `consumer` without acking them: a consumer that died mid-work.
  void ReadWithoutAck(const std::string& consumer) {
    (void)client_->Command({"XGROUP", "CREATE", kStream, "workers", "0", "MKSTREAM"});
    auto r = client_->Command(
        {"XREADGROUP", "GROUP", "workers", consumer, "COUNT", "100", "STREAMS", kStream, ">"});
    ASSERT_TRUE(r.ok());
  }

  std::unique_ptr<redis::Client> client_;
  std::mutex mu_;
  std::map<std::string, int> seen_;  // name -> handler calls
};

TEST_F(QueueTest, HandlesEveryEntryAndAcksIt) {
  for (int i = 0; i < 20; ++i) Add("e" + std::to_string(i));
  Consumer c(server().options(), Options("c1"), [&](const Entry& e) {
    std::lock_guard lock(mu_);
    seen_[std::string(e.Get("name"))]++;
    return absl::OkStatus();
  });
  c.Start();
  ASSERT_TRUE(WaitFor([&] { return c.handled() == 20; }));
  c.Stop();
  EXPECT_EQ(Pending(), 0);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(seen_["e" + std::to_string(i)], 1);
}

TEST_F(QueueTest, ParallelHandlingKeepsTheOrderOfEachShard) {
  // 300 entries over 10 tickets; handled 4 at a time, each ticket's entries in stream order.
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(Publish(*client_, kStream,
                        {{"ticket_id", "R-" + std::to_string(i % 10)}, {"n", std::to_string(i)}})
                    .ok());
  }
  ConsumerOptions o = Options("c1");
  o.parallel = 4;
  std::map<std::string, std::vector<int>> order;
  int running = 0, most = 0;
  Consumer c(server().options(), o, [&](const Entry& e) {
    {
      std::lock_guard lock(mu_);
      most = std::max(most, ++running);
    }
    absl::SleepFor(absl::Microseconds(200));
    std::lock_guard lock(mu_);
    --running;
    order[std::string(e.Get("ticket_id"))].push_back(std::stoi(std::string(e.Get("n"))));
    return absl::OkStatus();
  });
  c.Start();
  ASSERT_TRUE(WaitFor([&] { return c.handled() == 300; }));
  c.Stop();
  EXPECT_EQ(Pending(), 0);
  EXPECT_GT(most, 1) << "handled at once";
  EXPECT_LE(most, 4);
  ASSERT_EQ(order.size(), 10u);
  for (const auto& [ticket, ns] : order) {
    EXPECT_EQ(ns.size(), 30u);
    EXPECT_TRUE(std::is_sorted(ns.begin(), ns.end())) << ticket << " out of order";
  }
}

TEST_F(QueueTest, EntriesOfADeadConsumerAreTakenOver) {
  Add("a");
  Add("b");
  ReadWithoutAck("dead");
  ASSERT_EQ(Pending(), 2);
  Add("c");
  Consumer alive(server().options(), Options("alive"), [&](const Entry& e) {
    std::lock_guard lock(mu_);
    seen_[std::string(e.Get("name"))]++;
    return absl::OkStatus();
  });
  alive.Start();
  ASSERT_TRUE(WaitFor([&] { return alive.handled() == 3; }));
  alive.Stop();
  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(seen_["a"], 1);
  EXPECT_EQ(seen_["b"], 1);
  EXPECT_EQ(seen_["c"], 1);
}

// Consumers of processes that are gone are removed from the group once their entries are
// taken over, so XINFO CONSUMERS does not grow with every restart; nothing is lost meanwhile.
TEST_F(QueueTest, ConsumersOfGoneProcessesAreRemovedOnceTheyHoldNothing) {
  Add("a");
  ReadWithoutAck("dead-with-work");
  ASSERT_TRUE(client_->Command({"XGROUP", "CREATECONSUMER", kStream, "workers", "dead-idle"})
                  .ok());  // nothing pending
  auto consumers = [&] {
    std::set<std::string> names;
    auto r = client_->Command({"XINFO", "CONSUMERS", kStream, "workers"});
    if (!r.ok()) return names;
    for (const auto& c : r->elements) names.insert(c.elements[1].str);
    return names;
  };
  ASSERT_EQ(consumers(), (std::set<std::string>{"dead-with-work", "dead-idle"}));
  Consumer alive(server().options(), Options("alive"),
                 [&](const Entry&) { return absl::OkStatus(); });
  Consumer other(server().options(), Options("other-alive"),
                 [&](const Entry&) { return absl::OkStatus(); });
  alive.Start();
  other.Start();
  EXPECT_TRUE(WaitFor([&] {
    auto now = consumers();
    return !now.count("dead-with-work") && !now.count("dead-idle");
  })) << "the gone consumers stay";
  EXPECT_EQ(alive.handled() + other.handled(), 1)
      << "the dead consumer's entry was taken over first";
  for (int i = 0; i < 20; ++i) Add("more");  // live consumers read on, removed or not
  EXPECT_TRUE(WaitFor([&] { return alive.handled() + other.handled() == 21; }));
  alive.Stop();  // a consumer counts an entry handled just before it acknowledges it
  other.Stop();
  EXPECT_EQ(Pending(), 0);
}

TEST_F(QueueTest, ARestartedConsumerReplaysItsPendingEntriesFirst) {
  Add("x");
  Add("y");
  ReadWithoutAck("c1");  // c1 read them, then its process died
  ConsumerOptions o = Options("c1");
  o.claim_idle = absl::Hours(1);  // so only the replay can deliver them
  std::vector<std::string> order;
  Consumer c(server().options(), o, [&](const Entry& e) {
    std::lock_guard lock(mu_);
    order.emplace_back(e.Get("name"));
    return absl::OkStatus();
  });
  c.Start();
  ASSERT_TRUE(WaitFor([&] { return c.handled() == 2; }));
  c.Stop();
  EXPECT_EQ(order, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(Pending(), 0);
}

TEST_F(QueueTest, AFailedEntryIsRetriedAndNotAckedUntilItSucceeds) {
  Add("flaky");
  int calls = 0;
  Consumer c(server().options(), Options("c1"), [&](const Entry& e) {
    std::lock_guard lock(mu_);
    if (++calls == 1) return absl::UnavailableError("downstream busy");
    return absl::OkStatus();
  });
  c.Start();
  ASSERT_TRUE(WaitFor([&] { return c.failed() == 1; }));
  EXPECT_EQ(Pending(), 1) << "not acked after a failure";
  ASSERT_TRUE(WaitFor([&] { return c.handled() == 1; }));
  c.Stop();
  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(c.dead_lettered(), 0u);
}

TEST_F(QueueTest, AnEntryThatKeepsFailingGoesToTheDeadLetterStream) {
  Add("good1");
  std::string bad_id = Add("poison");
  Add("good2");
  Consumer c(server().options(), Options("c1"), [&](const Entry& e) {
    std::lock_guard lock(mu_);
    seen_[std::string(e.Get("name"))]++;
    if (e.Get("name") == "poison") return absl::InvalidArgumentError("cannot parse ticket");
    return absl::OkStatus();
  });
  c.Start();
  ASSERT_TRUE(WaitFor([&] { return c.dead_lettered() == 1; }));
  c.Stop();
  EXPECT_EQ(seen_["poison"], 3) << "delivered max_deliveries times";
  EXPECT_EQ(seen_["good1"], 1);
  EXPECT_EQ(seen_["good2"], 1);
  EXPECT_EQ(Pending(), 0) << "dead-lettered entries are acked";
  auto dlq = client_->Command({"XRANGE", kDeadLetterStream, "-", "+"});
  ASSERT_TRUE(dlq.ok());
  auto entries = ParseEntries(*dlq);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].Get("dlq_id"), bad_id);
  EXPECT_EQ(entries[0].Get("dlq_stream"), kStream);
  EXPECT_EQ(entries[0].Get("dlq_group"), "workers");
  EXPECT_EQ(entries[0].Get("dlq_deliveries"), "3");
  EXPECT_NE(entries[0].Get("dlq_reason").find("cannot parse ticket"), absl::string_view::npos);
  EXPECT_EQ(entries[0].Get("name"), "poison") << "the original fields travel along";
}

TEST_F(QueueTest, StopFinishesAndAcksTheEntryInHand) {
  Add("slow");
  std::atomic<bool> started{false}, release{false};
  Consumer c(server().options(), Options("c1"), [&](const Entry&) {
    started = true;
    while (!release) std::this_thread::yield();
    return absl::OkStatus();
  });
  c.Start();
  ASSERT_TRUE(WaitFor([&] { return started.load(); }));
  std::thread stopper([&] { c.Stop(); });
  release = true;
  stopper.join();
  EXPECT_EQ(c.handled(), 1u);
  EXPECT_EQ(Pending(), 0);
}

TEST_F(QueueTest, GroupIsCreatedFromTheStartOfTheStream) {
  Add("before-the-group-existed");
  Consumer c(server().options(), Options("c1"), [&](const Entry&) { return absl::OkStatus(); });
  c.Start();
  EXPECT_TRUE(WaitFor([&] { return c.handled() == 1; }));
  c.Stop();
}

TEST_F(QueueTest, ConsumerSurvivesARedisRestart) {
  Consumer c(server().options(), Options("c1"), [&](const Entry&) { return absl::OkStatus(); });
  c.Start();
  Add("one");
  ASSERT_TRUE(WaitFor([&] { return c.handled() == 1; }));
  server().Kill();
  server().Start();  // an empty Redis: the group has to be made again
  client_ = std::make_unique<redis::Client>(server().options());
  ASSERT_TRUE(WaitFor([&] { return client_->Command({"PING"}).ok(); }));
  Add("two");
  EXPECT_TRUE(WaitFor([&] { return c.handled() == 2; }, 15));
  c.Stop();
}

}  // namespace
}  // namespace lobby::queue
