#include "tools/lobbyctl/lobbyctl.h"

namespace lobbyctl {

void PrintResident(Ctl& ctl, const v1::Resident& r) {
  ctl.UseSite(r.unit().site_id());
  if (ctl.json()) {
    std::cout << Json(r) << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"id", r.id()},
      {"name", r.name()},
      {"phones", absl::StrJoin(r.phones(), ", ")},
      {"unit", UnitText(r.unit())},
      {"role", RoleName(r.role())},
      {"language", r.language()},
      {"tags", absl::StrJoin(r.tags(), ", ")},
      {"preferred channel", r.preferred_channel() ? ChannelName(r.preferred_channel()) : ""},
      {"quiet hours", r.quiet_hours().start().empty()
                          ? ""
                          : r.quiet_hours().start() + "-" + r.quiet_hours().end()},
  };
  std::vector<std::string> opted, idents;
  for (int c : r.opted_out_channels()) opted.push_back(ChannelName(c));
  for (const auto& i : r.identities()) {
    idents.push_back(absl::StrCat(ChannelName(i.channel()), ":", i.external_id(),
                                  i.verified() ? " (verified)" : ""));
  }
  rows.push_back({"opted out", absl::StrJoin(opted, ", ")});
  rows.push_back({"identities", absl::StrJoin(idents, ", ")});
  if (r.merged_ids_size()) rows.push_back({"merged", absl::StrJoin(r.merged_ids(), ", ")});
  rows.push_back({"created", Time(r.created_at())});
  rows.push_back({"updated", Time(r.updated_at())});
  rows.push_back({"version", std::to_string(r.version())});
  PrintTable({"FIELD", "VALUE"}, rows);
}

void PrintResidents(Ctl& ctl, const std::vector<v1::Resident>& list, const std::string& next) {
  if (ctl.json()) {
    std::cout << JsonItems(list, next) << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : list) {
    rows.push_back({r.id(), r.name(), r.phones_size() ? r.phones(0) : "", UnitText(r.unit()),
                    RoleName(r.role()), r.language(), absl::StrJoin(r.tags(), ",")});
  }
  PrintTable({"ID", "NAME", "PHONE", "UNIT", "ROLE", "LANG", "TAGS"}, rows);
  if (!next.empty()) std::cout << "(more: --page-token " << next << ", or --all)\n";
}

void SetUnit(const Args& a, v1::Unit* u) {
  u->set_site_id(a.Require("site"));
  u->set_building(a.Require("building"));
  u->set_floor(a.Require("floor"));
  u->set_room(a.Require("room"));
}

void SetQuietHours(const std::string& v, v1::QuietHours* q) {
  std::vector<std::string> parts = absl::StrSplit(v, '-');
  if (parts.size() != 2) throw UsageError{"--quiet-hours is HH:MM-HH:MM, e.g. 22:00-08:00"};
  q->set_start(parts[0]);
  q->set_end(parts[1]);
}

int32_t PageSizeFlag(const Args& a) {
  int32_t n = 0;
  if (a.Has("page-size") && !absl::SimpleAtoi(a.Get("page-size"), &n))
    throw UsageError{"--page-size is a number"};
  return n;
}

void PrintIdentityResult(Ctl& ctl, const v1::ResolveIdentityResponse& r) {
  if (ctl.json()) {
    std::cout << Json(r) << "\n";
    return;
  }
  std::cout << ChannelName(r.identity().channel()) << ":" << r.identity().external_id() << " -> "
            << r.resident().id() << " " << r.resident().name() << " ("
            << UnitText(r.resident().unit()) << ")"
            << (r.identity().verified() ? ", verified" : ", not verified") << "\n";
}

