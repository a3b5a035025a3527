// Entry point of the integration suite: tests start real binaries as children,
// so a broken pipe to a child that died must fail a test, not kill the runner.
#include <gtest/gtest.h>

#include <csignal>

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
