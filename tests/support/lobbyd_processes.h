#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace lobby::testing {

/// lobbyd processes for an e2e test, against one redis-server: each started with the settings a
/// test gives and waited for (its --ready-file), their ready files and logs in a temporary
/// folder that is kept, and named, when the test failed.
class LobbydProcesses : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  /// Starts lobbyd `name` with `flags` and `env` (LOBBY_REDIS_URL and the ready file added);
  /// returns once it is ready (a test failure when it exits first).
  Child* StartLobbyd(const std::string& name, std::vector<std::string> flags,
                     std::map<std::string, std::string> env);
  /// The gRPC address a started lobbyd wrote to its ready file.
  std::string GrpcOf(const std::string& name);
  std::string Log(const std::string& name);

  RedisServer redis_;
  std::string dir_;
  std::vector<std::unique_ptr<Child>> children_;
};

}  // namespace lobby::testing
