// RepairService through a real gRPC server on port 0, against a real Redis.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "google/protobuf/util/time_util.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "services/common/queue.h"
#include "tests/adapters/fake_provider.h"
#include "tests/support/harness.h"

namespace lobby::repairs {
namespace {

using google::protobuf::util::TimeUtil;
using lobby::testing::CallRpc;
using lobby::testing::Harness;
using lobby::testing::kAdapterToken;
using lobby::testing::kAdminToken;
using lobby::testing::kAgentToken;
using lobby::testing::kTechToken;
using lobby::testing::RedisTest;
using lobby::testing::Result;

class RepairServiceTest : public lobby::testing::ServiceTest<v1::RepairService> {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    lobby::testing::SeedResidents(harness_->channel, 5);
  }
  v1::CreateTicketRequest NewRepair(const std::string& category = "plumbing",
                                    const std::string& room = "A",
                                    const std::string& building = "Tower 1") {
    v1::CreateTicketRequest req;
    v1::Ticket* t = req.mutable_ticket();
    t->set_site_id("demo");
    auto* u = t->mutable_location()->mutable_unit();
    u->set_building(building);
    u->set_floor("12");
    u->set_room(room);
    t->set_category(category);
    t->set_channel(v1::CHANNEL_WHATSAPP);
    t->set_description("廚房水喉漏水");
    t->mutable_reporter()->set_resident_id("RS-10001");
    return req;
  }
  v1::Ticket Create(v1::CreateTicketRequest req) {
    auto r = Call(&Stub::CreateRepair, req, kAdapterToken);
    EXPECT_TRUE(r.ok()) << r.status.error_message();
    return r.value;
  }
  Result<v1::Ticket> Act(const std::string& id, v1::TicketAction action,
                         const std::string& token = kAdminToken,
                         v1::HoldReason reason = v1::HOLD_REASON_UNSPECIFIED) {
    v1::TransitionRequest req;
    req.set_id(id);
    req.set_action(action);
    req.set_hold_reason(reason);
    // The adapter acts for the reporter of the test's repairs.
    return CallRpc(*stub_, &Stub::Transition, req, token,
                   token == kAdapterToken ? "resident:RS-10001" : "");
  }
  Result<v1::Ticket> AssignTo(const std::string& id, const std::string& team,
                              const std::string& who) {
    v1::AssignRequest req;
    req.set_id(id);
    req.set_team(team);
    req.set_assignee(who);
    req.set_note("rule plumbing-tower-1 matched; candidates: " + who);
    return Call(&Stub::Assign, req);
  }
  std::vector<queue::Entry> Events() {
    auto r = server().conn().Command({"XRANGE", queue::kTicketsStream, "-", "+"});
    return queue::ParseEntries(*r);
  }
  std::vector<std::string> EventTypes(const std::string& ticket) {
    std::vector<std::string> out;
    for (const auto& e : Events()) {
      if (e.Get("ticket_id") == ticket) out.emplace_back(e.Get("type"));
    }
    return out;
  }
};

TEST_F(RepairServiceTest, CreateWritesTheTicketAndItsEventTogether) {
  v1::Ticket t = Create(NewRepair());
  EXPECT_EQ(t.id(), "R-10001");
  EXPECT_EQ(t.status(), v1::TICKET_STATUS_NEW);
  EXPECT_EQ(t.priority(), v1::PRIORITY_P3) << "the category's default";
  ASSERT_EQ(t.history_size(), 1);
  EXPECT_EQ(t.history(0).actor(), "sms");
  auto events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].Get("type"), "ticket.created");
  EXPECT_EQ(events[0].Get("ticket_id"), "R-10001");
  EXPECT_EQ(events[0].Get("resident_id"), "RS-10001");
  EXPECT_EQ(events[0].Get("kind"), "repair");
  EXPECT_EQ(events[0].Get("building"), "Tower 1");
  EXPECT_EQ(events[0].Get("channel"), "whatsapp");
  EXPECT_EQ(events[0].Get("v"), "1");
  EXPECT_EQ(Create(NewRepair()).id(), "R-10002");
}

