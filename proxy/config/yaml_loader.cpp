// Entry points of config loading: read the file, parse YAML, then run the shape,
// meaning and cross-reference layers, collecting every error instead of throwing.
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/parser_stall.hpp"
#include "config/read_sections.hpp"
#include "config/validate.hpp"
#include "quikedge/config_loader.hpp"

namespace quikedge {

namespace {

using config_detail::location;

// Errors about the file as a whole point at its start, so that every error keeps
// the FILE:LINE:COL form that editors and CI annotators parse.
constexpr location file_start{1, 1};

location mark_location(const YAML::Mark& mark) {
  if (mark.line < 0) {
    return file_start;
  }
  return {mark.line + 1, mark.column + 1};
}

std::vector<YAML::Node> parse_documents(const std::string& text,
                                        config_detail::error_list& errors) {
  try {
    // Checked first: on such text YAML::LoadAll would never return.
    if (auto stall = config_detail::find_parser_stall(text)) {
      errors.add(mark_location(*stall),
                 "YAML syntax error: unexpected token where a value should start");
      return {};
    }
    return YAML::LoadAll(text);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp 0.7 gives this one the message "bad file"; say what it means.
    errors.add(mark_location(e.mark), "YAML syntax error: lists or maps nested too deeply");
  } catch (const YAML::Exception& e) {
    errors.add(mark_location(e.mark), "YAML syntax error: " + e.msg);
  } catch (const std::exception& e) {
    errors.add(file_start, std::string("YAML syntax error: ") + e.what());
  }
  return {};
}

config_load_result load(const std::string& text, const std::string& name,
                        const std::filesystem::path& base_dir) {
  config_detail::error_list errors(name);
  config_load_result result;
  std::vector<YAML::Node> documents = parse_documents(text, errors);
  if (!errors.empty()) {
    result.errors = errors.take_sorted();
    return result;
  }
  if (documents.empty()) {
    errors.add(file_start,
               "the file holds no YAML document (listeners, stacks and routing are required)");
    result.errors = errors.take_sorted();
    return result;
  }
  if (documents.size() > 1) {
    errors.add(mark_location(documents[1].Mark()),
               "only one YAML document is allowed, found " + std::to_string(documents.size()));
  }

  config cfg;
  cfg.source_file = name;
  config_detail::source_map where;
  config_detail::node_reader reader(where, errors);
  config_detail::read_context ctx{reader, base_dir};
  try {
    config_detail::read_config(documents.front(), ctx, cfg);
    // Stacks the weights leave out get 0, so that every stack has an entry.
    for (const stack_config& s : cfg.stacks) {
      cfg.routing.weights.try_emplace(s.name, 0);
    }
    if (cfg.state.etcd.replica_id.empty()) {
      cfg.state.etcd.replica_id = config_detail::default_replica_id(cfg);
    }
    // A document that is not a map has nothing the other layers could check.
    if (!where.is_broken_here("")) {
      config_detail::validate_config(cfg, where, errors);
    }
  } catch (const std::exception& e) {
    // yaml-cpp may throw on node shapes the reader did not expect; the loader
    // promises not to throw, so this becomes one more error.
    errors.add(file_start, std::string("internal error while reading the config: ") + e.what());
  }

  result.errors = errors.take_sorted();
  if (result.errors.empty()) {
    result.value = std::move(cfg);
  }
  return result;
}

}  // namespace

config_load_result load_config_file(const std::string& path) {
  std::error_code ec;
  std::string why;
  if (std::filesystem::is_directory(path, ec)) {
    why = "it is a directory";
  }
  std::ifstream in(path, std::ios::binary);
  if (why.empty() && !in) {
    why = std::strerror(errno);
  }
  std::ostringstream text;
  if (why.empty() && !(text << in.rdbuf()) && in.bad()) {
    why = "read error";
  }
  if (!why.empty()) {
    config_load_result result;
    result.errors.push_back(config_error{path, file_start.line, file_start.column,
                                         "cannot read the config file: " + why});
    return result;
  }
  // Relative paths inside the file are relative to the file, wherever we run from.
  return load(text.str(), path, std::filesystem::path(path).parent_path());
}

// `name` is only a label here, so relative paths in the text stay relative to the
// working directory.
config_load_result load_config_text(const std::string& text, const std::string& name) {
  return load(text, name, {});
}

}  // namespace quikedge
