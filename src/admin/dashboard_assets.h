#pragma once
// The dashboard's files (src/admin/dashboard/), compiled into the binary: the build turns each
// into a byte array (embed_assets.cmake writes dashboard_assets.cc), so a node serves its
// dashboard with no file to install and no internet access.

#include <string_view>
#include <vector>

namespace helios::admin {

struct Asset {
  std::string_view name;  // the file's name in src/admin/dashboard/, e.g. "app.js"
  std::string_view body;  // its bytes
};

// Every embedded file, in the order CMakeLists.txt lists them.
const std::vector<Asset>& dashboard_assets();

// The asset called `name`, or nullptr.
const Asset* find_asset(std::string_view name);

// The Content-Type for a file name (by its extension; text types are UTF-8).
std::string_view content_type_of(std::string_view name);

}  // namespace helios::admin
