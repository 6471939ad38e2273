// The notify consumer killed (SIGKILL) while it is telling residents: the residents service that
// takes over on the same address claims what the dead one had read but not acknowledged, and
// every ticket event is told exactly once, however far the dead process had got with it.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "lobby/v1/residents.grpc.pb.h"
#include "services/common/grpc_server.h"
#include "services/common/queue.h"
#include "tests/support/harness.h"
#include "tests/support/lobbyd_processes.h"

namespace lobby {
namespace {

using testing::CallRpc;
using testing::Child;
using testing::kAdapterToken;
using testing::kAdminToken;
using testing::WaitFor;

constexpr int kResidents = 4;

class NotifyKillTest : public testing::LobbydProcesses {
 protected:
  void SetUp() override {
    LobbydProcesses::SetUp();
    std::ofstream(dir_ + "/tokens") << "admin " << kAdminToken << " e2e-admin\n"
                                    << "adapter " << kAdapterToken << " e2e-adapter\n";
    residents_addr_ = absl::StrCat("127.0.0.1:", testing::FreeLoopbackPort());
    api_addr_ = absl::StrCat("127.0.0.1:", testing::FreeLoopbackPort());
  }

  // A lobbyd hosting `services` on `grpc`, the others at the other address.
  Child* Start(const std::string& name, const std::string& services, const std::string& grpc) {
    return StartLobbyd(
        name,
        {"--services=" + services, "--lobby-addr", grpc == api_addr_ ? residents_addr_ : api_addr_,
         // every change told at once; a dead consumer's entries are taken over
         // after a second
         "--notify-coalesce", "0s", "--notify-tick", "20ms", "--queue-claim-idle", "1s",
         "--queue-block", "100ms"},
        {{"LOBBY_GRPC_LISTEN", grpc},
         {"LOBBY_HTTP_LISTEN", "127.0.0.1:0"},
         {"LOBBY_TOKENS_FILE", dir_ + "/tokens"},
         {"LOBBY_SERVICE_TOKEN", "notify-service-token-0123"},
         {"LOBBY_LOG_FORMAT", "json"}});
  }
  // The notify group's entries read and not yet acknowledged.
  int64_t Pending() {
    auto r = redis_.conn().Command({"XPENDING", queue::kTicketsStream, "notify"});
    return r.ok() && !r->elements.empty() ? r->elements[0].integer : -1;
  }

