#pragma once

#include <httplib.h>

#include <algorithm>
#include <string>
#include <thread>

#include "lobby/v1/residents.grpc.pb.h"
#include "tests/support/harness.h"

namespace lobby::testing {

/// A local HTTP server standing in for a provider's API (chat, SMS, call centre): a subclass adds
/// its routes to `server_`, calls Start(), and calls Stop() in its destructor (before its own
/// members, which the routes use, go away).
class FakeProvider {
 public:
  ~FakeProvider() { Stop(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 protected:
  void Start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // Until it listens, stop() does nothing and the thread would accept forever: a test that
    // ends at once (never calling the provider) hung in the destructor's join.
    EXPECT_TRUE(WaitFor([&] { return server_.is_running(); }))
        << "the fake provider never listened";
  }
  void Stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  httplib::Server server_;

 private:
  int port_ = 0;
  std::thread thread_;
};

/// The last six digits in a row in `text` (a verification code), or "".
inline std::string SixDigits(const std::string& text) {
  std::string code;
  for (size_t i = 0; i + 6 <= text.size(); ++i) {
    if (std::all_of(text.begin() + i, text.begin() + i + 6,
                    [](char c) { return c >= '0' && c <= '9'; }))
      code = text.substr(i, 6);
  }
  return code;
}

/// A resident of estate "demo".
struct ChatResident {
  std::string name, phone, building, floor, room, language;
  v1::ResidentRole role = v1::RESIDENT_ROLE_OWNER;
  std::vector<std::string> tags = {};
};

/// Creates `who`; returns their id ("" when that failed, which is also a test failure).
inline std::string CreateResident(const std::shared_ptr<grpc::Channel>& channel,
                                  const ChatResident& who) {
  auto residents = v1::ResidentService::NewStub(channel);
  v1::CreateResidentRequest req;
  auto* r = req.mutable_resident();
  r->set_name(who.name);
  r->add_phones(who.phone);
  r->mutable_unit()->set_site_id("demo");
  r->mutable_unit()->set_building(who.building);
  r->mutable_unit()->set_floor(who.floor);
  r->mutable_unit()->set_room(who.room);
  r->set_role(who.role);
  r->set_language(who.language);
  for (const std::string& tag : who.tags) r->add_tags(tag);
  auto created = CallRpc(*residents, &v1::ResidentService::Stub::CreateResident, req, kAdminToken);
  EXPECT_TRUE(created.ok()) << created.status.error_message();
  return created.value.id();
}

/// `who`, with a verified identity `external_id` on `chat`.
inline std::string LinkedResident(const std::shared_ptr<grpc::Channel>& channel,
                                  const ChatResident& who, v1::Channel chat,
                                  const std::string& external_id) {
  std::string id = CreateResident(channel, who);
  auto residents = v1::ResidentService::NewStub(channel);
  v1::LinkIdentityRequest link;
  link.set_resident_id(id);
  link.set_channel(chat);
  link.set_external_id(external_id);
  link.set_verified(true);
  EXPECT_TRUE(
      CallRpc(*residents, &v1::ResidentService::Stub::LinkIdentity, link, kAdminToken).ok());
  return id;
}

}  // namespace lobby::testing
