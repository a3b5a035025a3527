// Raising the open-file limit: thousands of test connections exceed the usual soft
// limit of 1024 long before the hard limit.
#pragma once

#include <sys/resource.h>

namespace quikedge::bench {

// Raises the soft RLIMIT_NOFILE to the hard limit; failure is harmless (the run then
// reports connect or accept errors).
inline void raise_fd_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace quikedge::bench
