#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "services/common/component.h"
#include "services/common/config.h"
#include "services/common/runtime.h"
#include "services/residents/client.h"
#include "services/surveys/redis_survey_store.h"
#include "services/surveys/survey_logic.h"
#include "services/surveys/survey_service.h"
#include "services/tickets/client.h"

namespace lobby::surveys {

/// The survey service as lobbyd hosts it: its `surveys` consumer of lobby:q:tickets and the
/// loop that sends, reminds and expires surveys (every --surveys-tick).
class Component final : public lobby::Component {
 public:
  static void Declare(config::Settings& settings);
  static absl::StatusOr<std::unique_ptr<Component>> Create(const config::Settings& settings,
                                                           Runtime& runtime);

  SurveyLogic& logic() { return logic_; }

 private:
  Component(Runtime& runtime, const config::Settings& settings);
  RedisSurveyStore store_;
  residents::Client residents_;
  tickets::Client tickets_;
  SurveyLogic logic_;
  SurveyServiceImpl service_;
};

}  // namespace lobby::surveys
