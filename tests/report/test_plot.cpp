#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "core/atomic_file.h"
#include "core/error.h"
#include "render/plot.h"
#include "support/fixtures.h"

namespace fl {
namespace {
namespace fs = std::filesystem;

bool starts_with_png_magic(const fs::path& p) { return read_file(p).rfind("\x89PNG", 0) == 0; }

TEST(Plot, LinePlotWritesCsvScriptAndPictures) {
  const test_support::TempDir dir;
  LinePlot p{"error vs distance", "distance L (tokens)", "max |error|", false, true, {}};
  p.series.push_back({"measured, N = 4", {1, 2, 3, 4}, {1e-7, 0.0, 1e-3, NAN}});
  p.series.push_back({"theory, with a comma", {1, 4}, {1e-6, 1e-2}, SeriesStyle::line});
  const auto files = write_plot(p, dir.path() / "err");
  // Non-drawable points (zero and NaN on a log axis) are left out of the CSV.
  EXPECT_EQ(read_file(files.csv),
            "series_id,x,y,series\n0,1,1e-07,\"measured, N = 4\"\n0,3,0.001,\"measured, N = 4\"\n"
            "1,1,1e-06,\"theory, with a comma\"\n1,4,0.01,\"theory, with a comma\"\n");
  const auto script = read_file(files.script);
  EXPECT_NE(script.find("set logscale y"), std::string::npos);
  EXPECT_NE(script.find("'err.csv'"), std::string::npos) << "the script reads its CSV by relative name";
  EXPECT_EQ(files.rendered, gnuplot_available());
  if (files.rendered) {
    EXPECT_TRUE(starts_with_png_magic(files.png));
    EXPECT_NE(read_file(files.svg).find("<svg"), std::string::npos);
  }
}

TEST(Plot, HeatmapMarksBlankCellsAndReversesRows) {
  const test_support::TempDir dir;
  Heatmap h{"attention, layer 0", "key position j", "query position i", "weight", 2, 2, {1.0, NAN, 0.25, 0.75}};
  const auto files = write_heatmap(h, dir.path() / "map");
  EXPECT_EQ(read_file(files.csv), "row,col,value\n0,0,1\n0,1,NaN\n1,0,0.25\n1,1,0.75\n");
  EXPECT_NE(read_file(files.script).find("set yrange [2-0.5:-0.5]"), std::string::npos) << "row 0 on top";
  if (files.rendered) {
    EXPECT_TRUE(starts_with_png_magic(files.png));
  }
}

TEST(Plot, BadInputIsAnError) {
  const test_support::TempDir dir;
  LinePlot empty{"t", "x", "y", false, false, {}};
  EXPECT_THROW(write_plot(empty, dir.path() / "a"), Error);
  LinePlot mismatched{"t", "x", "y", false, false, {{"s", {1, 2}, {1}}}};
  EXPECT_THROW(write_plot(mismatched, dir.path() / "b"), Error);
  LinePlot nothing_drawable{"t", "x", "y", false, true, {{"s", {1, 2}, {0, -1}}}};
  EXPECT_THROW(write_plot(nothing_drawable, dir.path() / "c"), Error);
  Heatmap wrong_size{"t", "x", "y", "v", 2, 3, {1, 2}};
  EXPECT_THROW(write_heatmap(wrong_size, dir.path() / "d"), Error);
  LinePlot ok{"t", "x", "y", false, false, {{"s", {1}, {1}}}};
  EXPECT_THROW(write_plot(ok, dir.path() / "missing" / "e"), Error);
}

}  // namespace
}  // namespace fl