int Residents(Ctl& ctl, Args& a) {
  if (a.positional.size() < 2) throw UsageError{"residents needs a command (see --help)"};
  std::string cmd = a.positional[1];
  a.positional.erase(a.positional.begin(), a.positional.begin() + 2);
  using S = v1::ResidentService::Stub;
  if (cmd == "create") {
    a.Allow({"name", "phone", "site", "building", "floor", "room", "role", "language", "tag",
             "preferred-channel", "quiet-hours"},
            0);
    v1::CreateResidentRequest req;
    v1::Resident* r = req.mutable_resident();
    r->set_name(a.Require("name"));
    for (const auto& p : a.All("phone")) r->add_phones(p);
    if (r->phones().empty()) throw UsageError{"--phone is required"};
    SetUnit(a, r->mutable_unit());
    r->set_role(ParseRoleFlag(a.Require("role")));
    r->set_language(a.Get("language"));
    for (const auto& t : a.All("tag")) r->add_tags(t);
    if (a.Has("preferred-channel"))
      r->set_preferred_channel(ParseChannel(a.Get("preferred-channel")));
    if (a.Has("quiet-hours")) SetQuietHours(a.Get("quiet-hours"), r->mutable_quiet_hours());
    PrintResident(ctl, ctl.Call<v1::CreateResidentRequest, v1::Resident>(&S::CreateResident, req));
  } else if (cmd == "get") {
    a.Allow({}, 1);
    v1::GetResidentRequest req;
    req.set_id(a.positional[0]);
    PrintResident(ctl, ctl.Call<v1::GetResidentRequest, v1::Resident>(&S::GetResident, req));
  } else if (cmd == "list") {
    a.Allow({"site", "building", "floor", "room", "phone", "page-size", "page-token", "all"}, 0);
    v1::ListResidentsRequest req;
    req.set_site_id(a.Get("site"));
    req.set_building(a.Get("building"));
    req.set_floor(a.Get("floor"));
    req.set_room(a.Get("room"));
    req.set_phone(a.Get("phone"));
    req.set_page_size(PageSizeFlag(a));
    req.set_page_token(a.Get("page-token"));
    if (req.site_id().empty() && req.phone().empty())
      throw UsageError{"--site (or --phone) is required"};
    std::vector<v1::Resident> all;
    std::string next;
    do {
      auto resp =
          ctl.Call<v1::ListResidentsRequest, v1::ListResidentsResponse>(&S::ListResidents, req);
      for (auto& r : *resp.mutable_residents()) all.push_back(std::move(r));
      next = resp.next_page_token();
      req.set_page_token(next);
    } while (a.Has("all") && !next.empty());
    PrintResidents(ctl, all, next);
  } else if (cmd == "update") {
    a.Allow({"name", "phone", "building", "floor", "room", "role", "language", "tag",
             "preferred-channel", "quiet-hours", "opt-out", "expected-version"},
            1);
    v1::UpdateResidentRequest req;
    v1::Resident* r = req.mutable_resident();
    r->set_id(a.positional[0]);
    auto* mask = req.mutable_update_mask();
    if (a.Has("name")) {
      r->set_name(a.Get("name"));
      mask->add_paths("name");
    }
    if (a.Has("phone")) {
      for (const auto& p : a.All("phone")) r->add_phones(p);
      mask->add_paths("phones");
    }
    if (a.Has("building") || a.Has("floor") || a.Has("room")) {
      // Moving within the estate: read the current unit so only the given parts change.
      v1::GetResidentRequest get;
      get.set_id(r->id());
      auto cur = ctl.Call<v1::GetResidentRequest, v1::Resident>(&S::GetResident, get);
      *r->mutable_unit() = cur.unit();
      if (a.Has("building")) r->mutable_unit()->set_building(a.Get("building"));
      if (a.Has("floor")) r->mutable_unit()->set_floor(a.Get("floor"));
      if (a.Has("room")) r->mutable_unit()->set_room(a.Get("room"));
      mask->add_paths("unit");
    }
    if (a.Has("role")) {
      r->set_role(ParseRoleFlag(a.Get("role")));
      mask->add_paths("role");
    }
    if (a.Has("language")) {
      r->set_language(a.Get("language"));
      mask->add_paths("language");
    }
    if (a.Has("tag")) {
      for (const auto& t : a.All("tag")) r->add_tags(t);
      mask->add_paths("tags");
    }
    if (a.Has("preferred-channel")) {
      r->set_preferred_channel(ParseChannel(a.Get("preferred-channel")));
      mask->add_paths("preferred_channel");
    }
    if (a.Has("quiet-hours")) {
      SetQuietHours(a.Get("quiet-hours"), r->mutable_quiet_hours());
      mask->add_paths("quiet_hours");
    }
    if (a.Has("opt-out")) {
      for (const auto& c : a.All("opt-out")) {
        if (c != "none") r->add_opted_out_channels(ParseChannel(c));
      }
      mask->add_paths("opted_out_channels");
    }
    if (a.Has("expected-version")) {
      int64_t v;
      if (!absl::SimpleAtoi(a.Get("expected-version"), &v))
        throw UsageError{"--expected-version is a number"};
      req.set_expected_version(v);
    }
    if (mask->paths().empty()) throw UsageError{"nothing to update: give at least one field flag"};
    PrintResident(ctl, ctl.Call<v1::UpdateResidentRequest, v1::Resident>(&S::UpdateResident, req));
  } else if (cmd == "import") {
    a.Allow({"dry-run"}, 1);
    v1::ImportResidentsRequest req;
    std::stringstream buf;
    if (a.positional[0] == "-") {
      buf << std::cin.rdbuf();
    } else {
      std::ifstream in(a.positional[0], std::ios::binary);
      if (!in) throw UsageError{"cannot read " + a.positional[0]};
      buf << in.rdbuf();
    }
    req.set_csv(buf.str());
    req.set_dry_run(a.Has("dry-run"));
    auto resp =
        ctl.Call<v1::ImportResidentsRequest, v1::ImportResidentsResponse>(&S::ImportResidents, req);
    if (ctl.json()) {
      std::cout << Json(resp) << "\n";
    } else {
      std::vector<std::vector<std::string>> rows;
      for (const auto& row : resp.rows()) {
        rows.push_back({std::to_string(row.line()),
                        Lower(v1::ImportRow::Outcome_Name(row.outcome()), "OUTCOME_"),
                        row.resident_id(), row.error()});
      }
      PrintTable({"LINE", "OUTCOME", "RESIDENT", "ERROR"}, rows);
      std::cout << (req.dry_run() ? "dry run, nothing written: " : "") << resp.created()
                << " created, " << resp.updated() << " updated, " << resp.unchanged()
                << " unchanged, " << resp.rejected() << " rejected\n";
    }
    return resp.rejected() > 0 ? 1 : 0;
  } else if (cmd == "link") {
    a.Allow({"channel", "external-id", "verified"}, 1);
    v1::LinkIdentityRequest req;
    req.set_resident_id(a.positional[0]);
    req.set_channel(ParseChannel(a.Require("channel")));
    req.set_external_id(a.Require("external-id"));
    req.set_verified(a.Has("verified"));
    PrintResident(ctl, ctl.Call<v1::LinkIdentityRequest, v1::Resident>(&S::LinkIdentity, req));
  } else if (cmd == "unlink") {
    a.Allow({"channel", "external-id"}, 0);
    v1::UnlinkIdentityRequest req;
    req.set_channel(ParseChannel(a.Require("channel")));
    req.set_external_id(a.Require("external-id"));
    PrintResident(ctl, ctl.Call<v1::UnlinkIdentityRequest, v1::Resident>(&S::UnlinkIdentity, req));
  } else if (cmd == "resolve") {
    a.Allow({"channel", "external-id"}, 0);
    v1::ResolveIdentityRequest req;
    req.set_channel(ParseChannel(a.Require("channel")));
    req.set_external_id(a.Require("external-id"));
    PrintIdentityResult(ctl, ctl.Call<v1::ResolveIdentityRequest, v1::ResolveIdentityResponse>(
                                 &S::ResolveIdentity, req));
  } else if (cmd == "verify") {
    std::string sub = a.positional.empty() ? "" : a.positional[0];
    if (!a.positional.empty()) a.positional.erase(a.positional.begin());
    if (sub == "start") {
      a.Allow({"channel", "external-id", "phone", "site", "building", "floor", "room"}, 0);
      v1::StartVerificationRequest req;
      req.set_channel(ParseChannel(a.Require("channel")));
      req.set_external_id(a.Require("external-id"));
      req.set_phone(a.Require("phone"));
      SetUnit(a, req.mutable_unit());
      auto resp = ctl.Call<v1::StartVerificationRequest, v1::StartVerificationResponse>(
          &S::StartVerification, req);
      if (ctl.json()) {
        std::cout << Json(resp) << "\n";
      } else {
        std::cout << "code sent by SMS to " << resp.masked_phone()
                  << "; confirm with:\n  lobbyctl residents verify confirm --verification-id "
                  << resp.verification_id() << " --code NNNNNN\n(valid until "
                  << Time(resp.expires_at()) << ", " << resp.attempts_allowed() << " attempts)\n";
      }
    } else if (sub == "confirm") {
      a.Allow({"verification-id", "code"}, 0);
      v1::ConfirmVerificationRequest req;
      req.set_verification_id(a.Require("verification-id"));
      req.set_code(a.Require("code"));
      PrintIdentityResult(ctl,
                          ctl.Call<v1::ConfirmVerificationRequest, v1::ResolveIdentityResponse>(
                              &S::ConfirmVerification, req));
    } else {
      throw UsageError{"residents verify start|confirm"};
    }
  } else if (cmd == "merge") {
    a.Allow({}, 2);
    v1::MergeResidentsRequest req;
    req.set_survivor_id(a.positional[0]);
    req.set_merged_id(a.positional[1]);
    PrintResident(ctl, ctl.Call<v1::MergeResidentsRequest, v1::Resident>(&S::MergeResidents, req));
  } else if (cmd == "timeline") {
    a.Allow({"page-size", "page-token"}, 1);
    v1::ListTimelineRequest req;
    req.set_resident_id(a.positional[0]);
    req.set_page_size(PageSizeFlag(a));
    req.set_page_token(a.Get("page-token"));
    auto resp = ctl.Call<v1::ListTimelineRequest, v1::ListTimelineResponse>(&S::ListTimeline, req);
    if (ctl.json()) {
      std::cout << JsonItems(resp.entries(), resp.next_page_token()) << "\n";
    } else {
      // Shown in the resident's estate's time: the entries do not name it, the resident does.
      v1::GetResidentRequest who;
      who.set_id(req.resident_id());
      ctl.UseSite(
          ctl.Call<v1::GetResidentRequest, v1::Resident>(&S::GetResident, who).unit().site_id());
      std::vector<std::vector<std::string>> rows;
      for (const auto& e : resp.entries()) {
        rows.push_back({Time(e.at()), Lower(v1::TimelineEntry::Kind_Name(e.kind()), "KIND_"),
                        e.channel() ? ChannelName(e.channel()) : "", e.ticket_id(), e.actor(),
                        e.text()});
      }
      PrintTable({"AT", "KIND", "CHANNEL", "TICKET", "BY", "TEXT"}, rows);
      if (!resp.next_page_token().empty())
        std::cout << "(more: --page-token " << resp.next_page_token() << ")\n";
    }
  } else if (cmd == "notices") {
    a.Allow({"site"}, 0);
    v1::GetNoticesRequest req;
    req.set_site_id(ctl.Site(a));
    auto t = ctl.Call<v1::GetNoticesRequest, v1::NoticeTemplates>(&S::GetNotices, req);
    if (ctl.json()) {
      std::cout << Json(t) << "\n";
    } else {
      std::map<std::string, std::map<std::string, std::string>> sorted;
      for (const auto& [event, texts] : t.texts())
        for (const auto& [lang, text] : texts.by_language()) sorted[event][lang] = text;
      std::vector<std::vector<std::string>> rows;
      for (const auto& [event, texts] : sorted)
        for (const auto& [lang, text] : texts) rows.push_back({event, lang, text});
      if (rows.empty())
        std::cout << "estate " << t.site_id() << " uses Lobby's own words for every notice\n";
      else
        PrintTable({"EVENT", "LANGUAGE", "TEXT"}, rows);
      // Sorted, as a map's order is not.
      std::map<std::string, std::string> templates(t.provider_templates().begin(),
                                                   t.provider_templates().end());
      for (const auto& [channel, name] : templates)
        std::cout << "outside " << channel << "'s window: template " << name << "\n";
    }
  } else if (cmd == "note") {
    a.Allow({"text"}, 1);
    v1::AppendTimelineRequest req;
    req.set_resident_id(a.positional[0]);
    req.mutable_entry()->set_kind(v1::TimelineEntry::KIND_NOTE);
    req.mutable_entry()->set_text(a.Require("text"));
    req.mutable_entry()->set_actor("lobbyctl");
    auto e = ctl.Call<v1::AppendTimelineRequest, v1::TimelineEntry>(&S::AppendTimeline, req);
    std::cout << (ctl.json() ? Json(e) : "noted: " + e.id()) << "\n";
  } else if (cmd == "callbacks") {
    a.Allow({"site", "all"}, 0);
    v1::ListCallbacksRequest req;
    req.set_site_id(ctl.Site(a));
    req.set_include_done(a.Has("all"));
    req.set_page_size(500);
    auto r = ctl.Call<v1::ListCallbacksRequest, v1::ListCallbacksResponse>(&S::ListCallbacks, req);
    if (ctl.json()) {
      std::cout << JsonItems(r.tasks()) << "\n";
      return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : r.tasks()) {
      rows.push_back(
          {t.id(), Time(t.created_at()), t.name().empty() ? t.resident_id() : t.name(), t.phone(),
           Lower(v1::Channel_Name(t.channel()), "CHANNEL_"), t.reason(),
           t.done()
               ? "done: " + t.outcome()
               : (t.requests() > 1 ? absl::StrCat("asked ", t.requests(), "x: ") : "") + t.text()});
    }
    PrintTable({"CALLBACK", "SINCE", "WHO", "PHONE", "CHANNEL", "REASON", "NOTE"}, rows);
  } else if (cmd == "callback-request") {
    a.Allow({"site", "resident", "phone", "reason", "text", "ticket"}, 0);
    v1::RequestCallbackRequest req;
    v1::CallbackTask* t = req.mutable_task();
    t->set_site_id(a.Get("site"));
    t->set_resident_id(a.Get("resident"));
    t->set_phone(a.Get("phone"));
    t->set_reason(a.Require("reason"));
    t->set_text(a.Get("text"));
    t->set_ticket_id(a.Get("ticket"));
    t->set_channel(v1::CHANNEL_PHONE);
    auto r = ctl.Call<v1::RequestCallbackRequest, v1::CallbackTask>(&S::RequestCallback, req);
    std::cout << (ctl.json() ? Json(r) : r.id() + (r.requests() > 1 ? " (already open)" : ""))
              << "\n";
  } else if (cmd == "callback-done") {
    a.Allow({"outcome"}, 1);
    v1::CompleteCallbackRequest req;
    req.set_id(a.positional[0]);
    req.set_outcome(a.Require("outcome"));
    auto r = ctl.Call<v1::CompleteCallbackRequest, v1::CallbackTask>(&S::CompleteCallback, req);
    std::cout << (ctl.json() ? Json(r) : r.id() + " done") << "\n";
  } else {
    throw UsageError{"unknown command 'residents " + cmd + "'"};
  }
  return 0;
}

}  // namespace lobbyctl
