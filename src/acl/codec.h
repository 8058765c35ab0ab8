#pragma once
// The encoded form of one user (codec.cc), used by Users::encode() and for the size limits.
// Internal to src/acl.

#include <string>
#include <string_view>

#include "acl/user.h"

namespace helios::acl {

void encode_user(const User& user, std::string& out);
std::size_t encoded_size(const User& user);
// The header and checksum around a body: frame_body(body of x) == x.encode(). For tests and
// acl_fuzz, which use it to reach the body decoder past the checksum.
std::string frame_body(std::string_view body);

}  // namespace helios::acl
