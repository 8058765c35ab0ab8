#pragma once
// Password hashes as Redis keeps them: the SHA-256 of the password (OpenSSL's libcrypto),
// shown as 64 lowercase hex digits ("#<hex>" in ACL LIST, the "passwords" of ACL GETUSER).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace helios::acl {

using PasswordHash = std::array<std::uint8_t, 32>;

// SHA-256 of `password` (any bytes).
PasswordHash hash_password(std::string_view password);
// 64 lowercase hex digits.
std::string to_hex(const PasswordHash& hash);
// Redis's ACLCheckPasswordHash: exactly 64 characters, each 0-9 or a-f (upper case is
// refused); nothing otherwise.
std::optional<PasswordHash> parse_hash_hex(std::string_view hex);
// Equality in time independent of the contents (CRYPTO_memcmp).
bool hashes_equal(const PasswordHash& a, const PasswordHash& b);

}  // namespace helios::acl
