#include "adapters/hotline/ami.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/log.h"

namespace lobby::hotline {

std::string AmiMessage::Get(absl::string_view key) const {
  for (const auto& [k, v] : fields) {
    if (absl::EqualsIgnoreCase(k, key)) return v;
  }
  return "";
}

bool AmiReader::Next(AmiMessage* out) {
  for (;;) {
    if (!banner_read_) {
      size_t eol = buffer_.find('\n');
      if (eol == std::string::npos) return false;
      banner_ = std::string(absl::StripTrailingAsciiWhitespace(buffer_.substr(0, eol)));
      buffer_.erase(0, eol + 1);
      banner_read_ = true;
    }
    // A message ends at the first empty line.
    size_t pos = 0, end = std::string::npos, next = 0;
    while (pos < buffer_.size()) {
      size_t eol = buffer_.find('\n', pos);
      if (eol == std::string::npos) break;
      absl::string_view line(buffer_.data() + pos, eol - pos);
      if (absl::StripTrailingAsciiWhitespace(line).empty()) {
        end = pos;
        next = eol + 1;
        break;
      }
      pos = eol + 1;
    }
    if (end == std::string::npos) return false;
    AmiMessage m;
    absl::string_view block(buffer_.data(), end);
    while (!block.empty()) {
      size_t eol = block.find('\n');
      absl::string_view line = block.substr(0, eol);
      block = eol == absl::string_view::npos ? absl::string_view() : block.substr(eol + 1);
      line = absl::StripTrailingAsciiWhitespace(line);
      size_t colon = line.find(':');
      if (colon == absl::string_view::npos) continue;  // not a field (e.g. command output)
      m.fields.emplace_back(std::string(absl::StripAsciiWhitespace(line.substr(0, colon))),
                            std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
    }
    buffer_.erase(0, next);
    if (m.fields.empty()) continue;  // stray blank lines
    *out = std::move(m);
    return true;
  }
}

std::string AmiAction(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) absl::StrAppend(&out, k, ": ", v, "\r\n");
  return out + "\r\n";
}

void AmiClient::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void AmiClient::Stop() {
  std::thread t;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);  // wakes the reader
    t = std::move(thread_);
  }
  cv_.notify_all();
  if (t.joinable()) t.join();
}

void AmiClient::Wait(absl::Duration d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, absl::ToChronoMilliseconds(d), [this] { return stop_; });
}

namespace {

int Dial(const std::string& host, int port) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  return fd;
}

bool SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

void AmiClient::Loop() {
  auto logger = log::Get("ami");
  absl::Duration backoff = config_.min_backoff;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
    }
    int fd = Dial(config_.host, config_.port);
    if (fd >= 0) {
      {
        std::lock_guard lock(mu_);
        if (stop_) {
          ::close(fd);
          return;
        }
        fd_ = fd;
      }
      bool in = Session(fd);
      logged_in_ = false;
      {
        std::lock_guard lock(mu_);
        fd_ = -1;
      }
      ::close(fd);
      if (in) backoff = config_.min_backoff;
      logger->warn("event=ami_disconnected host={}:{} retry_ms={}", config_.host, config_.port,
                   absl::ToInt64Milliseconds(backoff));
    } else {
      logger->warn("event=ami_connect_failed host={}:{} retry_ms={}", config_.host, config_.port,
                   absl::ToInt64Milliseconds(backoff));
    }
    Wait(backoff);
    backoff = std::min(backoff * 2, config_.max_backoff);
  }
}

bool AmiClient::Session(int fd) {
  auto logger = log::Get("ami");
  AmiReader reader;
  bool in = false;
  if (!SendAll(fd, AmiAction({{"Action", "Login"},
                              {"ActionID", "lobby-login"},
                              {"Username", config_.username},
                              {"Secret", config_.secret},
                              {"Events", "on"}}))) {
    return false;
  }
  // Liveness is the Ping's answer, not any byte: a half-open peer that trickles data but never
  // answers is dropped, so that the reconnect finds the calls again.
  absl::Time started = absl::Now();
  absl::Time last_ping = started;  // the login counts as the first question
  bool ping_out = false;
  int pings = 0;
  std::string ping_id;
  char buf[8192];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, 250);
    {
      std::lock_guard lock(mu_);
      if (stop_) return in;
    }
    if (ready < 0) return in;
    absl::Time now = absl::Now();
    if (!in && now - started > config_.ping_every + absl::Seconds(5)) {
      logger->warn("event=ami_login_unanswered seconds={}", absl::ToInt64Seconds(now - started));
      return in;
    }
    if (in && ping_out && now - last_ping > config_.ping_every) {
      logger->warn("event=ami_ping_unanswered seconds={}", absl::ToInt64Seconds(now - last_ping));
      return in;
    }
    if (in && !ping_out && now - last_ping >= config_.ping_every) {
      ping_id = absl::StrCat("lobby-ping-", ++pings);
      if (!SendAll(fd, AmiAction({{"Action", "Ping"}, {"ActionID", ping_id}}))) return in;
      ping_out = true;
      last_ping = now;
    }
    if (ready == 0) continue;
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return in;
    reader.Feed(absl::string_view(buf, static_cast<size_t>(n)));
    if (reader.buffered() > (1 << 20)) {
      logger->warn("event=ami_garbage bytes={}", reader.buffered());
      return in;
    }
    AmiMessage m;
    while (reader.Next(&m)) {
      if (!m.Get("Response").empty()) {
        if (ping_out && m.Get("ActionID") == ping_id) ping_out = false;
        if (m.Get("ActionID") != "lobby-login") continue;
        if (!absl::EqualsIgnoreCase(m.Get("Response"), "Success")) {
          logger->error("event=ami_login_failed user={} message=\"{}\"", config_.username,
                        m.Get("Message"));
          return false;
        }
        in = true;
        last_ping = absl::Now();
        logged_in_ = true;
        ++sessions_;
        logger->info("event=ami_logged_in banner=\"{}\" host={}:{}", reader.banner(), config_.host,
                     config_.port);
        continue;
      }
      if (in && !m.Get("Event").empty()) on_event_(m);
    }
  }
}

}  // namespace lobby::hotline
