#include <gtest/gtest.h>

#include "sfr/base/error.h"
#include "sfr/base/progress.h"

using namespace sfr;

TEST(CancelToken, CopiesShareTheFlag) {
  CancelToken a;
  CancelToken b = a;
  EXPECT_FALSE(b.isCancelled());
  EXPECT_NO_THROW(b.throwIfCancelled());
  a.requestCancel();
  EXPECT_TRUE(b.isCancelled());
  EXPECT_THROW(b.throwIfCancelled(), Cancelled);
}

TEST(ProgressBar, ShowsFractionRateAndEta) {
  ProgressEvent e{"train", 50, 100, "loss 0.5"};
  const std::string line = formatProgressBar(e, 10.0, 10);
  EXPECT_NE(line.find("[#####.....]"), std::string::npos) << line;
  EXPECT_NE(line.find("50/100"), std::string::npos);
  EXPECT_NE(line.find("5.00 it/s"), std::string::npos);
  EXPECT_NE(line.find("ETA 10s"), std::string::npos);
  EXPECT_NE(line.find("loss 0.5"), std::string::npos);
}

TEST(ProgressBar, FinishedShowsElapsedAndUnknownTotalShowsCount) {
  EXPECT_NE(formatProgressBar({"predict", 4, 4, ""}, 125.0, 4).find("2m05s"), std::string::npos);
  const std::string open = formatProgressBar({"scan", 7, 0, ""}, 1.0);
  EXPECT_NE(open.find(" 7"), std::string::npos);
  EXPECT_EQ(open.find('['), std::string::npos);
}

TEST(ProgressSinks, CallbackForwardsAndNullIgnores) {
  int calls = 0;
  CallbackProgress cb([&](const ProgressEvent& e) { calls += static_cast<int>(e.done); });
  cb.report({"x", 3, 10, ""});
  NullProgress null;
  null.report({"x", 3, 10, ""});
  EXPECT_EQ(calls, 3);
}

TEST(ErrorType, CarriesSubjectAndProblem) {
  Error e("a.nii.gz", "truncated gzip stream");
  EXPECT_STREQ(e.what(), "a.nii.gz: truncated gzip stream");
  EXPECT_EQ(e.problem(), "truncated gzip stream");
  Error bare("", "only a problem");
  EXPECT_STREQ(bare.what(), "only a problem");
}
