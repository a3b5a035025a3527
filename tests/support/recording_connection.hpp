// What the recording upstream's thread keeps per connection: the bytes not parsed yet
// and the response parts waiting to be written. Only for the recorder's own files.
#pragma once

#include <deque>
#include <string>

#include "support/recording_upstream.hpp"

namespace quikedge::test {

struct recording_upstream::connection_state {
  std::size_t index = 0;
  int fd = -1;
  std::string in;  ///< received, not yet parsed
  struct pending {
    std::string bytes;
    bool gated = false;        ///< waits for release_part()
    bool close_after = false;  ///< close once this is written
  };
  std::deque<pending> out;
  bool gate_taken = false;  ///< the front part passed its gate
  bool reading = true;      ///< false after EOF or a parse error
  bool finished = false;    ///< closed by the recorder
};

}  // namespace quikedge::test
