#include "tests/support/redis_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

namespace lobby::testing {

RedisServer* RedisTest::server_ = nullptr;

bool WaitFor(const std::function<bool()>& condition, double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

bool CaughtUp(redis::Connection& conn, const std::string& stream, const std::string& group) {
  auto r = conn.Command({"XINFO", "GROUPS", stream});
  if (!r.ok()) return false;
  for (const auto& g : r->elements) {
    bool found = false;
    int64_t pending = -1, lag = -1;
    for (size_t i = 0; i + 1 < g.elements.size(); i += 2) {
      const std::string& k = g.elements[i].str;
      if (k == "name") found = g.elements[i + 1].str == group;
      if (k == "pending") pending = g.elements[i + 1].integer;
      if (k == "lag") lag = g.elements[i + 1].integer;
    }
    if (found) return pending == 0 && lag == 0;
  }
  return false;
}

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

RedisServer::RedisServer(Config config) : config_(std::move(config)) {
  if (config_.tcp) port_ = FreeLoopbackPort();
  char tmpl[] = "/tmp/lobby-redis-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  if (!dir) {
    perror("mkdtemp");
    std::abort();
  }
  dir_ = dir;
  socket_ = dir_ + "/redis.sock";
  Start();
}

RedisServer::~RedisServer() {
  conn_.reset();
  Kill();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

redis::Options RedisServer::options() const {
  redis::Options o;
  o.unix_socket = !config_.tcp;
  o.path = socket_;
  o.host = "127.0.0.1";
  o.port = port_;
  o.password = config_.password;
  o.connect_timeout = absl::Seconds(1);
  o.command_timeout = absl::Seconds(5);
  return o;
}

void RedisServer::Start() {
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a test that was killed
    std::string log = dir_ + "/redis.log";
    std::string port = std::to_string(port_);
    std::vector<std::string> args = {"redis-server",
                                     "--port",
                                     port,
                                     "--bind",
                                     "127.0.0.1",
                                     "--unixsocket",
                                     socket_,
                                     "--unixsocketperm",
                                     "700",
                                     "--dir",
                                     dir_,
                                     "--save",
                                     "",
                                     "--appendonly",
                                     "no",
                                     "--logfile",
                                     log};
    if (!config_.password.empty()) {
      args.push_back("--requirepass");
      args.push_back(config_.password);
    }
    args.insert(args.end(), config_.extra_args.begin(), config_.extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp("redis-server", argv.data());
    perror("exec redis-server");
    _exit(127);
  }
  conn_ = std::make_unique<redis::Connection>(options());
  bool up = WaitFor([&] { return conn_->Command({"PING"}).ok(); }, 10);
  if (!up) {
    fprintf(stderr, "redis-server did not start on %s\n", socket_.c_str());
    std::abort();
  }
}

void RedisServer::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  unlink(socket_.c_str());
  if (conn_) conn_->Close();
}

void RedisServer::FlushAll() {
  auto r = conn_->Command({"FLUSHALL"});
  if (!r.ok()) {
    fprintf(stderr, "FLUSHALL failed: %s\n", std::string(r.status().message()).c_str());
    std::abort();
  }
  (void)conn_->Command({"SCRIPT", "FLUSH"});
}

bool RedisServer::Settled() {
  auto streams = conn_->Command({"SCAN", "0", "TYPE", "stream", "COUNT", "10000"});
  if (!streams.ok()) return false;
  for (const auto& k : streams->elements[1].elements) {
    auto info = conn_->Command({"XINFO", "STREAM", k.str});
    auto groups = conn_->Command({"XINFO", "GROUPS", k.str});
    if (!info.ok() || !groups.ok()) return false;
    std::string last;
    for (size_t i = 0; i + 1 < info->elements.size(); i += 2) {
      if (info->elements[i].str == "last-generated-id") last = info->elements[i + 1].str;
    }
    for (const auto& g : groups->elements) {
      for (size_t i = 0; i + 1 < g.elements.size(); i += 2) {
        const std::string& key = g.elements[i].str;
        if (key == "pending" && g.elements[i + 1].integer != 0) return false;
        if (key == "last-delivered-id" && g.elements[i + 1].str != last) return false;
      }
    }
  }
  return true;
}

std::map<std::string, std::string> RedisServer::Snapshot() {
  // Consumers (the timeline, dispatch, surveys) write as they read: wait until each group has
  // read and acked everything, so that the snapshot shows a keyspace at rest.
  WaitFor([this] { return Settled(); }, 5);
  std::map<std::string, std::string> out;
  std::string cursor = "0";
  do {
    auto r = conn_->Command({"SCAN", cursor, "COUNT", "1000"});
    if (!r.ok()) std::abort();
    cursor = r->elements[0].str;
    for (const auto& k : r->elements[1].elements) {
      // The audit trail records refused calls too (that is its point): the audit tests check
      // what it holds.
      if (k.str == "lobby:q:audit") continue;
      auto type = conn_->Command({"TYPE", k.str});
      if (type.ok() && type->str == "stream") {
        // A stream's DUMP carries its consumers' last-seen times, which move with every
        // blocking read: compare its entries instead.
        auto entries = conn_->Command({"XRANGE", k.str, "-", "+"});
        std::string flat;
        if (entries.ok()) {
          for (const auto& e : entries->elements) {
            flat += e.elements[0].str + "{";
            for (const auto& f : e.elements[1].elements) flat += f.str + "\x1f";
            flat += "}";
          }
        }
        out[k.str] = "stream:" + flat;
        continue;
      }
      auto d = conn_->Command({"DUMP", k.str});
      out[k.str] = d.ok() ? d->str : "?";
    }
  } while (cursor != "0");
  return out;
}

}  // namespace lobby::testing
