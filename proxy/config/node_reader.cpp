// Shape layer helpers: type checks, key checks and typed scalar reads on yaml-cpp
// nodes. Errors name the key path and the offending value.
#include "config/node_reader.hpp"

#include <algorithm>
#include <unordered_map>

#include "config/parse_values.hpp"

namespace quikedge::config_detail {

namespace {

location to_location(const YAML::Mark& mark) {
  // yaml-cpp counts from 0 and uses -1 for "no position".
  if (mark.line < 0) {
    return {};
  }
  return {mark.line + 1, mark.column + 1};
}

std::string shown_path(const std::string& path) {
  return path.empty() ? "top level" : path;
}

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) {
    return "nothing";
  }
  if (node.IsMap()) {
    return "a map";
  }
  if (node.IsSequence()) {
    return "a list";
  }
  return "\"" + node.Scalar() + "\"";
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// A misspelt key is the likeliest unknown key, and naming the fix saves a trip to the docs.
std::string unknown_key_message(const std::string& path, const std::string& parent,
                                std::string_view key,
                                std::initializer_list<std::string_view> allowed) {
  std::string message = path + ": unknown key";
  std::string_view best;
  std::size_t best_distance = 3;
  for (std::string_view candidate : allowed) {
    std::size_t d = edit_distance(key, candidate);
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  if (!best.empty()) {
    message += " (did you mean \"" + std::string(best) + "\"?)";
  }
  message += "; allowed in " + shown_path(parent) + ": ";
  bool first = true;
  for (std::string_view candidate : allowed) {
    message += (first ? "" : ", ") + std::string(candidate);
    first = false;
  }
  return message;
}

}  // namespace

std::string child_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

const field* find_field(const fields& map, std::string_view key) {
  auto it = std::find_if(map.begin(), map.end(), [&](const field& f) { return f.key == key; });
  return it == map.end() ? nullptr : &*it;
}

void node_reader::set_root(const YAML::Node& root) {
  location at = to_location(root.Mark());
  where_.set_value("", at.line != 0 ? at : location{1, 1});
}

void node_reader::fail(const std::string& path, const std::string& message) {
  errors_.add(where_.value_at(path), message);
  where_.mark_broken(path);
}

void node_reader::fail_at_key(const std::string& path, const std::string& message) {
  errors_.add(where_.key_at(path), message);
  where_.mark_broken(path);
}

std::optional<fields> node_reader::map_entries(const YAML::Node& node, const std::string& path,
                                               std::initializer_list<std::string_view> allowed) {
  if (!node.IsMap()) {
    fail(path, shown_path(path) + ": expected a map, got " + describe(node));
    return std::nullopt;
  }
  fields result;
  std::unordered_map<std::string, int> first_line;
  for (auto it = node.begin(); it != node.end(); ++it) {
    // it-> returns a temporary proxy in yaml-cpp: copy the nodes, never bind references.
    YAML::Node key_node = it->first;
    location key_at = to_location(key_node.Mark());
    if (!key_node.IsScalar()) {
      errors_.add(key_at,
                  shown_path(path) + ": keys must be plain names, got " + describe(key_node));
      continue;
    }
    std::string key = key_node.Scalar();
    std::string child = child_path(path, key);
    YAML::Node value = it->second;
    // An empty value has the position of the next token; its key is the better place.
    location value_at = value.IsNull() ? key_at : to_location(value.Mark());
    auto [seen, inserted] = first_line.emplace(key, key_at.line);
    if (!inserted) {
      errors_.add(key_at, child + ": duplicate key (first written on line " +
                              std::to_string(seen->second) + ")");
      continue;
    }
    where_.set_key(child, key_at);
    where_.set_value(child, value_at);
    bool known =
        allowed.size() == 0 || std::find(allowed.begin(), allowed.end(), key) != allowed.end();
    if (!known) {
      fail_at_key(child, unknown_key_message(child, path, key, allowed));
      continue;
    }
    result.push_back(field{key, child, value});
  }
  return result;
}

std::optional<fields> node_reader::list_items(const YAML::Node& node, const std::string& path) {
  if (!node.IsSequence()) {
    fail(path, shown_path(path) + ": expected a list, got " + describe(node));
    return std::nullopt;
  }
  fields result;
  for (std::size_t i = 0; i < node.size(); ++i) {
    YAML::Node item = node[i];
    std::string child = path + "[" + std::to_string(i) + "]";
    where_.set_value(child, to_location(item.Mark()));
    result.push_back(field{"", child, item});
  }
  return result;
}

const field* node_reader::require(const fields& map, const std::string& parent,
                                  std::string_view key) {
  const field* found = find_field(map, key);
  if (found == nullptr) {
    std::string child = child_path(parent, key);
    errors_.add(where_.key_at(parent), child + ": required key is missing");
    where_.mark_broken(child);
  }
  return found;
}

std::optional<std::string> node_reader::scalar(const field& f, std::string_view what) {
  if (!f.value.IsScalar()) {
    fail(f.path, f.path + ": expected " + std::string(what) + ", got " + describe(f.value));
    return std::nullopt;
  }
  return f.value.Scalar();
}

bool node_reader::read_string(const field& f, std::string& out) {
  auto text = scalar(f, "a string");
  if (text) {
    out = *text;
  }
  return text.has_value();
}

bool node_reader::read_duration(const field& f, duration& out) {
  auto text = scalar(f, "a duration (e.g. 250ms, 2s, 5m, 1h)");
  if (!text) {
    return false;
  }
  std::string why;
  auto parsed = parse_duration_why(*text, why);
  if (!parsed) {
    fail(f.path, f.path + ": bad duration \"" + *text + "\": " + why);
    return false;
  }
  out = *parsed;
  return true;
}

bool node_reader::read_address(const field& f, address& out) {
  auto text = scalar(f, "an address (HOST:PORT)");
  if (!text) {
    return false;
  }
  std::string why;
  auto parsed = parse_address(*text, why);
  if (!parsed) {
    fail(f.path, f.path + ": bad address \"" + *text + "\": " + why);
    return false;
  }
  out = *parsed;
  return true;
}

bool node_reader::read_ip_range(const field& f, ip_range& out) {
  auto text = scalar(f, "an address or CIDR range (e.g. 10.0.0.0/8, ::1)");
  if (!text) {
    return false;
  }
  std::string why;
  auto parsed = parse_ip_range(*text, why);
  if (!parsed) {
    fail(f.path, f.path + ": bad address range \"" + *text + "\": " + why);
    return false;
  }
  out = *parsed;
  return true;
}

bool node_reader::read_bool(const field& f, bool& out) {
  int choice = 0;
  if (!read_choice(f, {"false", "true"}, choice)) {
    return false;
  }
  out = choice == 1;
  return true;
}

bool node_reader::read_number(const field& f, double& out) {
  auto text = scalar(f, "a number");
  if (!text) {
    return false;
  }
  auto parsed = parse_number(*text);
  if (!parsed) {
    fail(f.path, f.path + ": expected a number, got \"" + *text + "\"");
    return false;
  }
  out = *parsed;
  return true;
}

bool node_reader::read_choice(const field& f, std::initializer_list<std::string_view> choices,
                              int& out) {
  std::string list;
  for (std::string_view choice : choices) {
    list += (list.empty() ? "" : ", ") + std::string(choice);
  }
  auto text = scalar(f, "one of " + list);
  if (!text) {
    return false;
  }
  auto it = std::find(choices.begin(), choices.end(), *text);
  if (it == choices.end()) {
    fail(f.path, f.path + ": must be one of " + list + ", got \"" + *text + "\"");
    return false;
  }
  out = static_cast<int>(it - choices.begin());
  return true;
}

bool node_reader::read_unsigned_max(const field& f, std::uint64_t max, std::uint64_t& out) {
  auto text = scalar(f, "a whole number");
  if (!text) {
    return false;
  }
  std::string why;
  auto parsed = parse_unsigned(*text, max, why);
  if (!parsed) {
    fail(f.path, f.path + ": " + why + ", got " + *text);
    return false;
  }
  out = *parsed;
  return true;
}

}  // namespace quikedge::config_detail
