// Where each config key and value was written, and the errors found so far.
// Kept free of yaml-cpp so that validate() can also check configs built in code.
#pragma once

#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "quikedge/config_loader.hpp"

namespace quikedge::config_detail {

/// 1-based position in the file; {0, 0} when unknown.
struct location {
  int line = 0;
  int column = 0;
};

/// Key path ("routing.weights.blue", "listeners[1].address") → position in the file.
class source_map {
 public:
  void set_key(const std::string& path, location at) { keys_[path] = at; }
  void set_value(const std::string& path, location at) { values_[path] = at; }

  /// Position of the key naming `path`; the value's position for list items and the root.
  [[nodiscard]] location key_at(const std::string& path) const;
  /// Position of the value at `path`; the key's position when the value is empty.
  [[nodiscard]] location value_at(const std::string& path) const;

  /// Records that `path` could not be read, so later layers skip checks that would
  /// only repeat the same mistake in other words.
  void mark_broken(const std::string& path) { broken_.insert(path); }
  /// True when `path`, anything above it or anything below it could not be read.
  [[nodiscard]] bool is_broken(const std::string& path) const;
  /// True when `path` itself or anything above it could not be read; problems
  /// further down (one bad endpoint of a stack) do not count.
  [[nodiscard]] bool is_broken_here(const std::string& path) const;

 private:
  std::unordered_map<std::string, location> keys_;
  std::unordered_map<std::string, location> values_;
  std::set<std::string> broken_;
};

/// Collects errors of one file; nothing throws, so every error is reported at once.
class error_list {
 public:
  explicit error_list(std::string file) : file_(std::move(file)) {}

  void add(location at, std::string message);
  [[nodiscard]] bool empty() const { return errors_.empty(); }
  [[nodiscard]] const std::string& file() const { return file_; }

  /// Returns the errors sorted by position (unknown positions last).
  std::vector<config_error> take_sorted();

 private:
  std::string file_;
  std::vector<config_error> errors_;
};

}  // namespace quikedge::config_detail
