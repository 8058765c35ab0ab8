#include "atlas/obj_common.h"

#include <algorithm>
#include <charconv>
#include <unordered_set>

#include "atlas/integer.h"
#include "atlas/scan.h"
#include "base/assert.h"

namespace helios::atlas {

std::string wrong_args(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) {
    c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return "ERR wrong number of arguments for '" + lower + "' command";
}

Reply bulk_array(const std::vector<std::string>& items) {
  std::vector<Reply> out;
  out.reserve(items.size());
  for (const std::string& s : items) {
    out.push_back(Reply::bulk(s));
  }
  return Reply::array(std::move(out));
}

Reply bulk_array(const std::vector<std::string_view>& items) {
  std::vector<Reply> out;
  out.reserve(items.size());
  for (std::string_view s : items) {
    out.push_back(Reply::bulk(std::string(s)));
  }
  return Reply::array(std::move(out));
}

bool equals_upper(std::string_view arg, std::string_view upper) {
  return arg.size() == upper.size() &&
         std::equal(arg.begin(), arg.end(), upper.begin(),
                    [](char a, char b) { return (a >= 'a' && a <= 'z' ? a - 'a' + 'A' : a) == b; });
}

std::optional<ScanArgs> parse_scan(const Args& args, std::string* error) {
  ScanArgs scan;
  const std::string& c = args[1];
  const auto [p, ec] = std::from_chars(c.data(), c.data() + c.size(), scan.cursor);
  if (ec != std::errc() || p != c.data() + c.size()) {
    *error = "ERR invalid cursor";
    return std::nullopt;
  }
  for (std::size_t i = 2; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) {
      *error = std::string(kErrSyntax);
      return std::nullopt;
    }
    if (equals_upper(args[i], "MATCH")) {
      scan.pattern = args[i + 1];
    } else if (equals_upper(args[i], "COUNT")) {
      const std::optional<std::int64_t> n = parse_int64(args[i + 1]);
      if (!n.has_value()) {
        *error = std::string(kErrNotInteger);
        return std::nullopt;
      }
      if (*n < 1) {
        *error = std::string(kErrSyntax);
        return std::nullopt;
      }
      scan.count = static_cast<std::size_t>(*n);
    } else {
      *error = std::string(kErrSyntax);
      return std::nullopt;
    }
  }
  return scan;
}

std::string check_scan(const Args& args) {
  std::uint64_t cursor = 0;
  const std::string& c = args[1];
  const auto [p, ec] = std::from_chars(c.data(), c.data() + c.size(), cursor);
  return ec == std::errc() && p == c.data() + c.size() ? std::string() : "ERR invalid cursor";
}

ElementPage scan_elements(const std::vector<std::string_view>& members, const ScanArgs& scan) {
  const auto for_each = [&](const auto& visit) {
    for (std::string_view m : members) {
      visit(m);
    }
  };
  ScanPage page = scan_page(for_each, scan_hash, scan.cursor, scan.pattern, scan.count);
  ElementPage out;
  out.next_cursor = page.next_cursor;
  // scan_page copies the keys it keeps; map them back to views of the collection.
  out.members.reserve(page.keys.size());
  std::vector<std::string_view> sorted(members);
  std::sort(sorted.begin(), sorted.end());
  for (const std::string& k : page.keys) {
    auto it = std::lower_bound(sorted.begin(), sorted.end(), std::string_view(k));
    HELIOS_ASSERT(it != sorted.end() && *it == k);
    out.members.push_back(*it);
  }
  return out;
}

Reply scan_reply(std::uint64_t next_cursor, std::vector<Reply> elements) {
  std::vector<Reply> top;
  top.push_back(Reply::bulk(std::to_string(next_cursor)));
  top.push_back(Reply::array(std::move(elements)));
  return Reply::array(std::move(top));
}

std::vector<std::size_t> SeededDraw::distinct(std::size_t n, std::size_t k) {
  HELIOS_ASSERT(k <= n);
  // Floyd's algorithm: k draws, each a new index.
  std::vector<std::size_t> chosen;
  chosen.reserve(k);
  std::unordered_set<std::size_t> seen;
  seen.reserve(k);
  for (std::size_t j = n - k; j < n; ++j) {
    const std::size_t t = index(j + 1);
    chosen.push_back(seen.insert(t).second ? t : j);
    if (chosen.back() == j) {
      seen.insert(j);
    }
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

}  // namespace helios::atlas