  std::string residents_addr_, api_addr_;
};

TEST_F(NotifyKillTest, AConsumerKilledBetweenSendAndAckTellsNothingTwiceAndNothingLess) {
  Child* residents = Start("residents-1", "residents", residents_addr_);
  Start("api", "repairs,dispatch", api_addr_);
  ASSERT_FALSE(HasFailure());
  auto residents_stub = v1::ResidentService::NewStub(Dial(residents_addr_));
  auto repairs = v1::RepairService::NewStub(Dial(api_addr_));
  std::vector<std::string> people;
  for (int i = 0; i < kResidents; ++i) {
    v1::CreateResidentRequest req;
    v1::Resident* r = req.mutable_resident();
    r->set_name(absl::StrCat("Resident ", i));
    r->add_phones(absl::StrCat("+8529123400", i));
    r->mutable_unit()->set_site_id("demo");
    r->mutable_unit()->set_building("Tower 1");
    r->mutable_unit()->set_floor("3");
    r->mutable_unit()->set_room(std::string(1, static_cast<char>('A' + i)));
    r->set_language("en");
    r->set_role(v1::RESIDENT_ROLE_TENANT);
    auto created =
        CallRpc(*residents_stub, &v1::ResidentService::Stub::CreateResident, req, kAdminToken);
    ASSERT_TRUE(created.ok()) << created.status.error_message();
    people.push_back(created.value.id());
  }

  // Repairs are reported, assigned, acknowledged and attended, one after the other, while the
  // residents service is killed and replaced. A call that fails is not retried: what counts is
  // what each ticket's history says happened.
  std::atomic<bool> stop{false};
  std::atomic<int> made{0};
  std::mutex mu;
  std::vector<std::string> tickets;
  std::thread load([&] {
    for (int i = 0; !stop; ++i) {
      v1::CreateTicketRequest create;
      v1::Ticket* t = create.mutable_ticket();
      t->set_site_id("demo");
      v1::Unit* u = t->mutable_location()->mutable_unit();
      u->set_building("Tower 1");
      u->set_floor("3");
      u->set_room(std::string(1, static_cast<char>('A' + i % kResidents)));
      t->set_category("plumbing");
      t->set_channel(v1::CHANNEL_SMS);
      t->set_description(absl::StrCat("leak ", i));
      t->mutable_reporter()->set_resident_id(people[i % kResidents]);
      create.set_idempotency_key(absl::StrCat("notify-kill-", i));
      auto c = CallRpc(*repairs, &v1::RepairService::Stub::CreateRepair, create, kAdapterToken);
      if (!c.ok()) continue;
      {
        std::lock_guard lock(mu);
        tickets.push_back(c.value.id());
      }
      v1::AssignRequest assign;
      assign.set_id(c.value.id());
      assign.set_team("plumbing");
      assign.set_assignee("tom");
      if (!CallRpc(*repairs, &v1::RepairService::Stub::Assign, assign, kAdminToken).ok()) continue;
      for (v1::TicketAction a : {v1::TICKET_ACTION_ACKNOWLEDGE, v1::TICKET_ACTION_ARRIVE}) {
        v1::TransitionRequest step;
        step.set_id(c.value.id());
        step.set_action(a);
        if (!CallRpc(*repairs, &v1::RepairService::Stub::Transition, step, kAdminToken).ok()) break;
      }
      ++made;
    }
  });

  // Killed the moment it holds entries it has read and not acknowledged: between telling and
  // acknowledging, or earlier in the same step. Tried again if the acknowledgement won the race.
  int64_t held_by_the_dead = 0;
  for (int attempt = 0; attempt < 5 && held_by_the_dead == 0; ++attempt) {
    int from = made;
    ASSERT_TRUE(WaitFor([&] { return made >= from + 5; }, 30)) << "no load";
    ASSERT_TRUE(WaitFor([&] { return Pending() > 0; }, 20)) << "notify never had entries pending";
    residents->Signal(SIGKILL);
    residents->Wait(5);
    held_by_the_dead = Pending();
    residents = Start(absl::StrCat("residents-", attempt + 2), "residents", residents_addr_);
    ASSERT_FALSE(HasFailure());
  }
  ASSERT_GT(held_by_the_dead, 0) << "the kill never came between a read and its acknowledgement";
  int from = made;
  ASSERT_TRUE(WaitFor([&] { return made >= from + 10; }, 30)) << "no load after the restart";
  stop = true;
  load.join();
  ASSERT_TRUE(WaitFor(
      [&] { return testing::CaughtUp(redis_.conn(), queue::kTicketsStream, "notify"); }, 30))
      << "notify did not catch up";

  // What reached the SMS queue, per ticket: each line of each message.
  auto out = redis_.conn().Command({"XRANGE", "lobby:q:outbound:sms", "-", "+"});
  ASSERT_TRUE(out.ok());
  std::map<std::string, std::map<std::string, int>> lines;  // ticket -> line -> times told
  std::map<std::string, int> keys;
  for (const auto& e : queue::ParseEntries(*out)) {
    if (e.Get("kind") != "notice") continue;
    ++keys[std::string(e.Get("idempotency_key"))];
    for (absl::string_view line : absl::StrSplit(e.Get("text"), '\n')) {
      absl::ConsumePrefix(&line, "- ");
      absl::ConsumePrefix(&line, absl::StrCat(e.Get("ticket_id"), ": "));
      if (!line.empty() && line != absl::StrCat(e.Get("ticket_id"), ":"))
        ++lines[std::string(e.Get("ticket_id"))][std::string(line)];
    }
  }
  for (const auto& [key, n] : keys) EXPECT_EQ(n, 1) << key << " queued " << n << " times";
  const std::map<std::string, std::string> kTold = {
      {"assigned", "the plumbing team is taking care of it."},
      {"acknowledged", "a technician has taken the job and will be with you."},
      {"on_site", "our technician has arrived."}};
  int told = 0;
  for (const std::string& id : tickets) {
    v1::Ticket t = testing::GetRepair(*repairs, id);
    for (const auto& h : t.history()) {
      auto line = kTold.find(h.action());
      if (line == kTold.end()) continue;
      EXPECT_EQ(lines[id][line->second], 1) << id << ": \"" << line->second << "\"";
      ++told;
    }
  }
  EXPECT_GT(told, 3 * 15) << "the load was too small to say anything";
  std::cout << "killed holding " << held_by_the_dead << " entries; " << tickets.size()
            << " tickets, " << told << " changes told once each\n";
}

}  // namespace
}  // namespace lobby
