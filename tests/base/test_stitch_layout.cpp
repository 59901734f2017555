#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "sfr/base/error.h"
#include "sfr/base/stitch_layout.h"

using namespace sfr;

TEST(PythonArithmetic, RoundHalfEvenAndFloorDiv) {
  EXPECT_EQ(roundHalfEven(0.5), 0);
  EXPECT_EQ(roundHalfEven(1.5), 2);
  EXPECT_EQ(roundHalfEven(2.5), 2);
  EXPECT_EQ(roundHalfEven(-0.5), 0);
  EXPECT_EQ(roundHalfEven(-1.5), -2);
  EXPECT_EQ(roundHalfEven(0.888), 1);
  EXPECT_EQ(roundHalfEven(2.49), 2);
  EXPECT_EQ(floorDiv(-2, 2), -1);
  EXPECT_EQ(floorDiv(-3, 2), -2);
  EXPECT_EQ(floorDiv(3, 2), 1);
  EXPECT_EQ(floorDiv(-8, 2), -4);
}

// One row of the geometry table of spec §2.2.
struct TableRow {
  Size3 crop;
  int nRow, nCol, pw, ph, ps, tileH, tileW, pww, phh, firstDataTile, lastDataTile;
};

class GeometryTable : public ::testing::TestWithParam<TableRow> {};

TEST_P(GeometryTable, MatchesSpec) {
  const TableRow& e = GetParam();
  const StitchLayout l(e.crop);
  EXPECT_EQ(l.nRow(), e.nRow);
  EXPECT_EQ(l.nCol(), e.nCol);
  EXPECT_EQ(l.padRows(), e.pw);
  EXPECT_EQ(l.padCols(), e.ph);
  EXPECT_EQ(l.padSlices(), e.ps);
  EXPECT_EQ(l.tileHeight(), e.tileH);
  EXPECT_EQ(l.tileWidth(), e.tileW);
  EXPECT_EQ(l.offsetRows(), e.pww);
  EXPECT_EQ(l.offsetCols(), e.phh);
  ASSERT_EQ(l.chunks().size(), 1u);
  EXPECT_EQ(l.padSlices(), e.firstDataTile);
  EXPECT_EQ(l.padSlices() + static_cast<int>(e.crop[2]) - 1, e.lastDataTile);
}

INSTANTIATE_TEST_SUITE_P(
    Spec22, GeometryTable,
    ::testing::Values(TableRow{{112, 112, 80}, 9, 9, 1, 1, 0, 114, 114, -1, -1, 0, 79},
                      TableRow{{96, 96, 96}, 10, 10, 3, 3, 2, 102, 102, 2, 2, 2, 97},
                      TableRow{{128, 128, 64}, 8, 8, 0, 0, 0, 128, 128, 0, 0, 0, 63},
                      TableRow{{64, 64, 32}, 16, 16, 0, 0, 112, 64, 64, 0, 0, 112, 143},
                      TableRow{{48, 48, 32}, 21, 21, 0, 0, 204, 48, 48, 8, 8, 204, 235},
                      TableRow{{128, 96, 64}, 10, 8, 3, 0, 8, 102, 128, 2, 0, 8, 71}));

TEST(StitchLayout, LaPlacementFormulaAndRealPixelCount) {
  const StitchLayout l({112, 112, 80});
  // Spec: placement is r*114 + y and c*114 + x.
  for (int z : {0, 8, 9, 40, 79}) {
    const auto p = l.canvasPixel(0, 5, 7, z);
    ASSERT_TRUE(p);
    EXPECT_EQ((*p)[0], (z / 9) * 114 + 7);
    EXPECT_EQ((*p)[1], (z % 9) * 114 + 5);
  }
  // voxel (x=1,y=0,z=0) -> (row 0, col 1); (x=0,y=1,z=0) -> (row 1, col 0).
  EXPECT_EQ(*l.canvasPixel(0, 1, 0, 0), (std::array<int, 2>{0, 1}));
  EXPECT_EQ(*l.canvasPixel(0, 0, 1, 0), (std::array<int, 2>{1, 0}));
  int real = 0;
  for (int r = 0; r < 1024; ++r)
    for (int c = 0; c < 1024; ++c) real += l.voxelAt(0, r, c).has_value();
  EXPECT_EQ(real, 1003520);
  // The 2-pixel band of 255 between tile rows: rows 114r-2 and 114r-1 hold no voxel.
  EXPECT_FALSE(l.voxelAt(0, 112, 5));
  EXPECT_FALSE(l.voxelAt(0, 113, 5));
  EXPECT_TRUE(l.voxelAt(0, 114, 5));
}

TEST(StitchLayout, RefusesShapesTheReleasedRuleBreaks) {
  EXPECT_THROW(StitchLayout({112, 96, 80}), Error);  // phh < 0 <= pww: released crash
  EXPECT_THROW(StitchLayout({96, 112, 80}), Error);  // pww < 0 <= phh: released empty canvas
  try {
    StitchLayout l({80, 80, 80});  // 1120 voxels lost off-canvas in the released code
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("fall off"), std::string::npos) << e.what();
  }
  EXPECT_THROW(StitchLayout({2000, 10, 4}), Error);
}

