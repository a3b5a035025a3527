// What a reload of the config file would change, decided without touching the
// running proxy: whether the new file is acceptable and which weights go live
// (the last change wins against weights set through the API). Pure; any thread.
#pragma once

#include <string>

#include "quikedge/config.hpp"
#include "server/change.hpp"

namespace quikedge::server {

struct reload_plan {
  std::string error;        ///< why the reload is refused; empty: go ahead
  weight_map weights;       ///< the live weights after the reload
  weight_map file_weights;  ///< the new file's weights, for the next reload
};

/// Plans replacing `running` by `fresh` (already validated as a file). The
/// listeners must stay the same. The file's weights replace `live` only if
/// they differ from `file_weights` (those of the file last read); otherwise
/// the live weights stay, restricted to `fresh`'s stacks. All-zero result
/// weights are refused.
reload_plan plan_reload(const config& running, const config& fresh, const weight_map& live,
                        const weight_map& file_weights);

}  // namespace quikedge::server
