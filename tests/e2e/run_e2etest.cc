// scripts/run as a user runs it (set-up and build skipped: the binaries are built), on ports and
// a data folder of its own: the demo is loaded once, a second run refuses, Ctrl-C keeps lobbyd's
// last lines.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace lobby {
namespace {

using testing::BinDir;
using testing::Child;
using testing::ProcessResult;
using testing::WaitFor;

class RunScriptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lobby-run-XXXXXX";
    var_ = mkdtemp(tmpl);
    grpc_ = testing::FreeLoopbackPort();
    http_ = testing::FreeLoopbackPort();
    redis_ = testing::FreeLoopbackPort();
    env_ = {{"LOBBY_RUN_VAR", var_},
            {"LOBBY_RUN_GRPC_PORT", std::to_string(grpc_)},
            {"LOBBY_RUN_HTTP_PORT", std::to_string(http_)},
            {"LOBBY_RUN_REDIS_PORT", std::to_string(redis_)},
            {"LOBBY_RUN_NO_BUILD", "1"},
            // Today's demo only: the 90 days of history are DemoHistoryTest's and the browser
            // tier's (tests/browser/dashboard.test.mjs runs scripts/run with them).
            {"LOBBY_RUN_DEMO_DAYS", "0"},
            {"LOBBY_RUN_BIN", BinDir()}};
  }
  void TearDown() override {
    run_.reset();
    (void)testing::Run({"/usr/bin/redis-cli", "-p", std::to_string(redis_), "shutdown", "nosave"},
                       {});
    std::filesystem::remove_all(var_);
  }
  std::unique_ptr<Child> Start() {
    out_ = absl::StrCat(var_, "/run", ++runs_, ".out");
    auto c = std::make_unique<Child>(
        std::vector<std::string>{"/bin/bash", std::string(LOBBY_SOURCE_DIR) + "/scripts/run"}, env_,
        out_);
    EXPECT_TRUE(WaitFor(
        [&] { return Out().find("Lobby is running.") != std::string::npos || !c->Running(); }, 60))
        << Out();
    EXPECT_TRUE(c->Running()) << Out();
    return c;
  }
  void Stop() {  // Ctrl-C
    run_->SignalGroup(SIGINT);
    int code = run_->Wait(30);
    EXPECT_TRUE(code == 0 || code == 128 + SIGINT) << code << "\n" << Out();
    run_.reset();
  }
  std::string Out() { return testing::ReadFile(out_); }
  ProcessResult Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), BinDir() + "/lobbyctl");
    std::string tokens = testing::ReadFile(var_ + "/tokens");
    size_t at = tokens.find("\nadmin ") + 7;
    return testing::Run(args, {{"LOBBY_ADDR", absl::StrCat("127.0.0.1:", grpc_)},
                               {"LOBBY_TOKEN", tokens.substr(at, tokens.find(' ', at) - at)}});
  }

  std::string var_, out_;
  int runs_ = 0;
  int grpc_ = 0, http_ = 0, redis_ = 0;
  std::map<std::string, std::string> env_;
  std::unique_ptr<Child> run_;
};