TEST_F(RepairServiceTest, EmergencyCategoriesAreP1) {
  auto req = NewRepair("gas");
  req.mutable_ticket()->set_priority(v1::PRIORITY_P4);
  v1::Ticket t = Create(req);
  EXPECT_EQ(t.priority(), v1::PRIORITY_P1);
  EXPECT_TRUE(t.emergency());
  EXPECT_EQ(Events()[0].Get("emergency"), "1");
}

TEST_F(RepairServiceTest, IdempotentCreateUnderConcurrentRetries) {
  auto req = NewRepair();
  req.set_idempotency_key("whatsapp:wamid.HBgLODUyOTEyMzQ1Njc4FQIAEhggQ0E");
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<std::string> ids;
  std::atomic<int> failures{0};
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] {
      auto r = Call(&Stub::CreateRepair, req, kAdapterToken);
      if (!r.ok()) failures++;
      std::lock_guard lock(mu);
      ids.insert(r.value.id());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_EQ(ids.size(), 1u) << "every retry gets the same ticket";
  v1::ListTicketsRequest list;
  list.set_site_id("demo");
  EXPECT_EQ(Call(&Stub::ListRepairs, list).value.tickets_size(), 1);
  EXPECT_EQ(EventTypes(*ids.begin()), std::vector<std::string>{"ticket.created"});
}

TEST_F(RepairServiceTest, TheWholeLifecycleWithHistoryAndEvents) {
  std::string id = Create(NewRepair()).id();
  ASSERT_TRUE(AssignTo(id, "plumbing", "tom").ok());  // the technician token's member
  ASSERT_TRUE(Act(id, v1::TICKET_ACTION_ACKNOWLEDGE, kTechToken).ok());
  ASSERT_TRUE(Act(id, v1::TICKET_ACTION_ARRIVE, kTechToken).ok());
  auto held = Act(id, v1::TICKET_ACTION_HOLD, kTechToken, v1::HOLD_REASON_WAITING_PARTS);
  ASSERT_TRUE(held.ok()) << held.status.error_message();
  EXPECT_EQ(held.value.repair().hold_reason(), v1::HOLD_REASON_WAITING_PARTS);
  auto resumed = Act(id, v1::TICKET_ACTION_RESUME, kTechToken);
  EXPECT_EQ(resumed.value.repair().hold_reason(), v1::HOLD_REASON_UNSPECIFIED);
  ASSERT_TRUE(Act(id, v1::TICKET_ACTION_ARRIVE, kTechToken).ok());
  auto resolved = Act(id, v1::TICKET_ACTION_RESOLVE, kTechToken);
  ASSERT_TRUE(resolved.ok());
  EXPECT_TRUE(resolved.value.has_resolved_at());
  ASSERT_TRUE(Act(id, v1::TICKET_ACTION_CLOSE, kAdapterToken).ok());
  auto reopened = Act(id, v1::TICKET_ACTION_REOPEN, kAdapterToken);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened.value.status(), v1::TICKET_STATUS_REOPENED);
  ASSERT_TRUE(AssignTo(id, "plumbing", "Lee").ok()) << "a reopened ticket goes back to someone";

  EXPECT_EQ(EventTypes(id),
            (std::vector<std::string>{"ticket.created", "ticket.assigned", "ticket.acknowledged",
                                      "ticket.on_site", "ticket.on_hold", "ticket.resumed",
                                      "ticket.on_site", "ticket.resolved", "ticket.closed",
                                      "ticket.reopened", "ticket.assigned"}));
  v1::GetTicketRequest get;
  get.set_id(id);
  auto t = Call(&Stub::GetRepair, get, kTechToken).value;
  ASSERT_EQ(t.history_size(), 11);
  EXPECT_EQ(t.history(1).note(), "rule plumbing-tower-1 matched; candidates: tom")
      << "dispatch explains itself";
  EXPECT_EQ(t.history(2).actor(), "tom");
  EXPECT_EQ(t.history(4).note(), "waiting_parts");
  EXPECT_EQ(t.history(4).from_status(), v1::TICKET_STATUS_ON_SITE);
  EXPECT_EQ(t.version(), 11);
}

