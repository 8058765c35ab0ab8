#include "api/command_table.h"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "base/assert.h"

namespace helios::api {

namespace {

bool by_name(const CommandSpec& a, const CommandSpec& b) {
  return a.name < b.name;
}

// Redis 7's subcommands of the containers Helios knows (only those it answers), sorted by
// name: a container's are contiguous ("CLIENT|..." before "COMMAND|...").
const std::vector<CommandSpec>& subcommand_table() {
  static const std::vector<CommandSpec> table = [] {
    std::vector<CommandSpec> v = session_subcommand_rows();
    std::sort(v.begin(), v.end(), by_name);
    return v;
  }();
  return table;
}

// Every row can run: a planner or a handler, or (a container) a handler for each subcommand.
bool runnable(const CommandSpec& spec) {
  if (spec.plan != nullptr || spec.handle != nullptr) {
    return true;
  }
  return !spec.subcommands.empty() &&
         std::all_of(spec.subcommands.begin(), spec.subcommands.end(),
                     [](const CommandSpec& sub) { return sub.handle != nullptr; });
}

std::vector<CommandSpec> build() {
  std::vector<CommandSpec> v = string_command_rows();
  for (CommandSpec& row : session_command_rows()) {
    v.push_back(row);
  }
  for (CommandSpec& row : object_command_rows()) {
    v.push_back(row);
  }
  for (CommandSpec& row : blocking_command_rows()) {
    v.push_back(row);
  }
  std::sort(v.begin(), v.end(), by_name);
  const std::vector<CommandSpec>& subs = subcommand_table();
  for (CommandSpec& spec : v) {
    auto first = std::find_if(subs.begin(), subs.end(), [&](const CommandSpec& s) {
      return s.name.size() > spec.name.size() && s.name.starts_with(spec.name) &&
             s.name[spec.name.size()] == '|';
    });
    auto last = std::find_if(first, subs.end(),
                             [&](const CommandSpec& s) { return !s.name.starts_with(spec.name); });
    spec.subcommands = std::span<const CommandSpec>(first, last);
    HELIOS_ASSERT_MSG(runnable(spec), std::string(spec.name).c_str());
  }
  return v;
}

// Upper-case name -> row, for the commands and, as "PARENT|SUB", their subcommands.
using Index = std::unordered_map<std::string_view, const CommandSpec*>;

const Index& index() {
  static const Index map = [] {
    Index m;
    for (const CommandSpec& spec : all_commands()) {
      HELIOS_ASSERT(m.emplace(spec.name, &spec).second);
    }
    for (const CommandSpec& sub : subcommand_table()) {
      HELIOS_ASSERT(m.emplace(sub.name, &sub).second);
    }
    return m;
  }();
  return map;
}

}  // namespace

const std::vector<CommandSpec>& all_commands() {
  static const std::vector<CommandSpec> table = build();
  return table;
}

const CommandSpec* find_command(std::string_view upper_name) {
  if (upper_name.find('|') != std::string_view::npos) {
    return nullptr;
  }
  const Index& m = index();
  auto it = m.find(upper_name);
  return it != m.end() ? it->second : nullptr;
}

const CommandSpec* find_subcommand(const CommandSpec& container, std::string_view upper_sub) {
  if (container.subcommands.empty()) {
    return nullptr;
  }
  std::string name(container.name);
  name += '|';
  name += upper_sub;
  const Index& m = index();
  auto it = m.find(name);
  return it != m.end() ? it->second : nullptr;
}

const CommandSpec* find_command_or_subcommand(std::string_view upper_name) {
  const std::size_t bar = upper_name.find('|');
  const CommandSpec* spec = find_command(upper_name.substr(0, bar));
  if (spec == nullptr || bar == std::string_view::npos) {
    return spec;
  }
  return find_subcommand(*spec, upper_name.substr(bar + 1));
}

std::size_t command_rows() {
  return all_commands().size() + subcommand_table().size();
}

std::size_t command_row(const CommandSpec& spec) {
  const std::vector<CommandSpec>& top = all_commands();
  if (&spec >= top.data() && &spec < top.data() + top.size()) {
    return static_cast<std::size_t>(&spec - top.data());
  }
  const std::vector<CommandSpec>& subs = subcommand_table();
  HELIOS_ASSERT(&spec >= subs.data() && &spec < subs.data() + subs.size());
  return top.size() + static_cast<std::size_t>(&spec - subs.data());
}

const CommandSpec& command_at_row(std::size_t row) {
  const std::vector<CommandSpec>& top = all_commands();
  return row < top.size() ? top[row] : subcommand_table().at(row - top.size());
}

bool arity_ok(const CommandSpec& spec, std::size_t argc) {
  const long n = static_cast<long>(argc);
  return spec.arity > 0 ? n == spec.arity : n >= -spec.arity;
}

}  // namespace helios::api
