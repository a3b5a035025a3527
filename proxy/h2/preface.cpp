#include "h2/preface.hpp"

namespace quikedge::h2 {

preface_match match_preface(std::string_view input) {
  if (input.size() >= client_preface.size()) {
    return input.starts_with(client_preface) ? preface_match::full : preface_match::no;
  }
  return client_preface.starts_with(input) ? preface_match::partial : preface_match::no;
}

}  // namespace quikedge::h2
