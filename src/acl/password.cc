#include "acl/password.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base/assert.h"
#include "base/hex.h"

namespace helios::acl {

PasswordHash hash_password(std::string_view password) {
  PasswordHash hash{};
  unsigned int size = 0;
  HELIOS_ASSERT(
      EVP_Digest(password.data(), password.size(), hash.data(), &size, EVP_sha256(), nullptr) == 1);
  HELIOS_ASSERT(size == hash.size());
  return hash;
}

// The hash as four big-endian 64-bit words, each shown or parsed as 16 hex digits.
std::string to_hex(const PasswordHash& hash) {
  std::string out;
  for (std::size_t word = 0; word < hash.size() / 8; ++word) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i) {
      v = v << 8 | hash[word * 8 + i];
    }
    out += base::to_hex16(v);
  }
  return out;
}

std::optional<PasswordHash> parse_hash_hex(std::string_view hex) {
  PasswordHash hash{};
  if (hex.size() != hash.size() * 2) {
    return std::nullopt;
  }
  for (std::size_t word = 0; word < hash.size() / 8; ++word) {
    std::optional<std::uint64_t> v = base::parse_hex16(hex.substr(word * 16, 16));
    if (!v) {
      return std::nullopt;  // parse_hex16 takes lowercase digits only, as Redis does
    }
    for (std::size_t i = 0; i < 8; ++i) {
      hash[word * 8 + i] = static_cast<std::uint8_t>(*v >> (56 - 8 * i));
    }
  }
  return hash;
}

bool hashes_equal(const PasswordHash& a, const PasswordHash& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace helios::acl
