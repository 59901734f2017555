#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sfr/base/error.h"
#include "sfr/engine/demo_pipeline.h"

using namespace sfr::engine;

namespace {
DemoSettings tiny() {
  DemoSettings s;
  s.phantom.setSize({48, 48, 32}).setCases(4);
  s.labelled = 1;
  s.testCases = 1;
  s.iterations = 40;
  s.crop = {32, 32, 16};
  s.filters = 4;
  return s;
}
}  // namespace

TEST(DemoPipeline, RunsDeterministicallyAndReportsEveryStage) {
  std::map<std::string, int64_t> last;
  sfr::CallbackProgress progress([&](const sfr::ProgressEvent& e) { last[e.stage] = e.done; });
  const DemoResult a = runDemo(tiny(), progress);
  EXPECT_TRUE(a.writtenFiles.empty());
  EXPECT_EQ(last["generate"], 2);
  EXPECT_EQ(last["train"], 40);
  EXPECT_EQ(last["predict"], 1);
  ASSERT_EQ(a.cases.size(), 1u);
  EXPECT_EQ(a.cases[0].id, "phantom_003");
  EXPECT_TRUE(std::isfinite(a.finalLoss));
  EXPECT_GE(a.meanDice, 0.0);
  EXPECT_LE(a.meanDice, 1.0);
  sfr::NullProgress quiet;
  const DemoResult b = runDemo(tiny(), quiet);
  EXPECT_EQ(a.finalLoss, b.finalLoss);
  EXPECT_EQ(a.meanDice, b.meanDice);
}

TEST(DemoPipeline, CancelStopsWithCancelled) {
  sfr::CancelToken cancel;
  int calls = 0;
  sfr::CallbackProgress progress([&](const sfr::ProgressEvent& e) {
    if (e.stage == "train" && ++calls == 3) cancel.requestCancel();
  });
  EXPECT_THROW(runDemo(tiny(), progress, cancel), sfr::Cancelled);
  EXPECT_EQ(calls, 3);
}

TEST(DemoPipeline, SettingsValidateAndRoundTrip) {
  DemoSettings s = tiny();
  s.crop = {30, 32, 16};
  EXPECT_THROW(s.validate(), sfr::Error);
  s = tiny();
  s.labelled = 4;
  EXPECT_THROW(s.validate(), sfr::Error);
  s = tiny();
  const nlohmann::json j = s;
  const DemoSettings back = j.get<DemoSettings>();
  EXPECT_EQ(nlohmann::json(back), j);
  EXPECT_EQ(back.crop, s.crop);
  EXPECT_EQ(back.phantom.size, s.phantom.size);
}
