#include "tools/lobbyctl/lobbyctl.h"

namespace lobbyctl {

std::string CallLine(const v1::CallEvent& e) {
  const v1::Call& c = e.call();
  const v1::ScreenPop& p = c.caller_profile();
  std::string who = p.resident_id().empty() ? "unknown caller"
                                            : absl::StrCat(p.name(), " (", p.resident_id(), ", ",
                                                           UnitText(p.unit()), ")");
  std::vector<std::string> open;
  for (const auto& t : p.open_tickets())
    open.push_back(t.id() + " " + Lower(v1::TicketStatus_Name(t.status()), "TICKET_STATUS_"));
  std::string detail;
  if (e.type() == "call.ringing") {
    detail = absl::StrCat(
        "open: ", open.empty() ? "none" : absl::StrJoin(open, ", "),
        p.last_survey_score() ? absl::StrCat("; last survey ", p.last_survey_score(), "/5") : "",
        p.tags().empty() ? "" : "; " + absl::StrJoin(p.tags(), ","));
  } else if (e.type() == "call.offered") {
    detail = "ringing at " + c.offered_to();
  } else if (e.type() == "call.answered" || e.type() == "call.ended") {
    detail = c.agent();
  } else if (e.type() == "call.missed") {
    detail = "callback " + c.callback_id();
  } else if (e.type() == "call.logged") {
    detail =
        absl::StrCat(c.disposition(), ": ", c.summary().substr(0, 80),
                     c.ticket_ids().empty() ? "" : " [" + absl::StrJoin(c.ticket_ids(), ",") + "]");
  } else if (e.type() == "call.rated") {
    detail = absl::StrCat(c.rating(), "/5", c.rating_recorded() ? " (survey answered)" : "");
  }
  // When it happened, in the estate's zone (a call is about one estate).
  const google::protobuf::Timestamp& at =
      e.type() == "call.ringing" || e.type() == "call.offered" ? c.started_at()
      : e.type() == "call.answered"                            ? c.answered_at()
      : e.type() == "call.ended" || e.type() == "call.missed"  ? c.ended_at()
                                                               : google::protobuf::Timestamp();
  if (g_zone.site.empty()) g_zone.site = c.site_id();
  absl::Time when = at.seconds() > 0 ? absl::FromUnixSeconds(at.seconds()) : absl::Now();
  return absl::StrJoin({absl::FormatTime("%Y-%m-%d %H:%M:%S %Ez", when, g_zone.Get()),
                        e.type().substr(5), c.id(), c.caller(), who, detail},
                       "  ");
}

int Hotline(Ctl& ctl, Args& a) {
  std::string cmd = a.positional.size() > 1 ? a.positional[1] : "";
  a.positional.erase(a.positional.begin(),
                     a.positional.begin() + std::min<size_t>(2, a.positional.size()));
  auto stub = v1::HotlineService::NewStub(ctl.channel);
  using S = v1::HotlineService::Stub;
  ctl.not_served =
      "the calls service is not running here: start lobbyd with --services=calls (or all; "
      "the hotline adapter reports to it, docs/adapters/hotline.md), or point --addr at the "
      "lobbyd that runs it";
  if (cmd == "watch") {
    a.Allow({"site"}, 0);
    v1::WatchCallsRequest req;
    req.set_site_id(ctl.Site(a));
    absl::Duration backoff = absl::Milliseconds(200);
    for (;;) {
      grpc::ClientContext ctx;
      lobby::PrepareClientContext(ctx, ctl.token, absl::Hours(24));
      auto reader = stub->WatchCalls(&ctx, req);
      v1::CallEvent e;
      while (reader->Read(&e)) {
        backoff = absl::Milliseconds(200);
        if (e.type() == "watch.started") {
          std::cerr << "watching the hotline of " << req.site_id() << "\n";
          continue;
        }
        std::cout << (ctl.json() ? Json(e) : CallLine(e)) << std::endl;
      }
      grpc::Status s = reader->Finish();
      if (s.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
          s.error_code() == grpc::StatusCode::PERMISSION_DENIED ||
          s.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
          s.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
        std::cerr << ctl.ErrorLine(s) << "\n";
        return 1;
      }
      std::cerr << "watch: " << (s.ok() ? "stream ended" : s.error_message()) << "; reconnecting\n";
      absl::SleepFor(backoff);
      backoff = std::min(backoff * 2, absl::Seconds(10));
    }
  }
  if (cmd == "get") {
    a.Allow({}, 1);
    v1::GetCallRequest req;
    req.set_id(a.positional[0]);
    auto c = ctl.CallOn<v1::GetCallRequest, v1::Call>(*stub, &S::GetCall, req);
    if (ctl.json()) {
      std::cout << Json(c) << "\n";
    } else {
      v1::CallEvent e;
      e.set_type("call." + Lower(v1::CallState_Name(c.state()), "CALL_STATE_"));
      *e.mutable_call() = c;
      std::cout << CallLine(e) << "\n";
    }
    return 0;
  }
  if (cmd == "log") {
    a.Allow({"summary", "disposition", "resident", "ticket", "agent", "site", "new", "category",
             "description", "priority", "subject", "area", "building", "floor"},
            1);
    v1::LogCallRequest req;
    req.set_call_id(a.positional[0]);
    req.set_summary(a.Require("summary"));
    req.set_disposition(a.Get("disposition"));
    req.set_resident_id(a.Get("resident"));
    req.set_agent(a.Get("agent"));
    req.set_site_id(a.Get("site"));
    for (const auto& t : a.All("ticket")) req.add_ticket_ids(t);
    if (a.Has("new")) {
      std::string kind = a.Get("new");
      if (kind != "repair" && kind != "complaint") throw UsageError{"--new is repair or complaint"};
      v1::Ticket* t = req.mutable_new_ticket();
      t->set_category(a.Require("category"));
      t->set_description(a.Get("description", req.summary()));
      if (a.Has("priority")) {
        v1::Priority p;
        if (!v1::Priority_Parse("PRIORITY_" + a.Get("priority"), &p))
          throw UsageError{"--priority is P1..P4"};
        t->set_priority(p);
      }
      if (a.Has("area")) {
        t->mutable_location()->set_building(a.Require("building"));
        t->mutable_location()->set_floor(a.Get("floor"));
        t->mutable_location()->set_area(a.Get("area"));
      }
      if (kind == "complaint") {
        v1::ComplaintSubject subject = v1::COMPLAINT_SUBJECT_OTHER;
        if (a.Has("subject") &&
            !v1::ComplaintSubject_Parse(
                "COMPLAINT_SUBJECT_" + absl::AsciiStrToUpper(a.Get("subject")), &subject)) {
          throw UsageError{
              "--subject is neighbour, staff, service, noise, environment, billing or other"};
        }
        t->mutable_complaint()->set_subject(subject);
      }
    }
    auto r = ctl.CallOn<v1::LogCallRequest, v1::LogCallResponse>(*stub, &S::LogCall, req);
    if (ctl.json()) {
      std::cout << Json(r) << "\n";
    } else {
      std::cout << "logged " << r.call().id()
                << (r.has_created() ? "; created " + r.created().id() : "")
                << (r.call().ticket_ids().empty()
                        ? ""
                        : "; tickets " + absl::StrJoin(r.call().ticket_ids(), ","))
                << "\n";
    }
    return 0;
  }
  throw UsageError{"unknown command 'hotline " + cmd + "'"};
}

}  // namespace lobbyctl
