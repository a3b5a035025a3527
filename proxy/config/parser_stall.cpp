// Walks yaml-cpp's parse events, keeping only where each document starts.
#include "config/parser_stall.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <sstream>

namespace quikedge::config_detail {
namespace {

class document_starts final : public YAML::EventHandler {
 public:
  [[nodiscard]] const YAML::Mark& last() const { return last_; }

  void OnDocumentStart(const YAML::Mark& mark) override { last_ = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  YAML::Mark last_;
};

}  // namespace

std::optional<YAML::Mark> find_parser_stall(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  document_starts starts;
  std::optional<int> previous;
  // Every real document consumes at least one token, so two documents that
  // start at one position mean the parser is stuck on a token it cannot use.
  while (parser.HandleNextDocument(starts)) {
    if (previous && *previous == starts.last().pos) {
      return starts.last();
    }
    previous = starts.last().pos;
  }
  return std::nullopt;
}

}  // namespace quikedge::config_detail
