#include "resp/writer.h"

#include <charconv>
#include <cmath>

#include "base/assert.h"

namespace helios::resp {

namespace {

// Room for any int64 or size_t in decimal, and for "%.17g" of any double
// ("-1.2345678901234567e-308" is 24 bytes).
constexpr std::size_t kNumberChars = 32;

std::string_view format_uint(std::size_t v, char (&buf)[kNumberChars]) {
  const std::to_chars_result r = std::to_chars(buf, buf + kNumberChars, v);
  HELIOS_ASSERT(r.ec == std::errc());
  return std::string_view(buf, static_cast<std::size_t>(r.ptr - buf));
}

// format_double's text in `buf`.
std::string_view format_double_to(double d, char (&buf)[kNumberChars]) {
  if (std::isnan(d)) {
    return "nan";  // whatever its sign and payload, as Redis's d2string
  }
  if (std::isinf(d)) {
    return d < 0 ? "-inf" : "inf";
  }
  if (d == 0) {
    return std::signbit(d) ? "-0" : "0";
  }
  // With a precision, to_chars is specified as printf: this is "%.17g".
  const std::to_chars_result r =
      std::to_chars(buf, buf + kNumberChars, d, std::chars_format::general, 17);
  HELIOS_ASSERT(r.ec == std::errc());
  return std::string_view(buf, static_cast<std::size_t>(r.ptr - buf));
}

}  // namespace

std::string format_double(double d) {
  char buf[kNumberChars];
  return std::string(format_double_to(d, buf));
}

Writer::Writer(std::string& out, int protocol) : out_(out), protocol_(protocol) {
  HELIOS_ASSERT(protocol == 2 || protocol == 3);
}

void Writer::simple(std::string_view s) {
  line('+', s);
}

void Writer::error(std::string_view line_text) {
  line('-', line_text);
}

void Writer::integer(std::int64_t v) {
  char buf[kNumberChars];
  const std::to_chars_result r = std::to_chars(buf, buf + kNumberChars, v);
  HELIOS_ASSERT(r.ec == std::errc());
  out_.push_back(':');
  out_.append(buf, r.ptr);
  out_.append("\r\n");
}

void Writer::bulk(std::string_view s) {
  header('$', s.size());
  out_.append(s);
  out_.append("\r\n");
}

void Writer::null() {
  out_.append(protocol_ == 3 ? "_\r\n" : "$-1\r\n");
}

void Writer::null_array() {
  out_.append(protocol_ == 3 ? "_\r\n" : "*-1\r\n");
}

void Writer::array(std::size_t n) {
  header('*', n);
}

void Writer::map(std::size_t pairs) {
  if (protocol_ == 3) {
    header('%', pairs);
  } else {
    HELIOS_ASSERT(pairs <= SIZE_MAX / 2);
    header('*', 2 * pairs);
  }
}

void Writer::set(std::size_t n) {
  header(protocol_ == 3 ? '~' : '*', n);
}

void Writer::boolean(bool b) {
  if (protocol_ == 3) {
    out_.append(b ? "#t\r\n" : "#f\r\n");
  } else {
    out_.append(b ? ":1\r\n" : ":0\r\n");
  }
}

void Writer::dbl(double d) {
  char buf[kNumberChars];
  const std::string_view text = format_double_to(d, buf);
  if (protocol_ == 3) {
    line(',', text);
  } else {
    bulk(text);
  }
}

void Writer::verbatim(std::string_view text) {
  if (protocol_ == 2) {
    bulk(text);
    return;
  }
  constexpr std::string_view kFormat = "txt:";
  header('=', kFormat.size() + text.size());
  out_.append(kFormat);
  out_.append(text);
  out_.append("\r\n");
}

void Writer::push(std::size_t n) {
  header(protocol_ == 3 ? '>' : '*', n);
}

void Writer::big_number(std::string_view digits) {
  if (protocol_ == 3) {
    line('(', digits);
  } else {
    bulk(digits);
  }
}

void Writer::header(char type, std::size_t n) {
  char buf[kNumberChars];
  out_.push_back(type);
  out_.append(format_uint(n, buf));
  out_.append("\r\n");
}

void Writer::line(char type, std::string_view text) {
  out_.push_back(type);
  const std::size_t start = out_.size();
  out_.append(text);
  for (std::size_t i = start; i < out_.size(); ++i) {
    if (out_[i] == '\r' || out_[i] == '\n') {
      out_[i] = ' ';
    }
  }
  out_.append("\r\n");
}

}  // namespace helios::resp
