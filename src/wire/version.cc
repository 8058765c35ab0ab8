#include "wire/version.h"

namespace helios::wire {

std::uint16_t wire_minor() {
  return 1;
}

}  // namespace helios::wire
