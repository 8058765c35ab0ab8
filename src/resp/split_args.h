#pragma once
// split_args: an inline command line split into arguments the way Redis's sdssplitargs
// does it (inline requests in RequestParser; helios-cli may use it for what a user types).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace helios::resp {

// The arguments of `line`, or nullopt if its quotes are unbalanced. The rules:
//   - arguments are separated by whitespace (space, \t, \n, \r, \v, \f), which is skipped;
//   - "double quotes" take the escapes \n \r \t \b \a, \xHH (two hex digits) and \<c> for
//     any other c (so \\ and \"); 'single quotes' take only \' ;
//   - a quote may open inside an argument (a"b c" is `ab c`), but a closing quote must be
//     followed by whitespace or the end of the line, and every quote must close: otherwise
//     the line is unbalanced;
//   - a blank line has no arguments (an empty vector).
// One deviation, on purpose: the line is binary-safe. sdssplitargs works on a C string and
// stops at a NUL byte; here NUL is an ordinary byte.
std::optional<std::vector<std::string>> split_args(std::string_view line);

}  // namespace helios::resp