TEST(StitchLayout, DepthChunkingKeepsEverySlice) {
  // Whole LA z-extent: released drops slices 81-87; we use two overlapping canvases.
  const StitchLayout l({112, 112, 88});
  ASSERT_EQ(l.chunks().size(), 2u);
  EXPECT_EQ(l.chunks()[0].firstSlice, 0);
  EXPECT_EQ(l.chunks()[1].firstSlice, 88 - 81);
  EXPECT_EQ(l.padSlices(), 0);
  for (int z = 0; z < 88; ++z) EXPECT_EQ(l.coverage(z), (z >= 7 && z < 81) ? 2 : 1) << z;
  const StitchLayout big({160, 160, 80});  // T = 36 -> 3 chunks
  ASSERT_EQ(big.chunks().size(), 3u);
  EXPECT_EQ(big.chunks()[2].firstSlice, 44);
  EXPECT_FALSE(big.canvasPixel(0, 0, 0, 36));
  EXPECT_TRUE(big.canvasPixel(1, 0, 0, 36));
}

TEST(StitchLayout, RandomShapesMapVoxelsOneToOne) {
  std::mt19937 rng(7);
  int checked = 0;
  for (int trial = 0; trial < 60 && checked < 25; ++trial) {
    const Size3 crop{std::size_t(8 + rng() % 120), std::size_t(8 + rng() % 120),
                     std::size_t(1 + rng() % 150)};
    const int canvas = (rng() % 2) ? 512 : 1024;
    std::optional<StitchLayout> l;
    try {
      l.emplace(crop, StitchSettings{}.setCanvas(canvas));
    } catch (const Error&) {
      continue;  // refused shapes are covered above
    }
    ++checked;
    for (std::size_t ci = 0; ci < l->chunks().size(); ++ci) {
      std::set<std::pair<int, int>> used;
      const auto& ch = l->chunks()[ci];
      for (int zc = 0; zc < static_cast<int>(ch.tiles.size()); ++zc)
        for (int y = 0; y < static_cast<int>(crop[1]); y += 3)
          for (int x = 0; x < static_cast<int>(crop[0]); x += 3) {
            const int z = ch.firstSlice + zc;
            const auto p = l->canvasPixel(static_cast<int>(ci), x, y, z);
            ASSERT_TRUE(p);
            ASSERT_GE((*p)[0], 0);
            ASSERT_LT((*p)[0], canvas);
            ASSERT_TRUE(used.insert({(*p)[0], (*p)[1]}).second) << "two voxels on one pixel";
            const auto v = l->voxelAt(static_cast<int>(ci), (*p)[0], (*p)[1]);
            ASSERT_TRUE(v);
            ASSERT_EQ(*v, (std::array<int, 3>{x, y, z}));
          }
    }
    for (int z = 0; z < static_cast<int>(crop[2]); ++z) ASSERT_GE(l->coverage(z), 1);
  }
  EXPECT_GE(checked, 10);
}

TEST(StitchLayout, ResampleModeUsesCeilSqrtGrid) {
  StitchSettings s;
  s.setMode(StitchMode::Resample);
  const StitchLayout l({112, 112, 80}, s);  // d = ceil(sqrt(80)) = 9
  EXPECT_EQ(l.nRow(), 9);
  EXPECT_EQ(l.tileHeight(), 113);
  EXPECT_EQ(l.offsetRows(), 3);  // (1024 - 9*113) // 2
  EXPECT_EQ(l.chunks()[0].tiles[0].rows, 105);
  EXPECT_EQ(l.chunks()[0].tiles[0].row0, 7);
  EXPECT_EQ(l.chunks()[0].tiles[10].col0, 3 + 113 + 4);
  EXPECT_EQ(*l.voxelAt(0, 7, 7), (std::array<int, 3>{0, 0, 0}));
  EXPECT_FALSE(l.voxelAt(0, 3, 3));  // pad
  s.setResampleGrid(4);              // 16 slices per canvas -> 5 chunks
  EXPECT_EQ(StitchLayout({112, 112, 80}, s).chunks().size(), 5u);
}

TEST(StitchSettings, JsonRoundTrip) {
  StitchSettings s;
  s.setCanvas(512).setMode(StitchMode::Resample).setResampleGrid(9);
  const nlohmann::json j = s;
  EXPECT_EQ(j["mode"], "resample");
  const auto back = j.get<StitchSettings>();
  EXPECT_EQ(back.canvas, 512);
  EXPECT_EQ(back.mode, StitchMode::Resample);
  EXPECT_EQ(back.resampleGrid, 9);
  EXPECT_THROW((nlohmann::json{{"mode", "magic"}}.get<StitchSettings>()), Error);
}
