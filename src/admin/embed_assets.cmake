# Turns the dashboard's files into a C++ source (run at build time by src/admin/CMakeLists.txt):
#   cmake -DDIR=<folder> -DFILES=a.html,b.js -DOUT=<file.cc> -P embed_assets.cmake
# Each file becomes a byte array (no xxd needed) and an entry of dashboard_assets()
# (admin/dashboard_assets.h). CMakeLists.txt runs it again whenever one of the files changes.
string(REPLACE "," ";" files "${FILES}")
set(arrays "")
set(entries "")
set(i 0)
foreach(name IN LISTS files)
  file(READ "${DIR}/${name}" hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  # 0x.., 16 bytes a line; a trailing 0 keeps an empty file's array legal.
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REPEAT "0x[0-9a-f][0-9a-f]," 16 line)
  string(REGEX REPLACE "(${line})" "\\1\n    " bytes "${bytes}")
  string(APPEND arrays "const unsigned char kFile${i}[] = {\n    ${bytes}0x00};\n")
  set(view "std::string_view(reinterpret_cast<const char*>(kFile${i}), ${size})")
  string(APPEND entries "      {\"${name}\", ${view}},\n")
  math(EXPR i "${i} + 1")
endforeach()
set(text "// Generated from src/admin/dashboard/ by src/admin/embed_assets.cmake: do not edit.
#include \"admin/dashboard_assets.h\"

namespace helios::admin {
namespace {

${arrays}
}  // namespace

const std::vector<Asset>& dashboard_assets() {
  static const std::vector<Asset> assets = {
${entries}  };
  return assets;
}

}  // namespace helios::admin
")
file(WRITE "${OUT}" "${text}")
