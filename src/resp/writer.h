#pragma once
// Writer: encodes replies in RESP2 or RESP3, appending to a string the caller owns (the
// connection's output buffer). Each call writes one value or one aggregate header; the
// caller writes an aggregate's elements right after its header (a map's as key, value,
// key, value...). The writer keeps no nesting state and never checks element counts.
//
// RESP3-only types degrade in RESP2 as Redis degrades them: a map becomes an array of 2n
// elements, a set or a push an array, a boolean the integer 1 or 0, a double, big number or
// verbatim string a bulk string, and both nulls their RESP2 forms ("$-1", "*-1").
//
// Lines (simple strings, errors) cannot hold CR or LF: the writer replaces each by a space,
// as Redis does. Numbers are formatted with std::to_chars (no locale, no streams).
//
// Not thread-safe; cheap to construct (one per reply is fine). `out` must outlive it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace helios::resp {

class Writer {
 public:
  // protocol is 2 or 3 (asserted): the HELLO version the client chose.
  Writer(std::string& out, int protocol);

  int protocol() const { return protocol_; }

  void simple(std::string_view s);    // "+s\r\n"
  void error(std::string_view line);  // "-line\r\n"; line like "ERR wrong number..." (no '-')
  void integer(std::int64_t v);       // ":v\r\n"
  void bulk(std::string_view s);      // "$len\r\ns\r\n"
  void null();                        // RESP2 "$-1\r\n", RESP3 "_\r\n"
  void null_array();                  // RESP2 "*-1\r\n", RESP3 "_\r\n"
  void array(std::size_t n);          // "*n\r\n", then n values
  void map(std::size_t pairs);        // RESP3 "%n\r\n"; RESP2 "*<2n>\r\n"; then 2n values
  void set(std::size_t n);            // RESP3 "~n\r\n"; RESP2 "*n\r\n"; then n values
  void boolean(bool b);               // RESP3 "#t\r\n" / "#f\r\n"; RESP2 ":1\r\n" / ":0\r\n"
  // RESP3 ",<text>\r\n"; RESP2 a bulk of the same text. The text is Redis's: "inf", "-inf",
  // "nan", "0" or "-0" for a zero, otherwise printf's "%.17g" (so 3.0 is "3", 0.1 is
  // "0.10000000000000001"); format_double() gives it.
  void dbl(double d);
  void verbatim(std::string_view text);  // RESP3 "=<len+4>\r\ntxt:text\r\n"; RESP2 bulk(text)
  void push(std::size_t n);              // RESP3 ">n\r\n"; RESP2 "*n\r\n"; then n values
  // RESP3 "(digits\r\n"; RESP2 bulk(digits). `digits` is an optional '-' and decimal digits
  // (the caller's business; CR and LF are replaced like a line's).
  void big_number(std::string_view digits);

 private:
  void header(char type, std::size_t n);        // "<type><n>\r\n"
  void line(char type, std::string_view text);  // "<type><text>\r\n", CR/LF -> space

  std::string& out_;
  int protocol_;
};

// The text Writer::dbl writes for `d` (see there).
std::string format_double(double d);

}  // namespace helios::resp
