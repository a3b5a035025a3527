// Guard against a yaml-cpp 0.7 bug (jbeder/yaml-cpp#1040, fixed upstream by
// #1319): on some malformed text, such as a lone ',' where a node should start,
// YAML::LoadAll never returns and allocates a null document per turn.
#pragma once

#include <yaml-cpp/mark.h>

#include <optional>
#include <string>

namespace quikedge::config_detail {

/// Runs yaml-cpp's parser over `text` without building nodes and returns the
/// position where it stops advancing (a document starting where the previous
/// one started), or nullopt when the text parses to its end. Throws what
/// YAML::LoadAll would throw for a syntax error.
std::optional<YAML::Mark> find_parser_stall(const std::string& text);

}  // namespace quikedge::config_detail
