#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "services/common/redis.h"
#include "services/common/redis_txn.h"
#include "tests/support/redis_server.h"

namespace lobby::redis {
namespace {

using lobby::testing::RedisTest;
using lobby::testing::WaitFor;

class RedisClientTest : public RedisTest {};

TEST_F(RedisClientTest, CommandsAndPipelinesKeepOrder) {
  Client c(server().options());
  ASSERT_TRUE(c.Command({"SET", "k", "v"}).ok());
  auto r =
      c.Run({{"GET", "k"}, {"INCR", "n"}, {"INCR", "n"}, {"GET", "missing"}, {"LPUSH", "k", "x"}});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 5u);
  EXPECT_EQ((*r)[0].str, "v");
  EXPECT_EQ((*r)[1].integer, 1);
  EXPECT_EQ((*r)[2].integer, 2);
  EXPECT_TRUE((*r)[3].IsNil());
  EXPECT_TRUE((*r)[4].IsError()) << "error replies come back as replies";
  auto err = c.Command({"LPUSH", "k", "x"});
  EXPECT_EQ(err.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(err.status().message().find("WRONGTYPE"), absl::string_view::npos);
}

TEST_F(RedisClientTest, ManyConcurrentCallersAllGetTheirOwnReplies) {
  Client c(server().options());
  constexpr int kThreads = 32, kEach = 300;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string key = "k" + std::to_string(t);
      for (int i = 1; i <= kEach; ++i) {
        auto r = c.Command({"INCR", key});
        if (!r.ok() || r->integer != i) failures++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto total = c.Command({"GET", "k7"});
  EXPECT_EQ(total->str, std::to_string(kEach));
}

TEST_F(RedisClientTest, TransactionReportsQueuedAndExecErrors) {
  Client c(server().options());
  auto ok = c.Transaction({{"SET", "a", "1"}, {"INCR", "a"}});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)[1].integer, 2);
  ASSERT_TRUE(c.Command({"SET", "s", "x"}).ok());
  auto bad = c.Transaction({{"INCR", "s"}});
  EXPECT_FALSE(bad.ok());
  auto syntax = c.Transaction({{"SET", "a"}});
  EXPECT_FALSE(syntax.ok());
  EXPECT_EQ(c.Command({"GET", "a"})->str, "2") << "a rejected MULTI applies nothing";
}

TEST_F(RedisClientTest, ScriptsAreReloadedAfterNoscript) {
  Client c(server().options());
  Script s("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  EXPECT_EQ(c.Eval(s, {"n"}, {"5"})->integer, 5);
  ASSERT_TRUE(c.Command({"SCRIPT", "FLUSH"}).ok());
  EXPECT_EQ(c.Eval(s, {"n"}, {"2"})->integer, 7);
  ASSERT_TRUE(c.Command({"SCRIPT", "FLUSH"}).ok());
  auto many = c.EvalMany(s, {{{"a"}, {"1"}}, {{"b"}, {"2"}}});
  ASSERT_TRUE(many.ok());
  EXPECT_EQ((*many)[1].integer, 2);
}

TEST_F(RedisClientTest, FailsFastWhileRedisIsDownAndReconnects) {
  Client c(server().options());
  ASSERT_TRUE(c.Command({"PING"}).ok());
  server().Kill();
  auto down = c.Command({"PING"});
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable) << down.status();
  EXPECT_GT(c.errors(), 0u);
  server().Start();
  EXPECT_TRUE(WaitFor([&] { return c.Command({"PING"}).ok(); }, 10));
}

TEST_F(RedisClientTest, BlockingReadOnAConnectionTimesOutCleanly) {
  Connection conn(server().options());
  auto r = conn.Command({"XREAD", "BLOCK", "50", "STREAMS", "nothing", "$"}, absl::Seconds(2));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->IsNil());
}

TEST(RedisTcpTest, PasswordAndDatabaseOverTcp) {
  lobby::testing::RedisServer server({.tcp = true, .password = "s3cret-pass"});
  std::string base = "redis://:s3cret-pass@127.0.0.1:" + std::to_string(server.port());
  auto opts = ParseUrl(base + "/3");
  ASSERT_TRUE(opts.ok());
  Client c(*opts);
  ASSERT_TRUE(c.Command({"SET", "where", "db3"}).ok());
  EXPECT_TRUE(server.conn().Command({"GET", "where"})->IsNil()) << "written to db 3, not db 0";
  ASSERT_TRUE(server.conn().Command({"SELECT", "3"}).ok());
  EXPECT_EQ(server.conn().Command({"GET", "where"})->str, "db3");

  auto wrong = ParseUrl("redis://:wrong@127.0.0.1:" + std::to_string(server.port()));
  Client bad(*wrong);
  auto r = bad.Command({"PING"});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message().find("wrong"), absl::string_view::npos) << "no password in errors";
  auto none = ParseUrl("redis://127.0.0.1:" + std::to_string(server.port()));
  Client anonymous(*none);
  EXPECT_FALSE(anonymous.Command({"GET", "where"}).ok());
}

class TxnTest : public RedisTest {};

TEST_F(TxnTest, ConditionsGuardAllWrites) {
  Client c(server().options());
  Txn first;
  first.RequireAbsent("rec", "exists").Write({"SET", "rec", "1"}).Write({"HSET", "idx", "f", "A"});
  ASSERT_TRUE(first.Run(c).ok());

  auto before = server().Snapshot();
  Txn again;
  again.RequireAbsent("rec", "record exists").Write({"SET", "other", "x"});
  auto r = again.Run(c);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(r.status().message(), "record exists");

  Txn taken;
  taken.RequireFieldFreeOr("idx", "f", "B,C", "owned by {}").Write({"SET", "other", "x"});
  r = taken.Run(c);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(r.status().message(), "owned by A");
  EXPECT_EQ(before, server().Snapshot()) << "a failed condition writes nothing";

  Txn owner;
  owner.RequireFieldFreeOr("idx", "f", "B,A", "owned by {}").Write({"HSET", "idx", "f", "B"});
  EXPECT_TRUE(owner.Run(c).ok());
}

TEST_F(TxnTest, Versions) {
  Client c(server().options());
  Txn create;
  create.RequireVersion("r", 0, "exists").Write({"HSET", "r", "v", "1"});
  ASSERT_TRUE(create.Run(c).ok());
  Txn stale;
  stale.RequireVersion("r", 0, "stale").Write({"HSET", "r", "v", "9"});
  EXPECT_EQ(stale.Run(c).status().code(), absl::StatusCode::kAborted);
  Txn next;
  next.RequireVersion("r", 1, "stale").Write({"HSET", "r", "v", "2"});
  EXPECT_TRUE(next.Run(c).ok());
  EXPECT_EQ(c.Command({"HGET", "r", "v"})->str, "2");
}

}  // namespace
}  // namespace lobby::redis
