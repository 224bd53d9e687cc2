// The one test binary's entry point: libtorch's pool defaults to 1 thread here; use all cores.
#include <gtest/gtest.h>

#include "core/threads.h"

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  fl::configure_threads(0);
  return RUN_ALL_TESTS();
}
