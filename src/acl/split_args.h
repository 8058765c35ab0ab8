#pragma once
// Redis's sdssplitargs, with which it splits the body of a selector "(~key* +get)" into
// rules: arguments separated by white space, each possibly in "double quotes" (with \n \r \t
// \b \a \\ \" and \xHH escapes) or 'single quotes' (with \' only); a closing quote must be
// followed by white space or the end. Like Redis (which sees a C string), the text ends at
// its first NUL byte.
//
// Unbalanced quotes give nothing. (Redis then builds an empty selector, a quirk kept by the
// caller: see user.cc.)

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace helios::acl {

std::optional<std::vector<std::string>> split_args(std::string_view line);

// Redis's ACLMergeSelectorArguments: joins a selector given over several arguments ("(~a",
// "+get)") into one ("(~a +get)"), with a space between the parts; other arguments are kept
// as they are. An argument that opens a selector while one is open starts it again (the
// first is dropped, as in Redis). A selector left open gives nothing, and the index of the
// argument that opened it in `open_at`.
std::optional<std::vector<std::string>> merge_selector_args(std::span<const std::string> args,
                                                            std::size_t* open_at);

}  // namespace helios::acl