TEST_F(RunScriptTest, TheDemoIsLoadedOnceASecondRunRefusesAndCtrlCKeepsTheLastLines) {
  run_ = Start();
  ASSERT_NE(Out().find("loading the demo estate"), std::string::npos) << Out();
  ASSERT_TRUE(WaitFor([&] {
    return Ctl({"repairs", "list", "--site", "demo"}).out.find("R-10003") != std::string::npos;
  }));

  // A second run while this one runs refuses and leaves the first alone.
  ProcessResult second =
      testing::Run({"/bin/bash", std::string(LOBBY_SOURCE_DIR) + "/scripts/run"}, env_, "", 60);
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find(absl::StrCat("Lobby is already running on 127.0.0.1:", grpc_, ", pid ",
                                         run_->pid())),
            std::string::npos)
      << second.err;
  EXPECT_EQ(Ctl({"repairs", "get", "R-10001"}).exit_code, 0)
      << "the first one's Redis and lobbyd still answer";

  // The user's own edit: lee takes fewer jobs.
  std::string estate =
      testing::ReadFile(std::string(LOBBY_SOURCE_DIR) + "/docs/examples/estate.yaml");
  size_t at = estate.find("capacity: ");
  estate = estate.substr(0, at) + "capacity: 1" + estate.substr(estate.find_first_of(",}\n", at));
  std::ofstream(var_ + "/estate.yaml") << estate;
  ASSERT_EQ(Ctl({"apply", "-f", var_ + "/estate.yaml"}).exit_code, 0);
  std::string before = Ctl({"estate", "get", "--site", "demo"}).out;

  Stop();
  std::string log = testing::ReadFile(var_ + "/lobbyd.log");
  EXPECT_NE(log.find("event=stopped"), std::string::npos)
      << "lobbyd's last line reaches the log\n"
      << log.substr(log.size() > 2000 ? log.size() - 2000 : 0);

  run_ = Start();
  EXPECT_NE(Out().find("your data is left as it is"), std::string::npos) << Out();
  EXPECT_EQ(Ctl({"estate", "get", "--site", "demo"}).out, before) << "the edit stays";
  auto created = Ctl({"repairs", "create", "--site", "demo", "--building", "Tower 1", "--floor",
                      "3", "--room", "A", "--category", "plumbing", "--description", "tap",
                      "--channel", "phone", "--resident", "RS-10001"});
  EXPECT_NE(created.out.find("R-10004"), std::string::npos)
      << "no ticket numbers used up by the restart\n"
      << created.out;
  Stop();
}

// The "Try it" block of a page (README.md, docs/http-api.md), run as written against a fresh
// scripts/run with the demo loaded. Only what differs on a test machine is put in: this run's
// ports and data folder, and where the binaries are. Every command must exit 0; the output.
std::string RunTryItBlock(const std::string& page, int grpc, int http, const std::string& var) {
  std::string text = testing::ReadFile(std::string(LOBBY_SOURCE_DIR) + "/" + page);
  size_t at = text.find("## Try it\n\n");
  EXPECT_NE(at, std::string::npos) << page << " has a Try it block";
  if (at == std::string::npos) return "";
  at = text.find('\n', text.find("```sh", at)) + 1;
  std::string block = text.substr(at, text.find("```", at) - at);
  auto replace = [&](const std::string& from, const std::string& to) {
    for (size_t p = 0; (p = block.find(from, p)) != std::string::npos; p += to.size())
      block.replace(p, from.size(), to);
  };
  replace("127.0.0.1:7000", absl::StrCat("127.0.0.1:", grpc));
  replace("127.0.0.1:7080", absl::StrCat("127.0.0.1:", http));
  replace(" var/tokens", " " + var + "/tokens");
  replace(" var/users", " " + var + "/users");
  replace("build/bin/", BinDir() + "/");
  // lobbyctl login keeps its session under XDG_CONFIG_HOME: this run's, not the tester's.
  std::string script = "set -eE -o pipefail\ntrap 'echo \"" + page +
                       " command failed: $BASH_COMMAND\" >&2' ERR\nexport XDG_CONFIG_HOME=" + var +
                       "/config\ncd " + std::string(LOBBY_SOURCE_DIR) + "\n" + block;
  ProcessResult r = testing::Run({"/bin/bash", "-c", script}, {}, "", 120);
  EXPECT_EQ(r.exit_code, 0) << r.err << "\n--- the block as run:\n" << block;
  return r.out;
}

TEST_F(RunScriptTest, ReadmesTryItBlockRunsAsWritten) {
  run_ = Start();
  std::string out = RunTryItBlock("README.md", grpc_, http_, var_);
  EXPECT_NE(out.find("lobby_"), std::string::npos) << "the metrics came last";
  Stop();
}

TEST_F(RunScriptTest, TheHttpApisTryItBlockRunsAsWritten) {
  run_ = Start();
  std::string out = RunTryItBlock("docs/http-api.md", grpc_, http_, var_);
  EXPECT_NE(out.find(R"("id":"R-10001")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("code":"not_found")"), std::string::npos) << out;
  EXPECT_NE(out.find("HTTP 404"), std::string::npos) << out;
  EXPECT_NE(out.find("deadline_exceeded"), std::string::npos) << "the stream's end\n" << out;
  Stop();
}

}  // namespace
}  // namespace lobby
