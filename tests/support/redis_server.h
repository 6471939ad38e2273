#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "services/common/redis.h"

namespace lobby::testing {

/// A real redis-server of the test's own, on a Unix socket in a fresh temporary folder, with
/// persistence off. Never a shared server.
class RedisServer {
 public:
  struct Config {
    bool tcp = false;      // also listen on a free loopback TCP port; options() then use TCP
    std::string password;  // requirepass
    std::vector<std::string>
        extra_args;  // more redis-server flags: {"--replicaof", "127.0.0.1", "6379"}
  };
  RedisServer() : RedisServer(Config{}) {}
  explicit RedisServer(Config config);
  int port() const { return port_; }
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  const std::string& socket() const { return socket_; }
  std::string url() const { return "unix://" + socket_; }
  redis::Options options() const;

  /// Stops the server (SIGKILL: as if it crashed) / starts it again on the same socket.
  void Kill();
  void Start();
  void FlushAll();
  /// Every key but the audit trail with its DUMP, to check that a rejected request wrote
  /// nothing; taken once every
  /// consumer group has read and acked all its stream's entries (or after 5 seconds).
  std::map<std::string, std::string> Snapshot();
  /// Whether every consumer group has read and acked every entry of its stream.
  bool Settled();
  /// A connection for the test's own commands.
  redis::Connection& conn() { return *conn_; }

 private:
  Config config_;
  int port_ = 0;
  std::string dir_;
  std::string socket_;
  pid_t pid_ = -1;
  std::unique_ptr<redis::Connection> conn_;
};

/// A fixture with one RedisServer per test suite, flushed before every test.
class RedisTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new RedisServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override { server_->FlushAll(); }
  RedisServer& server() { return *server_; }
  static RedisServer* server_;
};

/// A loopback TCP port that was free a moment ago.
int FreeLoopbackPort();

/// Polls `condition` every few milliseconds until it holds or `seconds` pass.
bool WaitFor(const std::function<bool()>& condition, double seconds = 10);

/// Consumer group `group` of `stream` has read every entry and acknowledged all it read.
bool CaughtUp(redis::Connection& conn, const std::string& stream, const std::string& group);

}  // namespace lobby::testing
