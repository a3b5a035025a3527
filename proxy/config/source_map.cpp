// Position lookup for config key paths and the error collector.
#include "config/source_map.hpp"

#include <algorithm>
#include <tuple>

namespace quikedge::config_detail {

namespace {

location find_in(const std::unordered_map<std::string, location>& map, const std::string& path) {
  auto it = map.find(path);
  return it == map.end() ? location{} : it->second;
}

}  // namespace

location source_map::key_at(const std::string& path) const {
  location at = find_in(keys_, path);
  return at.line != 0 ? at : find_in(values_, path);
}

location source_map::value_at(const std::string& path) const {
  location at = find_in(values_, path);
  return at.line != 0 ? at : find_in(keys_, path);
}

bool source_map::is_broken_here(const std::string& path) const {
  if (broken_.contains(path) || broken_.contains("")) {
    return true;
  }
  // Ancestors are the prefixes that end where a '.' or '[' starts the next step.
  for (std::size_t i = 0; i < path.size(); ++i) {
    if ((path[i] == '.' || path[i] == '[') && broken_.contains(path.substr(0, i))) {
      return true;
    }
  }
  return false;
}

bool source_map::is_broken(const std::string& path) const {
  if (is_broken_here(path)) {
    return true;
  }
  // The set is ordered, so every path below `path` follows it directly.
  for (auto it = broken_.lower_bound(path); it != broken_.end(); ++it) {
    if (!it->starts_with(path)) {
      break;
    }
    if (it->size() == path.size() || path.empty() || (*it)[path.size()] == '.' ||
        (*it)[path.size()] == '[') {
      return true;
    }
  }
  return false;
}

void error_list::add(location at, std::string message) {
  errors_.push_back(config_error{file_, at.line, at.column, std::move(message)});
}

std::vector<config_error> error_list::take_sorted() {
  // Reading order is what a person fixing the file wants; errors without a
  // position (e.g. an unreadable file) go last.
  auto key = [](const config_error& e) { return std::make_tuple(e.line == 0, e.line, e.column); };
  std::stable_sort(errors_.begin(), errors_.end(),
                   [&](const config_error& a, const config_error& b) { return key(a) < key(b); });
  return std::move(errors_);
}

}  // namespace quikedge::config_detail