TEST_F(RepairServiceTest, IllegalTransitionsChangeNothing) {
  std::string id = Create(NewRepair()).id();
  auto before = server().Snapshot();
  for (auto action : {v1::TICKET_ACTION_ACKNOWLEDGE, v1::TICKET_ACTION_ARRIVE,
                      v1::TICKET_ACTION_RESOLVE, v1::TICKET_ACTION_CLOSE, v1::TICKET_ACTION_REOPEN,
                      v1::TICKET_ACTION_RESUME, v1::TICKET_ACTION_SUBMIT_REVIEW}) {
    auto r = Act(id, action);
    EXPECT_EQ(r.code(), grpc::StatusCode::FAILED_PRECONDITION) << v1::TicketAction_Name(action);
    EXPECT_NE(r.status.error_message().find("new"), std::string::npos) << r.status.error_message();
  }
  EXPECT_EQ(Act(id, v1::TICKET_ACTION_HOLD).code(), grpc::StatusCode::INVALID_ARGUMENT)
      << "hold needs a reason";
  EXPECT_EQ(Act(id, v1::TICKET_ACTION_CANCEL, kTechToken).code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Act("R-99999", v1::TICKET_ACTION_CANCEL).code(), grpc::StatusCode::NOT_FOUND);
  v1::AssignRequest by_tech;
  by_tech.set_id(id);
  by_tech.set_team("plumbing");
  EXPECT_EQ(Call(&Stub::Assign, by_tech, kTechToken).code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(before, server().Snapshot());
  v1::TransitionRequest cancel;
  cancel.set_id(id);
  cancel.set_action(v1::TICKET_ACTION_CANCEL);
  EXPECT_EQ(Call(&Stub::Transition, cancel, kAdapterToken).code(),
            grpc::StatusCode::PERMISSION_DENIED)
      << "an adapter names the resident it acts for";
  EXPECT_EQ(CallRpc(*stub_, &Stub::Transition, cancel, kAdapterToken, "resident:RS-10002").code(),
            grpc::StatusCode::PERMISSION_DENIED)
      << "not the reporter";
  EXPECT_EQ(before, server().Snapshot());
  ASSERT_TRUE(CallRpc(*stub_, &Stub::Transition, cancel, kAdapterToken, "resident:RS-10001").ok())
      << "the resident may cancel";
  EXPECT_EQ(Act(id, v1::TICKET_ACTION_CANCEL).code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(AssignTo(id, "plumbing", "Lee").code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(RepairServiceTest, ConcurrentTransitionsExactlyOneWins) {
  for (int i = 0; i < 10; ++i) {
    std::string id = Create(NewRepair()).id();
    ASSERT_TRUE(AssignTo(id, "plumbing", "Lee").ok());
    std::atomic<int> won{0}, refused{0};
    // Two people acknowledge at once: one of them owns it, the other is told it is taken.
    std::thread a(
        [&] { (Act(id, v1::TICKET_ACTION_ACKNOWLEDGE, kTechToken).ok() ? won : refused)++; });
    std::thread b(
        [&] { (Act(id, v1::TICKET_ACTION_ACKNOWLEDGE, kAgentToken).ok() ? won : refused)++; });
    a.join();
    b.join();
    EXPECT_EQ(won.load(), 1) << id;
    EXPECT_EQ(refused.load(), 1) << id;
    auto types = EventTypes(id);
    EXPECT_EQ(types, (std::vector<std::string>{"ticket.created", "ticket.assigned",
                                               "ticket.acknowledged"}));
  }
}

TEST_F(RepairServiceTest, ReopenOnlyWithinTheWindow) {
  std::string id = Create(NewRepair()).id();
  ASSERT_TRUE(AssignTo(id, "plumbing", "Lee").ok());
  for (auto a :
       {v1::TICKET_ACTION_ACKNOWLEDGE, v1::TICKET_ACTION_ARRIVE, v1::TICKET_ACTION_RESOLVE}) {
    ASSERT_TRUE(Act(id, a).ok());
  }
  clock_.Advance(absl::Hours(24 * 15));
  auto late = Act(id, v1::TICKET_ACTION_REOPEN, kAdapterToken);
  EXPECT_EQ(late.code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(late.status.error_message().find("14 days"), std::string::npos);
}

TEST_F(RepairServiceTest, BadReportsGetClearErrorsAndChangeNothing) {
  auto before = server().Snapshot();
  std::vector<std::pair<const char*, std::function<void(v1::CreateTicketRequest&)>>> bad = {
      {"no category", [](auto& r) { r.mutable_ticket()->clear_category(); }},
      {"unknown category", [](auto& r) { r.mutable_ticket()->set_category("teleporter"); }},
      {"complaint category", [](auto& r) { r.mutable_ticket()->set_category("noise"); }},
      {"no location", [](auto& r) { r.mutable_ticket()->clear_location(); }},
      {"unit without room",
       [](auto& r) { r.mutable_ticket()->mutable_location()->mutable_unit()->clear_room(); }},
      {"no channel", [](auto& r) { r.mutable_ticket()->clear_channel(); }},
      {"empty description", [](auto& r) { r.mutable_ticket()->set_description("  "); }},
      {"bad photo",
       [](auto& r) {
         auto* p = r.mutable_ticket()->add_photos();
         p->set_url("file:///etc/passwd");
         p->set_content_type("image/jpeg");
       }},
      {"team on create", [](auto& r) { r.mutable_ticket()->set_team("plumbing"); }},
      {"id on create", [](auto& r) { r.mutable_ticket()->set_id("R-1"); }},
      {"bad site", [](auto& r) { r.mutable_ticket()->set_site_id("Demo Estate"); }},
      {"no reporter", [](auto& r) { r.mutable_ticket()->clear_reporter(); }},
  };
  for (auto& [why, mutate] : bad) {
    auto req = NewRepair();
    mutate(req);
    auto r = Call(&Stub::CreateRepair, req, kAdapterToken);
    EXPECT_EQ(r.code(), grpc::StatusCode::INVALID_ARGUMENT)
        << why << ": " << r.status.error_message();
    EXPECT_EQ(before, server().Snapshot()) << why;
  }
  auto by_agent = NewRepair();
  by_agent.mutable_ticket()->clear_reporter();
  auto r = Call(&Stub::CreateRepair, by_agent, kAgentToken);
  ASSERT_TRUE(r.ok()) << "an agent on a caller's behalf is the reporter";
  EXPECT_EQ(r.value.reporter().agent(), "bob");
}

TEST_F(RepairServiceTest, ListFiltersPagesNewestFirstAndCounts) {
  for (int i = 0; i < 9; ++i) {
    clock_.Advance(absl::Seconds(1));
    Create(NewRepair(i % 3 == 0 ? "electrical" : "plumbing", std::string(1, 'A' + i),
                     i < 5 ? "Tower 1" : "Tower 2"));
  }
  ASSERT_TRUE(AssignTo("R-10002", "plumbing", "Lee").ok());
  ASSERT_TRUE(AssignTo("R-10003", "plumbing", "Wong").ok());
  ASSERT_TRUE(AssignTo("R-10005", "plumbing", "Lee").ok());
  ASSERT_TRUE(Act("R-10005", v1::TICKET_ACTION_ACKNOWLEDGE).ok());

  auto ids = [&](v1::ListTicketsRequest req) {
    req.set_site_id("demo");
    std::vector<std::string> out;
    auto r = Call(&Stub::ListRepairs, req);
    for (const auto& t : r.value.tickets()) out.push_back(t.id());
    return out;
  };
  v1::ListTicketsRequest q;
  EXPECT_EQ(ids(q).front(), "R-10009");
  q.set_assignee("Lee");
  EXPECT_EQ(ids(q), (std::vector<std::string>{"R-10005", "R-10002"}));
  q.Clear();
  q.set_category("electrical");
  EXPECT_EQ(ids(q), (std::vector<std::string>{"R-10007", "R-10004", "R-10001"}));
  q.set_building("Tower 2");
  EXPECT_EQ(ids(q), (std::vector<std::string>{"R-10007"}));
  q.Clear();
  q.set_status(v1::TICKET_STATUS_NEW);
  EXPECT_EQ(ids(q).size(), 6u);
  q.Clear();
  q.set_team("plumbing");
  q.set_status(v1::TICKET_STATUS_ASSIGNED);
  EXPECT_EQ(ids(q), (std::vector<std::string>{"R-10003", "R-10002"}));

  // Tickets were created one second apart from start+1s: a window around the 3rd to the 5th.
  q.Clear();
  absl::Time first = clock_.Now() - absl::Seconds(8);
  *q.mutable_created_after() =
      TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(first + absl::Seconds(1)));
  *q.mutable_created_before() =
      TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(first + absl::Seconds(5)));
  EXPECT_EQ(ids(q), (std::vector<std::string>{"R-10005", "R-10004", "R-10003"}))
      << "both bounds exclusive";

  std::vector<std::string> paged;
  v1::ListTicketsRequest page;
  page.set_site_id("demo");
  page.set_page_size(4);
  do {
    auto r = Call(&Stub::ListRepairs, page);
    ASSERT_TRUE(r.ok()) << r.status.error_message();
    for (const auto& t : r.value.tickets()) paged.push_back(t.id());
    page.set_page_token(r.value.next_page_token());
  } while (!page.page_token().empty());
  ASSERT_EQ(paged.size(), 9u);
  EXPECT_EQ(paged[0], "R-10009");
  EXPECT_EQ(paged[8], "R-10001");

  v1::CountByStatusRequest counts;
  counts.set_site_id("demo");
  counts.set_team("plumbing");
  auto c = Call(&Stub::CountByStatus, counts, kTechToken).value.counts();
  EXPECT_EQ(c["assigned"], 2);
  EXPECT_EQ(c["acknowledged"], 1);
  EXPECT_EQ(c.count("new"), 0u);
}

TEST_F(RepairServiceTest, CatalogApplyDryRunAndClassify) {
  const std::string yaml = R"(
categories:
  - id: plumbing
    kind: repair
    names: {zh-Hant: 水喉, zh-Hans: 水管, en: Plumbing}
    default_priority: P2
    keywords: [漏水, leak]
  - id: pool
    kind: repair
    names: {zh-Hant: 泳池, zh-Hans: 泳池, en: Pool}
    default_priority: P3
    keywords: [泳池, pool]
)";
  v1::ApplyCatalogRequest apply;
  apply.set_site_id("demo");
  apply.set_yaml(yaml);
  apply.set_dry_run(true);
  auto before = server().Snapshot();
  auto dry = Call(&Stub::ApplyCatalog, apply);
  ASSERT_TRUE(dry.ok()) << dry.status.error_message();
  EXPECT_EQ(dry.value.added(0), "pool");
  EXPECT_EQ(dry.value.changed(0), "plumbing");
  EXPECT_GT(dry.value.removed_size(), 10);
  EXPECT_EQ(before, server().Snapshot()) << "a dry run applies nothing";
  EXPECT_EQ(Call(&Stub::ApplyCatalog, apply, kAgentToken).code(),
            grpc::StatusCode::PERMISSION_DENIED);
  apply.set_dry_run(false);
  ASSERT_TRUE(Call(&Stub::ApplyCatalog, apply).ok());
  v1::ClassifyRequest classify;
  classify.set_site_id("demo");
  classify.set_text("the pool is dirty");
  EXPECT_EQ(Call(&Stub::Classify, classify, kAdapterToken).value.category(), "pool");
  EXPECT_EQ(Call(&Stub::CreateRepair, NewRepair("electrical"), kAdapterToken).code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Create(NewRepair("plumbing")).priority(), v1::PRIORITY_P2);
  v1::GetCatalogRequest other;
  other.set_site_id("elsewhere");
  EXPECT_GT(Call(&Stub::GetCatalog, other).value.categories_size(), 10)
      << "other sites keep the default";
  apply.set_yaml("categories: [{id: x}]");
  EXPECT_EQ(Call(&Stub::ApplyCatalog, apply).code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// Where the estate's catalog says so (raise_priority_for), an elderly resident's report is one
// step more urgent than its category; off by default, and everyone else's is as it was.
TEST_F(RepairServiceTest, AnElderlyResidentsReportIsMoreUrgentWhereTheCatalogSaysSo) {
  std::string elderly = lobby::testing::CreateResident(harness_->channel, {"Ho Siu Fong",
                                                                           "+85291239001",
                                                                           "Tower 1",
                                                                           "3",
                                                                           "B",
                                                                           "zh-Hant",
                                                                           v1::RESIDENT_ROLE_OWNER,
                                                                           {"elderly"}});
  ASSERT_FALSE(elderly.empty());
  auto theirs = [&](const std::string& category) {
    v1::CreateTicketRequest req = NewRepair(category, "B");
    req.mutable_ticket()->mutable_location()->mutable_unit()->set_floor("3");
    req.mutable_ticket()->mutable_reporter()->set_resident_id(elderly);
    return req;
  };
  v1::Ticket before = Create(theirs("plumbing"));
  EXPECT_EQ(before.priority(), v1::PRIORITY_P3) << "off by default";

  v1::ApplyCatalogRequest apply;
  apply.set_site_id("demo");
  apply.set_yaml(R"(
raise_priority_for: [elderly, needs_assistance]
categories:
  - {id: plumbing, kind: repair, names: {zh-Hant: 水喉, zh-Hans: 水管, en: Plumbing}, default_priority: P3, keywords: [leak]}
  - {id: gas, kind: repair, names: {zh-Hant: 煤氣, zh-Hans: 燃气, en: Gas}, default_priority: P1, keywords: [gas]}
)");
  apply.set_dry_run(true);
  auto dry = Call(&Stub::ApplyCatalog, apply);
  ASSERT_TRUE(dry.ok()) << dry.status.error_message();
  EXPECT_NE(std::find(dry.value.changes().begin(), dry.value.changes().end(),
                      "raise_priority_for: [] -> [elderly, needs_assistance]"),
            dry.value.changes().end())
      << dry.value.DebugString();
  apply.set_dry_run(false);
  ASSERT_TRUE(Call(&Stub::ApplyCatalog, apply).ok());
  v1::Ticket raised = Create(theirs("plumbing"));
  EXPECT_EQ(raised.priority(), v1::PRIORITY_P2);
  ASSERT_FALSE(raised.history().empty());
  EXPECT_EQ(raised.history(0).note(), "priority raised from P3: the resident is tagged elderly");
  EXPECT_EQ(Create(NewRepair("plumbing")).priority(), v1::PRIORITY_P3) << "RS-10001 has no tag";
  EXPECT_EQ(Create(theirs("gas")).priority(), v1::PRIORITY_P1) << "nothing above P1";
  apply.set_yaml("raise_priority_for: [Elderly]\ncategories: [{id: x, kind: repair}]");
  EXPECT_EQ(Call(&Stub::ApplyCatalog, apply).code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(RepairServiceTest, VisitWindowsAndComments) {
  std::string id = Create(NewRepair()).id();
  ASSERT_TRUE(AssignTo(id, "plumbing", "tom").ok());
  v1::ProposeVisitRequest visit;
  visit.set_id(id);
  *visit.mutable_start() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(clock_.Now() - absl::Hours(3)));
  *visit.mutable_end() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(clock_.Now() - absl::Hours(1)));
  EXPECT_EQ(Call(&Stub::ProposeVisit, visit, kTechToken).code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  *visit.mutable_start() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(clock_.Now() + absl::Hours(20)));
  *visit.mutable_end() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(clock_.Now() + absl::Hours(22)));
  visit.set_entry_permission(true);
  visit.set_key_note("key with the guard at the lobby");
  auto proposed = Call(&Stub::ProposeVisit, visit, kTechToken);
  ASSERT_TRUE(proposed.ok()) << proposed.status.error_message();
  EXPECT_FALSE(proposed.value.repair().visit_window().confirmed());
  v1::GetTicketRequest get;
  get.set_id(id);
  auto confirmed = CallRpc(*stub_, &Stub::ConfirmVisit, get, kAdapterToken, "resident:RS-10001");
  ASSERT_TRUE(confirmed.ok());
  EXPECT_TRUE(confirmed.value.repair().visit_window().confirmed());
  EXPECT_TRUE(confirmed.value.repair().entry_permission());
  EXPECT_EQ(CallRpc(*stub_, &Stub::ConfirmVisit, get, kAdapterToken, "resident:RS-10001").code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  v1::AddCommentRequest note;
  note.set_id(id);
  note.set_internal(true);
  note.set_text("resident is hard of hearing; knock loudly");
  ASSERT_TRUE(Call(&Stub::AddComment, note, kTechToken).ok());
  note.set_internal(false);
  note.set_text("We will come tomorrow morning.");
  auto commented = Call(&Stub::AddComment, note, kAgentToken);
  ASSERT_EQ(commented.value.comments_size(), 2);
  EXPECT_TRUE(commented.value.comments(0).internal());
  auto as_resident = Call(&Stub::GetRepair, get, kAdapterToken).value;
  ASSERT_EQ(as_resident.comments_size(), 1)
      << "the adapter answers residents: no internal comments";
  EXPECT_FALSE(as_resident.comments(0).internal());
  EXPECT_EQ(Call(&Stub::GetRepair, get, kTechToken).value.comments_size(), 2);
  auto events = Events();
  EXPECT_EQ(events[events.size() - 2].Get("note"), "(internal)")
      << "internal text stays off the stream";
  EXPECT_EQ(events.back().Get("note"), "We will come tomorrow morning.");
  EXPECT_EQ(events.back().Get("type"), "ticket.commented");
}

TEST_F(RepairServiceTest, IncidentsGatherReportsAndResolveThemAll) {
  v1::CreateIncidentRequest create;
  v1::Incident* inc = create.mutable_incident();
  inc->set_site_id("demo");
  inc->add_buildings("Tower 2");
  inc->set_category("water_outage");
  inc->set_title("No water in Tower 2: pump fault");
  inc->set_auto_attach(true);
  *inc->mutable_expected_at() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(clock_.Now() + absl::Hours(3)));
  EXPECT_EQ(Call(&Stub::CreateIncident, create, kTechToken).code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto created = Call(&Stub::CreateIncident, create, kAgentToken);
  ASSERT_TRUE(created.ok()) << created.status.error_message();
  EXPECT_EQ(created.value.id(), "I-10001");

  std::vector<std::string> joined, reporters;
  for (const char* room : {"A", "B", "C"}) {
    auto req = NewRepair("water_outage", room, "Tower 2");
    reporters.push_back(lobby::testing::CreateResidentIn(harness_->channel, "demo", room));
    req.mutable_ticket()->mutable_reporter()->set_resident_id(reporters.back());
    v1::Ticket t = Create(req);
    EXPECT_EQ(t.repair().incident_id(), "I-10001") << "a known fault's report joins its incident";
    joined.push_back(t.id());
  }
  v1::Ticket other_building = Create(NewRepair("water_outage", "A", "Tower 1"));
  EXPECT_TRUE(other_building.repair().incident_id().empty());
  v1::Ticket other_category = Create(NewRepair("plumbing", "D", "Tower 2"));
  EXPECT_TRUE(other_category.repair().incident_id().empty());
  v1::AttachToIncidentRequest attach;
  attach.set_incident_id("I-10001");
  attach.add_ticket_ids(other_category.id());
  auto attached = Call(&Stub::AttachToIncident, attach);
  ASSERT_TRUE(attached.ok()) << attached.status.error_message();
  EXPECT_EQ(attached.value.ticket_ids_size(), 4);
  // Their reporters are told it is a known fault, and when it should be fixed.
  std::string expected = std::to_string(absl::ToUnixMillis(clock_.Now() + absl::Hours(3)));
  for (const auto& e : Events()) {
    bool joined_it = (e.Get("type") == "ticket.created" && e.Get("incident_id") == "I-10001") ||
                     e.Get("type") == "ticket.incident_attached";
    if (!joined_it) continue;
    EXPECT_EQ(e.Get("incident_title"), "No water in Tower 2: pump fault") << e.Get("ticket_id");
    EXPECT_EQ(e.Get("incident_expected_at"), expected) << e.Get("ticket_id");
  }
  ASSERT_TRUE(AssignTo(joined[0], "plumbing", "Lee").ok());
  v1::TransitionRequest cancel;
  cancel.set_id(joined[1]);
  cancel.set_action(v1::TICKET_ACTION_CANCEL);
  ASSERT_TRUE(
      CallRpc(*stub_, &Stub::Transition, cancel, kAdapterToken, "resident:" + reporters[1]).ok())
      << "one resident cancels meanwhile";

  v1::ListIncidentsRequest list;
  list.set_site_id("demo");
  EXPECT_EQ(Call(&Stub::ListIncidents, list, kTechToken).value.incidents_size(), 1);

  v1::ResolveIncidentRequest resolve;
  resolve.set_id("I-10001");
  resolve.set_resolution("Pump replaced; water is back");
  auto resolved = Call(&Stub::ResolveIncident, resolve);
  ASSERT_TRUE(resolved.ok()) << resolved.status.error_message();
  EXPECT_EQ(resolved.value.status(), v1::INCIDENT_STATUS_RESOLVED);

  for (const std::string& id : {joined[0], joined[2], other_category.id()}) {
    v1::GetTicketRequest get;
    get.set_id(id);
    auto t = Call(&Stub::GetRepair, get).value;
    EXPECT_EQ(t.status(), v1::TICKET_STATUS_RESOLVED) << id;
    EXPECT_EQ(t.history().rbegin()->note(),
              "No water in Tower 2: pump fault: Pump replaced; water is back (I-10001)");
    EXPECT_EQ(EventTypes(id).back(), "ticket.resolved") << "so the resident is told";
  }
  v1::GetTicketRequest cancelled;
  cancelled.set_id(joined[1]);
  EXPECT_EQ(Call(&Stub::GetRepair, cancelled).value.status(), v1::TICKET_STATUS_CANCELLED)
      << "left as it was";
  v1::GetTicketRequest unrelated;
  unrelated.set_id(other_building.id());
  EXPECT_EQ(Call(&Stub::GetRepair, unrelated).value.status(), v1::TICKET_STATUS_NEW);
  int resolved_events = 0;
  for (const auto& e : Events()) {
    if (e.Get("type") == "ticket.resolved") {
      ++resolved_events;
      EXPECT_FALSE(e.Get("resident_id").empty());
    }
    if (e.Get("type") == "incident.resolved") {
      EXPECT_EQ(e.Get("tickets"), "4");
    }
  }
  EXPECT_EQ(resolved_events, 3);

  EXPECT_EQ(Call(&Stub::ResolveIncident, resolve).code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Call(&Stub::AttachToIncident, attach).code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(Create(NewRepair("water_outage", "E", "Tower 2")).repair().incident_id().empty())
      << "a resolved incident takes no more reports";
  EXPECT_EQ(Call(&Stub::ListIncidents, list).value.incidents_size(), 0);
  list.set_include_resolved(true);
  EXPECT_EQ(Call(&Stub::ListIncidents, list).value.incidents_size(), 1);
}

TEST_F(RepairServiceTest, IncidentInputIsChecked) {
  auto before = server().Snapshot();
  v1::CreateIncidentRequest create;
  create.mutable_incident()->set_site_id("demo");
  EXPECT_EQ(Call(&Stub::CreateIncident, create).code(), grpc::StatusCode::INVALID_ARGUMENT)
      << "no title";
  create.mutable_incident()->set_title("Lift 2 out of service");
  create.mutable_incident()->set_auto_attach(true);
  EXPECT_EQ(Call(&Stub::CreateIncident, create).code(), grpc::StatusCode::INVALID_ARGUMENT)
      << "auto-attach without category";
  create.mutable_incident()->set_category("noise");
  EXPECT_EQ(Call(&Stub::CreateIncident, create).code(), grpc::StatusCode::INVALID_ARGUMENT)
      << "a complaint category";
  EXPECT_EQ(before, server().Snapshot());
  create.mutable_incident()->set_category("lift");
  ASSERT_TRUE(Call(&Stub::CreateIncident, create).ok());
  v1::AttachToIncidentRequest attach;
  attach.set_incident_id("I-10001");
  attach.add_ticket_ids("R-404");
  EXPECT_EQ(Call(&Stub::AttachToIncident, attach).code(), grpc::StatusCode::NOT_FOUND);
}
}  // namespace
}  // namespace lobby::repairs
