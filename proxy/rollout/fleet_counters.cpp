// Publication format of a replica's counters and their fleet-wide sum.
#include "rollout/fleet_counters.hpp"

#include <boost/json.hpp>

#include "util/json_numbers.hpp"

namespace quikedge::rollout {
namespace {

namespace json = boost::json;

/// Counters only grow in one process; any that went down means the replica
/// restarted (or its stack's counters were replaced by a reload).
bool went_backwards(const counter_sample& now, const counter_sample& before) {
  if (now.requests < before.requests || now.errors < before.errors) {
    return true;
  }
  for (std::size_t i = 0; i < bucket_count; ++i) {
    if (now.buckets[i] < before.buckets[i]) {
      return true;
    }
  }
  return false;
}

void add(counter_sample& into, const counter_sample& now, const counter_sample* before) {
  const bool restart = before == nullptr || went_backwards(now, *before);
  const counter_sample zero{};
  const counter_sample& base = restart ? zero : *before;
  into.requests += now.requests - base.requests;
  into.errors += now.errors - base.errors;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    into.buckets[i] += now.buckets[i] - base.buckets[i];
  }
}

std::optional<std::uint64_t> count_of(const json::object& o, std::string_view key) {
  return util::json_unsigned(o.if_contains(key));
}

std::optional<counter_sample> decode_sample(const json::value& value) {
  if (!value.is_object()) {
    return std::nullopt;
  }
  const auto& o = value.as_object();
  counter_sample sample;
  auto requests = count_of(o, "requests");
  auto errors = count_of(o, "errors");
  const auto* buckets = o.if_contains("buckets");
  const auto* healthy = o.if_contains("healthy");
  if (!requests || !errors || buckets == nullptr || !buckets->is_array() ||
      buckets->as_array().size() != bucket_count || healthy == nullptr || !healthy->is_bool()) {
    return std::nullopt;
  }
  sample.requests = *requests;
  sample.errors = *errors;
  sample.healthy = healthy->as_bool();
  for (std::size_t i = 0; i < bucket_count; ++i) {
    const auto& b = buckets->as_array()[i];
    const auto count = util::json_unsigned(b);
    if (!count) {
      return std::nullopt;
    }
    sample.buckets[i] = *count;
  }
  return sample;
}

}  // namespace

std::string encode_stack_samples(const stack_samples& samples) {
  json::object stacks;
  for (const auto& [name, s] : samples) {
    json::array buckets;
    for (auto b : s.buckets) {
      buckets.emplace_back(b);
    }
    stacks[name] = json::object{{"requests", s.requests},
                                {"errors", s.errors},
                                {"buckets", std::move(buckets)},
                                {"healthy", s.healthy}};
  }
  return json::serialize(json::object{{"stacks", std::move(stacks)}});
}

std::optional<stack_samples> decode_stack_samples(std::string_view text) {
  boost::system::error_code ec;
  auto parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) {
    return std::nullopt;
  }
  const auto* stacks = parsed.as_object().if_contains("stacks");
  if (stacks == nullptr || !stacks->is_object()) {
    return std::nullopt;
  }
  stack_samples out;
  for (const auto& [name, value] : stacks->as_object()) {
    auto sample = decode_sample(value);
    if (!sample) {
      return std::nullopt;
    }
    out[std::string(name)] = *sample;
  }
  return out;
}

void fleet_counter_sum::update(const std::map<std::string, stack_samples>& seen) {
  unhealthy_.clear();
  for (const auto& [replica, stacks] : seen) {
    auto previous = last_.find(replica);
    for (const auto& [stack, sample] : stacks) {
      if (!sample.healthy) {
        unhealthy_[stack] = true;
      }
      if (previous == last_.end()) {
        continue;  // the first reading is this replica's baseline
      }
      auto before = previous->second.find(stack);
      add(added_[stack], sample, before == previous->second.end() ? nullptr : &before->second);
    }
  }
  last_ = seen;
}

counter_sample fleet_counter_sum::total(const std::string& stack,
                                        const counter_sample& local) const {
  counter_sample sum = local;
  if (auto it = added_.find(stack); it != added_.end()) {
    sum.requests += it->second.requests;
    sum.errors += it->second.errors;
    for (std::size_t i = 0; i < bucket_count; ++i) {
      sum.buckets[i] += it->second.buckets[i];
    }
  }
  if (unhealthy_.count(stack) != 0) {
    sum.healthy = false;
  }
  return sum;
}

void fleet_counter_sum::clear() {
  last_.clear();
  added_.clear();
  unhealthy_.clear();
}

}  // namespace quikedge::rollout
