// process_* from /proc/self/stat, /proc/self/fd, /proc/stat and getrlimit.
#include "metrics/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string_view>
#include <system_error>
#include <vector>

namespace quikedge::metrics {
namespace {

struct sample_writer {
  std::string& out;
  std::string_view environment;
  void operator()(std::string_view name, std::string_view type, std::string_view help,
                  double value) const;
};

void sample_writer::operator()(std::string_view name, std::string_view type, std::string_view help,
                               double value) const {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  char digits[32];
  // Counts and byte sizes print as integers ("17000000", not "1.7e+07").
  const bool integral = value >= 0 && value < 9.0e15 && std::floor(value) == value;
  auto result =
      integral ? std::to_chars(digits, digits + sizeof digits, static_cast<std::uint64_t>(value))
               : std::to_chars(digits, digits + sizeof digits, value);
  out.append(name).append("{environment=\"").append(environment).append("\"} ");
  out.append(digits, result.ptr).append("\n");
}

/// The fields of /proc/self/stat after the command name, which may itself hold
/// spaces and parentheses: [0] is field 3 (state).
std::vector<std::string> stat_fields() {
  std::ifstream file("/proc/self/stat");
  std::string line;
  std::getline(file, line);
  const auto end_of_name = line.rfind(')');
  std::vector<std::string> fields;
  if (end_of_name == std::string::npos) {
    return fields;
  }
  std::istringstream rest(line.substr(end_of_name + 1));
  for (std::string field; rest >> field;) {
    fields.push_back(std::move(field));
  }
  return fields;
}

double field_number(const std::vector<std::string>& fields, std::size_t stat_field) {
  const std::string& text = fields[stat_field - 3];
  double value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

/// Boot time, Unix seconds (`btime` of /proc/stat); 0 when unknown.
double boot_time_seconds() {
  std::ifstream file("/proc/stat");
  for (std::string key; file >> key;) {
    if (key == "btime") {
      double value = 0;
      file >> value;
      return value;
    }
    file.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return 0;
}

}  // namespace

void append_process_metrics(std::string& out, std::string_view escaped_environment) {
  const sample_writer append_sample{out, escaped_environment};
  const auto fields = stat_fields();
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  if (fields.size() >= 22 && ticks > 0) {  // up to field 24 (rss)
    append_sample("process_cpu_seconds_total", "counter",
                  "Total user and system CPU time spent in seconds.",
                  (field_number(fields, 14) + field_number(fields, 15)) / ticks);
    append_sample("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
                  field_number(fields, 24) * page);
    append_sample("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
                  field_number(fields, 23));
    if (const double boot = boot_time_seconds(); boot > 0) {
      append_sample("process_start_time_seconds", "gauge",
                    "Start time of the process since unix epoch in seconds.",
                    boot + field_number(fields, 22) / ticks);
    }
  }
  std::error_code ec;
  std::size_t open = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++open;
  }
  if (!ec) {
    // The iterator's own descriptor was open while it counted.
    append_sample("process_open_fds", "gauge", "Number of open file descriptors.",
                  static_cast<double>(open > 0 ? open - 1 : 0));
  }
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    append_sample("process_max_fds", "gauge", "Maximum number of open file descriptors.",
                  static_cast<double>(limit.rlim_cur));
  }
}

}  // namespace quikedge::metrics
